"""Discord's rules that a test must not miss, and how a broken one is reported.

The OpenAPI spec (see `spec.py`) catches wrong shapes and most lengths; this module adds
the documented limits the spec cannot express (totals across embeds, buttons per row,
unique custom_ids, Discord's 2000-character content and 100-character autocomplete
values) and this project's own rule that the bot never pings anyone.

Every broken rule is a `Violation` naming the rule and the offending field path, e.g.
`embeds[0].title: 300 characters, limit 256 (embed title)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.offline.spec import OpenAPISpec, SchemaError

JSON = dict[str, Any]

CONTENT_LIMIT = 2000
EMBEDS_LIMIT = 10
EMBED_TOTAL_LIMIT = 6000
ROWS_LIMIT = 5
ROW_BUTTONS_LIMIT = 5
CHOICES_LIMIT = 25
CHOICE_TEXT_LIMIT = 100
CUSTOM_ID_LIMIT = 100
IS_COMPONENTS_V2 = 1 << 15

# (rule, key, limit, what) for the string fields of an embed.
_EMBED_TEXT = (
    ("embed.title", ("title",), 256, "embed title"),
    ("embed.description", ("description",), 4096, "embed description"),
    ("embed.footer", ("footer", "text"), 2048, "embed footer"),
    ("embed.author", ("author", "name"), 256, "embed author"),
)


@dataclass(frozen=True)
class Violation:
    """One broken rule. `path` is relative to the message (or callback data) it is in."""

    rule: str
    path: str
    detail: str
    context: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        context = f"; {self.context}" if self.context else ""
        return f"{where}{self.detail}  [{self.rule}{context}]"

    def matches(self, pattern: str) -> bool:
        """A rule id, a rule prefix ("embed" matches "embed.title") or any text of it."""
        return (self.rule == pattern or self.rule.startswith(pattern + ".")
                or pattern in str(self))


def _too_long(rule: str, path: str, value: Any, limit: int, what: str) -> list[Violation]:
    if isinstance(value, str) and len(value) > limit:
        return [Violation(rule, path, f"{len(value)} characters, limit {limit} ({what})")]
    return []


def _dig(data: Mapping[str, Any], keys: Sequence[str]) -> Any:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def check_message(message: Mapping[str, Any], *, creating: bool) -> list[Violation]:
    """Limits of a message body (create or edit): content, embeds, components."""
    found = _too_long("content.length", "content", message.get("content"), CONTENT_LIMIT,
                      "message content")
    found += check_embeds(message.get("embeds"))
    raw_flags = message.get("flags")
    flags = raw_flags if isinstance(raw_flags, int) else 0
    found += check_components(message.get("components"), v2=bool(flags & IS_COMPONENTS_V2))
    if creating and _is_empty(message):
        found.append(Violation("message.empty", "", "a message needs content, embeds, "
                               "components, attachments, a poll or stickers (code 50006)"))
    return found


def _is_empty(message: Mapping[str, Any]) -> bool:
    keys = ("content", "embeds", "components", "attachments", "poll", "sticker_ids")
    return not any(message.get(key) for key in keys)


def check_embeds(embeds: Any) -> list[Violation]:
    if not isinstance(embeds, list):
        return []
    found: list[Violation] = []
    if len(embeds) > EMBEDS_LIMIT:
        found.append(Violation("embeds.count", "embeds",
                               f"{len(embeds)} embeds, limit {EMBEDS_LIMIT}"))
    total = 0
    for index, embed in enumerate(embeds):
        if isinstance(embed, Mapping):
            found += _check_embed(embed, f"embeds[{index}]")
            total += embed_characters(embed)
    if total > EMBED_TOTAL_LIMIT:
        found.append(Violation("embeds.total", "embeds",
                               f"{total} characters across all embeds, limit "
                               f"{EMBED_TOTAL_LIMIT}"))
    return found


def _check_embed(embed: Mapping[str, Any], path: str) -> list[Violation]:
    found: list[Violation] = []
    for rule, keys, limit, what in _EMBED_TEXT:
        found += _too_long(rule, f"{path}.{'.'.join(keys)}", _dig(embed, keys), limit, what)
    fields = embed.get("fields")
    if not isinstance(fields, list):
        return found
    if len(fields) > 25:
        found.append(Violation("embed.fields", f"{path}.fields",
                               f"{len(fields)} fields, limit 25"))
    for index, item in enumerate(fields):
        if isinstance(item, Mapping):
            where = f"{path}.fields[{index}]"
            found += _too_long("embed.field.name", f"{where}.name", item.get("name"), 256,
                               "embed field name")
            found += _too_long("embed.field.value", f"{where}.value", item.get("value"),
                               1024, "embed field value")
    return found


def embed_characters(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts towards the 6000 total: title, description, field names
    and values, footer text, author name."""
    texts = [_dig(embed, keys) for _, keys, _, _ in _EMBED_TEXT]
    for item in embed.get("fields") or []:
        if isinstance(item, Mapping):
            texts += [item.get("name"), item.get("value")]
    return sum(len(t) for t in texts if isinstance(t, str))


def check_components(components: Any, *, v2: bool = False) -> list[Violation]:
    if not isinstance(components, list):
        return []
    found = [] if v2 else _check_rows(components)
    seen: dict[str, str] = {}
    for path, component in walk_components(components):
        found += _check_component(component, path, seen)
    return found


def _check_rows(rows: list[Any]) -> list[Violation]:
    found: list[Violation] = []
    if len(rows) > ROWS_LIMIT:
        found.append(Violation("components.rows", "components",
                               f"{len(rows)} action rows, limit {ROWS_LIMIT}"))
    for index, row in enumerate(rows):
        path = f"components[{index}]"
        if not isinstance(row, Mapping) or row.get("type") != 1:
            found.append(Violation("components.row", path, "top-level components must be "
                                   "action rows (type 1) without the IS_COMPONENTS_V2 flag"))
            continue
        children = [c for c in row.get("components") or [] if isinstance(c, Mapping)]
        buttons = sum(1 for c in children if c.get("type") == 2)
        if buttons > ROW_BUTTONS_LIMIT:
            found.append(Violation("components.buttons", f"{path}.components",
                                   f"{buttons} buttons in one row, limit {ROW_BUTTONS_LIMIT}"))
        if len(children) > 1 and any(c.get("type") in (3, 5, 6, 7, 8) for c in children):
            found.append(Violation("components.select", f"{path}.components",
                                   "a select menu must be alone in its action row"))
    return found


def _check_component(component: Mapping[str, Any], path: str, seen: dict[str, str]
                     ) -> list[Violation]:
    found: list[Violation] = []
    if component.get("type") == 2:
        found += _too_long("button.label", f"{path}.label", component.get("label"), 80,
                           "button label")
        if component.get("style") == 5 and not component.get("url"):
            found.append(Violation("button.url", path, "a link button (style 5) needs a url"))
        if component.get("style") in (1, 2, 3, 4) and component.get("custom_id") is None:
            found.append(Violation("button.custom_id", path,
                                   "a non-link button needs a custom_id"))
    custom_id = component.get("custom_id")
    if isinstance(custom_id, str):
        if not 1 <= len(custom_id) <= CUSTOM_ID_LIMIT:
            found.append(Violation("custom_id.length", f"{path}.custom_id",
                                   f"{len(custom_id)} characters, must be 1-{CUSTOM_ID_LIMIT}"
                                   " (custom_id)"))
        if custom_id in seen:
            found.append(Violation("custom_id.unique", f"{path}.custom_id",
                                   f"{custom_id!r} is also used by {seen[custom_id]} "
                                   "(custom_id must be unique within a message)"))
        seen.setdefault(custom_id, path)
    return found


def walk_components(components: Sequence[Any], path: str = "components"
                    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every component, nested ones included (rows, containers, sections, labels)."""
    for index, component in enumerate(components):
        if not isinstance(component, Mapping):
            continue
        here = f"{path}[{index}]"
        yield here, component
        children = component.get("components")
        if isinstance(children, list):
            yield from walk_components(children, f"{here}.components")
        for single in ("accessory", "component"):
            child = component.get(single)
            if isinstance(child, Mapping):
                yield f"{here}.{single}", child
                nested = child.get("components")
                if isinstance(nested, list):
                    yield from walk_components(nested, f"{here}.{single}.components")


def check_autocomplete(data: Any) -> list[Violation]:
    """At most 25 choices; each name 1-100 and each string value at most 100 characters."""
    choices = data.get("choices") if isinstance(data, Mapping) else None
    if not isinstance(choices, list):
        return []
    found: list[Violation] = []
    if len(choices) > CHOICES_LIMIT:
        found.append(Violation("autocomplete.choices", "choices",
                               f"{len(choices)} choices, limit {CHOICES_LIMIT}"))
    for index, choice in enumerate(choices):
        if not isinstance(choice, Mapping):
            continue
        path = f"choices[{index}]"
        name = choice.get("name")
        if isinstance(name, str) and not 1 <= len(name) <= CHOICE_TEXT_LIMIT:
            found.append(Violation("autocomplete.name", f"{path}.name",
                                   f"{len(name)} characters, must be 1-{CHOICE_TEXT_LIMIT} "
                                   "(choice name)"))
        found += _too_long("autocomplete.value", f"{path}.value", choice.get("value"),
                           CHOICE_TEXT_LIMIT, "choice value")
    return found


def check_modal(data: Any) -> list[Violation]:
    components = data.get("components") if isinstance(data, Mapping) else None
    if not isinstance(components, list):
        return []
    seen: dict[str, str] = {}
    found: list[Violation] = []
    for path, component in walk_components(components):
        found += _check_component(component, path, seen)
    return found


# ---- the project's rule: the bot never pings anyone ----------------------------------

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_MASS_MENTION = re.compile(r"@(everyone|here)\b")


@dataclass(frozen=True)
class Pings:
    """Who a new message notifies, given its content and allowed_mentions."""

    everyone: bool
    roles: tuple[str, ...]
    users: tuple[str, ...]
    parse: tuple[str, ...] | None  # allowed_mentions.parse as sent (None: not sent)


def pings(message: Mapping[str, Any]) -> Pings:
    """Discord's mention resolution: without allowed_mentions everything in the content
    pings; with it, only what `parse`, `users` and `roles` allow."""
    content = message.get("content") if isinstance(message.get("content"), str) else ""
    allowed = message.get("allowed_mentions")
    if not isinstance(allowed, Mapping):
        parse: set[str] = {"everyone", "roles", "users"}
        users: set[str] = set()
        roles: set[str] = set()
        sent = None
    else:
        parse = set(allowed.get("parse") or [])
        users = {str(u) for u in allowed.get("users") or []}
        roles = {str(r) for r in allowed.get("roles") or []}
        sent = tuple(allowed.get("parse") or [])
    return Pings(
        everyone="everyone" in parse and bool(_MASS_MENTION.search(content or "")),
        roles=tuple(r for r in _ROLE_MENTION.findall(content or "")
                    if "roles" in parse or r in roles),
        users=tuple(u for u in _USER_MENTION.findall(content or "")
                    if "users" in parse or u in users),
        parse=sent,
    )


def check_pings(found: Pings) -> list[Violation]:
    """Project rule (Discord allows it): a message may mention, never ping."""
    rule = "set allowed_mentions to none (project rule: the bot never pings)"
    out = []
    if found.everyone:
        out.append(Violation("mentions.everyone", "content", f"pings @everyone/@here; {rule}"))
    if found.roles:
        out.append(Violation("mentions.roles", "content",
                             f"pings role(s) {', '.join(found.roles)}; {rule}"))
    if found.users:
        out.append(Violation("mentions.users", "content",
                             f"pings user(s) {', '.join(found.users)}; {rule}"))
    return out


# ---- OpenAPI errors, and Discord's error body --------------------------------------


def schema_violations(spec: OpenAPISpec | None, method: str, template: str, body: Any, *,
                      strip: tuple[str, ...] = ()) -> list[Violation]:
    """Spec errors as violations; `strip` drops a leading path (callbacks: ("data",)) so
    paths read like the hand-checked ones."""
    if spec is None:
        return []
    return [_from_schema(error, strip) for error in spec.validate(method, template, body)]


def _from_schema(error: SchemaError, strip: tuple[str, ...]) -> Violation:
    path = error.path
    if strip and tuple(path[: len(strip)]) == strip:
        path = path[len(strip):]
    return Violation(f"openapi.{error.keyword}", format_path(path), error.detail)


def format_path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def merge(hand: list[Violation], schema: list[Violation]) -> list[Violation]:
    """Hand-checked violations first; a spec error at a path already reported adds
    nothing but noise."""
    paths = {v.path for v in hand}
    return hand + [v for v in schema if v.path not in paths]


def invalid_form_body(violations: Sequence[Violation], prefix: tuple[str, ...] = ()) -> JSON:
    """Discord's 400 body: {code: 50035, message: "Invalid Form Body", errors: {...}}."""
    errors: JSON = {}
    for violation in violations:
        node = errors
        for key in (*prefix, *re.findall(r"[^.\[\]]+", violation.path)):
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append(
            {"code": violation.rule.upper().replace(".", "_"), "message": violation.detail})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}
