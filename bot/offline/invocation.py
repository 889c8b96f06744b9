"""Turn what a user types ("/ost track 7 drama:\"han so-hee\"") into the `data` of an
INTERACTION_CREATE, using the commands exactly as the bot synced them.

Parsing against the synced definitions (not the bot's Python code) means a test can only
invoke what Discord would offer: a command that was never synced, an option that does
not exist or a value of the wrong type is a `UsageError` right away, never a hang.

Syntax: `/name [group] [subcommand] [values...] [option:value...]`. Values fill options
in definition order; `name:value` sets one by name. Double quotes group words
(`name:"han so-hee"`); the last string option also takes all remaining words, as
Discord's text box would.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON = dict[str, Any]

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
TYPE_NAMES = {STRING: "text", INTEGER: "integer", BOOLEAN: "true/false", USER: "user",
              CHANNEL: "channel", ROLE: "role", MENTIONABLE: "user or role", NUMBER: "number",
              ATTACHMENT: "attachment"}
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}
_QUOTES = {'"': '"', "\u201c": "\u201d"}


class UsageError(Exception):
    """The text cannot be typed in Discord: unknown command, option or value."""


class CommandNotAvailable(UsageError):
    """The command exists but Discord would not offer it to this user or here."""


class Resolver(Protocol):
    """Looks up users, channels and roles named in option values, and fills `resolved`."""

    def user(self, text: str, resolved: JSON) -> str: ...

    def channel(self, text: str, resolved: JSON) -> str: ...

    def role(self, text: str, resolved: JSON) -> str: ...


@dataclass
class Invocation:
    """A parsed command: the top-level synced command, the names typed, the data to send."""

    command: JSON
    names: tuple[str, ...]
    data: JSON
    focused: str | None = None


@dataclass
class _Given:
    """Option values as typed, in the order typed (named or positional)."""

    named: dict[str, str] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)
    last: str | None = None


def tokenize(text: str) -> list[str]:
    """Split on whitespace; double quotes group words and are removed. Single quotes are
    ordinary characters (drama titles have apostrophes)."""
    tokens: list[str] = []
    current: list[str] = []
    closing: str | None = None
    started = False
    for char in text.strip():
        if closing is not None:
            if char == closing:
                closing = None
            else:
                current.append(char)
        elif char in _QUOTES:
            closing, started = _QUOTES[char], True
        elif char.isspace():
            if started:
                tokens.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if closing is not None:
        raise UsageError(f"unclosed quote in {text!r}")
    if started:
        tokens.append("".join(current))
    return tokens


def parse_invocation(text: str, commands: Sequence[JSON], resolver: Resolver, *,
                     autocomplete: bool = False) -> Invocation:
    """Parse `text` against the synced `commands` (guild commands first)."""
    tokens = tokenize(text)
    if not tokens or not tokens[0].startswith("/") or len(tokens[0]) < 2:
        raise UsageError(f"a command starts with '/', e.g. '/help'; got {text!r}")
    command = _find_command(tokens[0][1:], commands)
    names = [command["name"]]
    options: list[JSON] = list(command.get("options") or [])
    rest = tokens[1:]
    while any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options):
        sub = _find_subcommand(names, options, rest)
        names.append(sub["name"])
        options, rest = list(sub.get("options") or []), rest[1:]
    given = _split_given(rest, options, names)
    resolved: JSON = {}
    values, focused = _values(given, options, names, resolver, resolved, autocomplete)
    data: JSON = {"id": command["id"], "name": command["name"], "type": 1,
                  "options": _nest(names, options, values, command, focused)}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return Invocation(command, tuple(names), data, focused)


def _find_command(name: str, commands: Sequence[JSON]) -> JSON:
    for command in commands:
        if command.get("name") == name and int(command.get("type") or 1) == 1:
            return command
    known = ", ".join(sorted({f"/{c['name']}" for c in commands if c.get("type", 1) == 1}))
    raise UsageError(f"unknown command /{name}; the bot synced: {known or 'nothing'}")


def _find_subcommand(names: list[str], options: list[JSON], rest: list[str]) -> JSON:
    choices = [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    wanted = rest[0] if rest else None
    for option in choices:
        if option["name"] == wanted:
            return option
    listed = ", ".join(o["name"] for o in choices)
    what = f"unknown subcommand {wanted!r}" if wanted else "a subcommand is needed"
    raise UsageError(f"/{' '.join(names)}: {what}; choose one of: {listed}")


_OPTION_NAME_RE = re.compile(r"[a-z0-9_-]{1,32}")  # what Discord allows an option name


def _split_given(tokens: list[str], options: list[JSON], names: list[str]) -> _Given:
    """`name:value` sets an option; words after a text option's value belong to it (as
    in Discord's box, where the value runs until the next option); other words are
    positional."""
    types = {o["name"]: o.get("type") for o in options}
    given = _Given()
    extending: str | None = None
    for token in tokens:
        key, sep, value = token.partition(":")
        if sep and key in types:
            if key in given.named:
                raise UsageError(f"/{' '.join(names)}: option {key!r} given twice")
            given.named[key] = value
            given.last = key
            extending = key if types[key] == STRING else None
        elif extending is not None:
            given.named[extending] = f"{given.named[extending]} {token}".lstrip()
        elif sep and _OPTION_NAME_RE.fullmatch(key):
            known = ", ".join(types) or "none"
            raise UsageError(f"/{' '.join(names)}: no option named {key!r}; its options: "
                             f"{known}")
        else:
            given.positional.append(token)
    _assign_positional(given, options, names)
    return given


def _assign_positional(given: _Given, options: list[JSON], names: list[str]) -> None:
    """Fill options in definition order; the last open string option takes the rest."""
    open_options = [o for o in options if o["name"] not in given.named]
    words = list(given.positional)
    for index, option in enumerate(open_options):
        if not words:
            return
        is_last = index == len(open_options) - 1
        if is_last and option.get("type") == STRING:
            given.named[option["name"]], words = " ".join(words), []
        else:
            given.named[option["name"]] = words.pop(0)
        given.last = option["name"]
    if words:
        raise UsageError(f"/{' '.join(names)}: too many values {words!r}; "
                         f"usage: {usage(names, options)}")


def _values(given: _Given, options: list[JSON], names: list[str], resolver: Resolver,
            resolved: JSON, autocomplete: bool) -> tuple[dict[str, Any], str | None]:
    focused = given.last if autocomplete else None
    if autocomplete:
        focused = focused or next((o["name"] for o in options if o.get("autocomplete")), None)
        option = next((o for o in options if o["name"] == focused), None)
        if option is None or not option.get("autocomplete"):
            raise UsageError(f"/{' '.join(names)}: option {focused!r} has no autocomplete")
    values: dict[str, Any] = {}
    for option in options:
        name = option["name"]
        if name == focused:
            values[name] = given.named.get(name, "")
        elif name in given.named:
            values[name] = _convert(option, given.named[name], names, resolver, resolved)
        elif option.get("required") and not autocomplete:
            raise UsageError(f"/{' '.join(names)}: missing required option {name!r}; "
                             f"usage: {usage(names, options)}")
    return values, focused


def _convert(option: JSON, text: str, names: list[str], resolver: Resolver,
             resolved: JSON) -> Any:
    kind = option.get("type")
    where = f"/{' '.join(names)} {option['name']}"
    if option.get("choices"):
        return _choice(option, text, where)
    try:
        value = _typed(kind, text, resolver, resolved)
    except (ValueError, KeyError) as error:
        raise UsageError(f"{where}: {text!r} is not a valid {_type_name(kind)}"
                         f"{': ' + str(error) if isinstance(error, KeyError) else ''}"
                         ) from None
    _check_bounds(option, value, where)
    return value


def _type_name(kind: Any) -> str:
    return TYPE_NAMES.get(int(kind or 0), str(kind))


def _typed(kind: Any, text: str, resolver: Resolver, resolved: JSON) -> Any:
    if kind == INTEGER:
        return int(text)
    if kind == NUMBER:
        return float(text)
    if kind == BOOLEAN:
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValueError(text)
        return lowered in _TRUE
    if kind == USER:
        return resolver.user(text, resolved)
    if kind == CHANNEL:
        return resolver.channel(text, resolved)
    if kind == ROLE:
        return resolver.role(text, resolved)
    if kind == MENTIONABLE:
        try:
            return resolver.user(text, resolved)
        except KeyError:
            return resolver.role(text, resolved)
    if kind == ATTACHMENT:
        raise UsageError("attachment options cannot be sent from the offline harness")
    return text


def _choice(option: JSON, text: str, where: str) -> Any:
    for choice in option["choices"]:
        if text.lower() in (str(choice["name"]).lower(), str(choice["value"]).lower()):
            return choice["value"]
    listed = ", ".join(str(c["name"]) for c in option["choices"])
    raise UsageError(f"{where}: {text!r} is not one of the choices: {listed}")


def _check_bounds(option: JSON, value: Any, where: str) -> None:
    size: float
    if isinstance(value, str) and option.get("type") == STRING:
        low, high = option.get("min_length"), option.get("max_length")
        size, unit = len(value), " characters"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low, high = option.get("min_value"), option.get("max_value")
        size, unit = value, ""
    else:
        return
    if low is not None and size < low:
        raise UsageError(f"{where}: {size}{unit} is below the minimum {low}")
    if high is not None and size > high:
        raise UsageError(f"{where}: {size}{unit} is above the maximum {high}")


def _nest(names: list[str], options: list[JSON], values: dict[str, Any], command: JSON,
          focused: str | None) -> list[JSON]:
    """Leaf options, wrapped in their subcommand (and group) as Discord nests them. The
    option being typed (autocomplete) is marked `focused` and sent as the raw text."""
    types = {o["name"]: o["type"] for o in options}
    leaf: list[JSON] = []
    for name, value in values.items():
        option: JSON = {"name": name, "type": types[name], "value": value}
        if name == focused:
            option["focused"] = True
        leaf.append(option)
    return _wrap(names[1:], command.get("options") or [], leaf)


def _wrap(path: list[str], options: list[JSON], leaf: list[JSON]) -> list[JSON]:
    if not path:
        return leaf
    option = next(o for o in options if o["name"] == path[0])
    return [{"name": option["name"], "type": option["type"],
             "options": _wrap(path[1:], option.get("options") or [], leaf)}]


def usage(names: Sequence[str], options: Sequence[JSON]) -> str:
    parts = [f"/{' '.join(names)}"]
    for option in options:
        kind = _type_name(option.get("type"))
        text = f"{option['name']}:<{kind}>"
        parts.append(text if option.get("required") else f"[{text}]")
    return " ".join(parts)
