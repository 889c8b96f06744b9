"""Discord's rules that a test must not miss, and how a broken one is reported.

The OpenAPI spec (see `spec.py`) catches wrong shapes and most lengths; this module adds
the documented limits the spec cannot express (totals across embeds, buttons per row,
unique custom_ids, Discord's 2000-character content and 100-character autocomplete
values), the rules for application commands in every locale (names lower case, of
letters, digits, - _ and ' only; localisations for locales Discord knows; option names
unique in each locale; 4,000 characters a command), and this project's own rule that the
bot never pings anyone.

Every broken rule is a `Violation` naming the rule and the offending field path, e.g.
`embeds[0].title: 300 characters, limit 256 (embed title)`.
"""

from __future__ import annotations

import re
import unicodedata
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


# ---- application commands (docs: Interactions > Application Commands) ------------------

# The locales Discord accepts in name_localizations and description_localizations.
LOCALES = frozenset({
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu",
    "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru",
    "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko"})
CHAT_INPUT, SUB_COMMAND, SUB_COMMAND_GROUP = 1, 1, 2
NAME_LIMIT, DESCRIPTION_LIMIT, OPTIONS_LIMIT = 32, 100, 25
COMMAND_TEXT_LIMIT = 4000  # name, description and choice values of a command, in all
CHAT_INPUT_COMMANDS_LIMIT = 100
_NAME_MARKS = ("Mn", "Mc")  # Devanagari and Thai vowel signs, which Discord allows


def check_commands(commands: Any) -> list[Violation]:
    """A bulk overwrite: each command's rules, at most 100 slash commands, and no two
    commands of a type with the same name."""
    if not isinstance(commands, list):
        return []
    found: list[Violation] = []
    slash = [c for c in commands if isinstance(c, Mapping) and c.get("type", 1) == CHAT_INPUT]
    if len(slash) > CHAT_INPUT_COMMANDS_LIMIT:
        found.append(Violation("command.count", "", f"{len(slash)} slash commands, limit "
                               f"{CHAT_INPUT_COMMANDS_LIMIT}"))
    seen: set[tuple[Any, Any]] = set()
    for index, command in enumerate(commands):
        if not isinstance(command, Mapping):
            continue
        key = (command.get("type", 1), command.get("name"))
        if key in seen:
            found.append(Violation("command.duplicate", f"[{index}].name",
                                   f"two commands named {command.get('name')!r}"))
        seen.add(key)
        found += check_command(command, f"[{index}]")
    return found


def check_command(command: Mapping[str, Any], path: str = "") -> list[Violation]:
    """One command: names and descriptions in every locale (slash command names lower
    case, of letters, digits, - _ and '), valid locales, its options, and the 4,000
    characters its texts may have in all, in any one locale."""
    slash = command.get("type", 1) == CHAT_INPUT
    found = _check_texts(command, path, slash=slash, description=slash)
    if slash:
        found += _check_options(command.get("options"), _join(path, "options"))
        for locale, total in _texts_per_locale(command).items():
            if total > COMMAND_TEXT_LIMIT:
                found.append(Violation(
                    "command.total", path, f"{total} characters of names, descriptions "
                    f"and choice values in {locale}, limit {COMMAND_TEXT_LIMIT}"))
    return found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_texts(node: Mapping[str, Any], path: str, *, slash: bool, description: bool
                 ) -> list[Violation]:
    found = _check_name(node.get("name"), _join(path, "name"), slash=slash)
    names = node.get("name_localizations") or {}
    found += _check_locales(names, _join(path, "name_localizations"))
    for locale, name in names.items() if isinstance(names, Mapping) else ():
        found += _check_name(name, _join(path, f"name_localizations.{locale}"), slash=slash)
    if description:
        found += _check_description(node.get("description"), _join(path, "description"))
        texts = node.get("description_localizations") or {}
        found += _check_locales(texts, _join(path, "description_localizations"))
        for locale, text in texts.items() if isinstance(texts, Mapping) else ():
            found += _check_description(
                text, _join(path, f"description_localizations.{locale}"))
    return found


def _check_name(name: Any, path: str, *, slash: bool) -> list[Violation]:
    if not isinstance(name, str):
        return []
    if not 1 <= len(name) <= NAME_LIMIT:
        return [Violation("command.name", path, f"{len(name)} characters, must be "
                          f"1-{NAME_LIMIT} (command or option name)")]
    if not slash:
        return []
    bad = sorted({ch for ch in name if not (ch.isalnum() or ch in "-_'" or
                                            unicodedata.category(ch) in _NAME_MARKS)})
    if bad:
        return [Violation("command.name", path, f"{name!r}: {''.join(bad)!r} not allowed "
                          "(letters, digits, - _ and ' only; no spaces)")]
    if any(ch.lower() != ch for ch in name):
        return [Violation("command.name", path, f"{name!r}: must be lower case")]
    return []


def _check_description(text: Any, path: str) -> list[Violation]:
    if isinstance(text, str) and not 1 <= len(text) <= DESCRIPTION_LIMIT:
        return [Violation("command.description", path, f"{len(text)} characters, must be "
                          f"1-{DESCRIPTION_LIMIT} (description)")]
    return []


def _check_locales(localizations: Any, path: str) -> list[Violation]:
    if not isinstance(localizations, Mapping):
        return []
    return [Violation("command.locale", f"{path}.{locale}", f"{locale!r} is not a locale "
                      "Discord knows")
            for locale in localizations if locale not in LOCALES]


def _check_options(options: Any, path: str) -> list[Violation]:
    """A level of options: at most 25; subcommands not mixed with other options; the
    required ones first; names unique in every locale; choices within limits."""
    if not isinstance(options, list):
        return []
    found = _too_many("command.options", path, options, OPTIONS_LIMIT, "options")
    kinds = {o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
             for o in options if isinstance(o, Mapping)}
    if len(kinds) > 1:
        found.append(Violation("command.options", path, "subcommands mixed with other "
                               "options at one level"))
    optional_seen = False
    names: dict[str, set[str]] = {}
    level = [o for o in options if isinstance(o, Mapping)]
    locales = {"default"} | {locale for o in level for locale in o.get("name_localizations")
                             or {}}
    for index, option in enumerate(options):
        if not isinstance(option, Mapping):
            continue
        where = f"{path}[{index}]"
        if option.get("required") and optional_seen:
            found.append(Violation("command.options", f"{where}.required", "a required "
                                   "option after an optional one"))
        optional_seen = optional_seen or not option.get("required", False)
        for locale, name in _names_per_locale(option, locales).items():
            if name in names.setdefault(locale, set()):
                found.append(Violation("command.duplicate", f"{where}.name", f"two options "
                                       f"named {name!r} in {locale}"))
            names[locale].add(name)
        found += _check_texts(option, where, slash=True, description=True)
        found += _check_choices(option.get("choices"), f"{where}.choices")
        found += _check_options(option.get("options"), f"{where}.options")
    return found


def _too_many(rule: str, path: str, items: Sequence[Any], limit: int, what: str
              ) -> list[Violation]:
    if len(items) > limit:
        return [Violation(rule, path, f"{len(items)} {what}, limit {limit}")]
    return []


def _names_per_locale(node: Mapping[str, Any], locales: set[str]) -> dict[str, str]:
    """The name each locale's client shows: its localisation, else the default name."""
    localized = node.get("name_localizations") or {}
    default = str(node.get("name"))
    return {locale: str(localized.get(locale, default)) for locale in locales}


def _check_choices(choices: Any, path: str) -> list[Violation]:
    if not isinstance(choices, list):
        return []
    found = _too_many("command.choices", path, choices, CHOICES_LIMIT, "choices")
    for index, choice in enumerate(choices):
        if not isinstance(choice, Mapping):
            continue
        where = f"{path}[{index}]"
        texts = {"name": choice.get("name"), **{
            f"name_localizations.{locale}": name
            for locale, name in (choice.get("name_localizations") or {}).items()}}
        for key, name in texts.items():
            if isinstance(name, str) and not 1 <= len(name) <= CHOICE_TEXT_LIMIT:
                found.append(Violation("command.choice", f"{where}.{key}", f"{len(name)} "
                                       f"characters, must be 1-{CHOICE_TEXT_LIMIT} (choice "
                                       "name)"))
        found += _check_locales(choice.get("name_localizations"),
                                f"{where}.name_localizations")
        found += _too_long("command.choice", f"{where}.value", choice.get("value"),
                           CHOICE_TEXT_LIMIT, "choice value")
    return found


def _texts_per_locale(command: Mapping[str, Any]) -> dict[str, int]:
    """Characters of names, descriptions and choice values, per locale a client may use
    (a text with no localisation counts in its default form)."""
    nodes: list[Mapping[str, Any]] = []
    stack = [command]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack += [o for o in node.get("options") or [] if isinstance(o, Mapping)]
        nodes += [c for c in node.get("choices") or [] if isinstance(c, Mapping)]
    locales = {"default"} | {locale for n in nodes
                             for key in ("name_localizations", "description_localizations")
                             for locale in (n.get(key) or {})}
    totals: dict[str, int] = {}
    for locale in locales:
        total = 0
        for node in nodes:
            for key in ("name", "description"):
                text = (node.get(f"{key}_localizations") or {}).get(locale, node.get(key))
                total += len(text) if isinstance(text, str) else 0
            value = node.get("value")
            total += len(value) if isinstance(value, str) else 0
        totals[locale] = total
    return totals


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
