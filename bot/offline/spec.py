"""Request-body validation against Discord's official OpenAPI 3.1 spec.

Every body the bot sends is checked against the schema of the operation it calls, so a
payload real Discord would refuse with 400 fails a test here too. Validators are compiled
once per (operation, discriminator) and the spec is loaded once per process: benchmarks
send thousands of interactions.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance

from bot.config import shared_dir

log = logging.getLogger(__name__)

SPEC_ENV = "DISCORD_OPENAPI_SPEC"
JSON_MEDIA = "application/json"


def spec_path() -> Path:
    """DISCORD_OPENAPI_SPEC, else `discord-api-spec/openapi.json` in the shared folder
    (DRAMABOT_SHARED_DIR, else `shared/` beside the repository)."""
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override).expanduser()
    return shared_dir() / "discord-api-spec" / "openapi.json"


@dataclass(frozen=True)
class SchemaError:
    """One reason a body does not match the spec: where, what, and the schema keyword."""

    path: tuple[str | int, ...]
    detail: str
    keyword: str


class OpenAPISpec:
    """The loaded spec; hands out cached validators for request bodies."""

    def __init__(self, path: Path, document: Mapping[str, Any]) -> None:
        self.path = path
        self._paths: Mapping[str, Any] = document["paths"]
        self._components: Mapping[str, Any] = _lenient_snowflakes(document["components"])
        self._validators: dict[tuple[str, str, Any], Draft202012Validator | None] = {}

    def validate(self, method: str, template: str, body: Any) -> list[SchemaError]:
        """Errors of `body` against the JSON request body of `method template` (a path
        exactly as written in the spec, e.g. "/channels/{channel_id}/messages")."""
        discriminator = body.get("type") if isinstance(body, dict) else None
        if not isinstance(discriminator, int | str):
            discriminator = None
        validator = self._validator(method.lower(), template, discriminator)
        if validator is None:
            return []
        return _summarise(validator.iter_errors(body))

    def _validator(self, method: str, template: str, discriminator: Any
                   ) -> Draft202012Validator | None:
        key = (method, template, discriminator)
        if key not in self._validators:
            schema = self._body_schema(method, template)
            if schema is not None:
                schema = self._branch_for(schema, discriminator)
                schema = {**schema, "components": self._components}
                self._validators[key] = Draft202012Validator(schema)
            else:
                self._validators[key] = None
        return self._validators[key]

    def _body_schema(self, method: str, template: str) -> dict[str, Any] | None:
        operation = self._paths.get(template, {}).get(method)
        if operation is None:
            raise KeyError(f"the spec has no operation {method.upper()} {template}")
        content = (operation.get("requestBody") or {}).get("content", {})
        media = content.get(JSON_MEDIA)
        return dict(media["schema"]) if media else None

    def _branch_for(self, schema: dict[str, Any], discriminator: Any) -> dict[str, Any]:
        """Pick the one anyOf branch whose `type` enum admits the body's type.

        Interaction callbacks are a union discriminated by `type`; validating against the
        matching branch alone gives precise errors instead of "not valid under anyOf"."""
        branches = schema.get("anyOf") or schema.get("oneOf")
        if discriminator is None or not branches:
            return schema
        matching = [b for b in branches if discriminator in self._type_enum(b)]
        return matching[0] if len(matching) == 1 else schema

    def _type_enum(self, branch: Mapping[str, Any]) -> list[Any]:
        ref = branch.get("$ref", "")
        target = self._components["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else branch
        return list(target.get("properties", {}).get("type", {}).get("enum", []))


def _lenient_snowflakes(components: Mapping[str, Any]) -> Mapping[str, Any]:
    """Let snowflakes be JSON integers as well as strings.

    The spec types them as strings, but Discord coerces numbers, and discord.py sends the
    ids of new attachments as integers (0, 1, ...): strictness here would flag a payload
    Discord accepts."""
    schemas = dict(components.get("schemas", {}))
    snowflake = schemas.get("SnowflakeType")
    if snowflake is None:
        return components
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    return {**components, "schemas": schemas}


def _summarise(errors: Iterable[ValidationError]) -> list[SchemaError]:
    """One precise error per failing location."""
    found: dict[tuple[str | int, ...], SchemaError] = {}
    for top in errors:
        error = _deepest(top)
        path = tuple(error.absolute_path)
        if path not in found:
            found[path] = SchemaError(path, _describe(error), str(error.validator))
    return list(found.values())


def _deepest(error: ValidationError) -> ValidationError:
    """Descend through anyOf/oneOf into the branch the body meant.

    Discord's unions (components, callbacks) are told apart by a `type` field: a branch
    whose `type` does not match is not what the bot meant, so its errors are noise."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [errs for errs in branches.values() if not any(map(_wrong_kind, errs))]
        if not meant:
            return error
        error = max((e for errs in meant for e in errs), key=relevance)
    return error


def _wrong_kind(error: ValidationError) -> bool:
    path = list(error.relative_path)
    return ((path == ["type"] and error.validator in ("enum", "const"))
            or (not path and error.validator == "type"))


def _describe(error: ValidationError) -> str:
    keyword, limit, value = error.validator, error.validator_value, error.instance
    if keyword in ("maxLength", "minLength") and isinstance(value, str):
        bound = "limit" if keyword == "maxLength" else "minimum"
        return f"{len(value)} characters, {bound} {limit} (OpenAPI {keyword})"
    if keyword in ("maxItems", "minItems") and isinstance(value, list):
        bound = "limit" if keyword == "maxItems" else "minimum"
        return f"{len(value)} items, {bound} {limit} (OpenAPI {keyword})"
    if keyword in ("anyOf", "oneOf"):
        kind = value.get("type") if isinstance(value, dict) else type(value).__name__
        return f"matches none of the allowed shapes (type {kind!r}) (OpenAPI {keyword})"
    message = error.message
    return (message if len(message) <= 160 else message[:157] + "...") + " (OpenAPI)"


@cache
def load_spec(path: Path) -> OpenAPISpec | None:
    """The spec at `path`, or None (with one log line) when the file is absent."""
    if not path.is_file():
        log.warning("OpenAPI spec not found at %s: request bodies are NOT validated", path)
        return None
    with path.open(encoding="utf-8") as handle:
        return OpenAPISpec(path, json.load(handle))


def spec_status() -> str:
    """One line for test headers and the console: is validation on, and from where."""
    path = spec_path()
    if path.is_file():
        return f"offline Discord: request bodies validated against {path}"
    return (f"offline Discord: OpenAPI spec NOT FOUND at {path}; request bodies are not "
            f"validated (set {SPEC_ENV} or DRAMABOT_SHARED_DIR)")
