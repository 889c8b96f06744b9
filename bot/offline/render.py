"""Messages as plain text for a terminal: the console, `dramabot ask`, and test failure
output. Buttons are numbered in the same order as `Reply.buttons`, so "press 2" in the
console and `reply.click(2)` in a test mean the same button."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.offline.rules import walk_components
from bot.offline.state import EPHEMERAL, LOADING

EPHEMERAL_NOTE = "(only you can see this)"
BUTTON, SELECTS, TEXT_DISPLAY, SEPARATOR = 2, (3, 5, 6, 7, 8), 10, 14


def render_message(message: Mapping[str, Any], ephemeral: bool = False) -> str:
    """Content, embeds (title, description, fields, footer), numbered buttons, and
    "(only you can see this)" for ephemeral messages."""
    flags = int(message.get("flags") or 0)
    lines: list[str] = []
    if flags & LOADING:
        lines.append(f"{_author(message)} is thinking...")
    if message.get("content"):
        lines.append(str(message["content"]))
    for embed in message.get("embeds") or []:
        if lines:
            lines.append("")
        lines += render_embed(embed)
    component_lines = render_components(message.get("components") or [])
    if component_lines:
        lines += ["", *component_lines] if lines else component_lines
    for attachment in message.get("attachments") or []:
        lines.append(f"[file: {attachment.get('filename')}]")
    if ephemeral or flags & EPHEMERAL:
        lines.append(EPHEMERAL_NOTE)
    return "\n".join(lines) if lines else "(empty message)"


def _author(message: Mapping[str, Any]) -> str:
    author = message.get("author") or {}
    return str(author.get("global_name") or author.get("username") or "The bot")


def render_embed(embed: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        lines.append(str(author))
    if embed.get("title"):
        title = f"== {embed['title']} =="
        lines.append(f"{title} <{embed['url']}>" if embed.get("url") else title)
    if embed.get("description"):
        lines.append(str(embed["description"]))
    for field in embed.get("fields") or []:
        lines.append(_field(field))
    for key in ("image", "thumbnail"):
        url = (embed.get(key) or {}).get("url")
        if url:
            lines.append(f"[{key}: {url}]")
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.append(f"-- {footer}")
    return lines


def _field(field: Mapping[str, Any]) -> str:
    name, value = str(field.get("name", "")), str(field.get("value", ""))
    if "\n" not in value:
        return f"{name}: {value}"
    indented = "\n".join("  " + line for line in value.splitlines())
    return f"{name}:\n{indented}"


def buttons_of(components: Sequence[Any]) -> Iterator[Mapping[str, Any]]:
    """Buttons in display order: the numbering shared by render and `Reply.buttons`."""
    for _, component in walk_components(components):
        if component.get("type") == BUTTON:
            yield component


def render_components(components: Sequence[Any]) -> list[str]:
    numbers = {id(b): n for n, b in enumerate(buttons_of(components), start=1)}
    lines: list[str] = []
    for component in components:
        if isinstance(component, Mapping):
            lines += _render_component(component, numbers)
    return lines


def _render_component(component: Mapping[str, Any], numbers: dict[int, int]) -> list[str]:
    kind = component.get("type")
    children = [c for c in component.get("components") or [] if isinstance(c, Mapping)]
    if kind == 1:
        parts = [_inline(c, numbers) for c in children]
        return ["  ".join(p for p in parts if p)]
    if kind == BUTTON or kind in SELECTS:
        return [_inline(component, numbers)]
    if kind == TEXT_DISPLAY:
        return [str(component.get("content", ""))]
    if kind == SEPARATOR:
        return ["-" * 20]
    lines: list[str] = []
    for child in children:
        lines += _render_component(child, numbers)
    accessory = component.get("accessory")
    if isinstance(accessory, Mapping) and accessory.get("type") == BUTTON:
        lines.append(_inline(accessory, numbers))
    return lines


def _inline(component: Mapping[str, Any], numbers: dict[int, int]) -> str:
    if component.get("type") == BUTTON:
        return _button(component, numbers.get(id(component), 0))
    if component.get("type") in SELECTS:
        return _select(component)
    return ""


def _button(button: Mapping[str, Any], number: int) -> str:
    emoji = (button.get("emoji") or {}).get("name")
    label = " ".join(str(p) for p in (emoji, button.get("label")) if p) or "(no label)"
    text = f"[{number}] {label}"
    if button.get("url"):
        text += f" -> {button['url']}"
    if button.get("disabled"):
        text += " (disabled)"
    return text


def _select(select: Mapping[str, Any]) -> str:
    options = " | ".join(str(o.get("label")) for o in select.get("options") or [])
    placeholder = select.get("placeholder") or select.get("custom_id")
    text = f"[menu: {placeholder}]"
    if options:
        text += f" {options}"
    return text + (" (disabled)" if select.get("disabled") else "")


def render_choices(choices: Sequence[Mapping[str, Any]]) -> str:
    """Autocomplete suggestions, one per line, as Discord lists them above the box."""
    if not choices:
        return "(no suggestions)"
    return "\n".join(f"  {c.get('name')}" + (f"  [{c.get('value')}]"
                     if str(c.get("value")) != str(c.get("name")) else "") for c in choices)


def render_modal(modal: Mapping[str, Any]) -> str:
    """A modal form: its title and each text input (custom_id, label, required)."""
    lines = [f"[form] {modal.get('title', '')}"]
    for _, component in walk_components(modal.get("components") or []):
        if component.get("type") == 4:
            label = component.get("label") or component.get("placeholder") or ""
            required = " (required)" if component.get("required", True) else ""
            lines.append(f"  {component.get('custom_id')}: {label}{required}")
        elif component.get("type") == 18:
            lines.append(f"  {component.get('label', '')}")
    return "\n".join(lines)


_MENTION_RE = re.compile(r"<(@!?|@&|#)(\d+)>")
_TIMESTAMP_RE = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")


def as_seen(text: str, names: Mapping[str, Mapping[int, str]], now: float) -> str:
    """Text as a Discord client shows it: `<@id>` as @name, `<#id>` as #channel, `<@&id>`
    as @role (names: {"user": ..., "channel": ..., "role": ...}), `<t:unix:R>` as "in 12
    seconds", other timestamps as a UTC date and time."""
    kinds = {"@": "user", "@!": "user", "@&": "role", "#": "channel"}

    def mention(m: re.Match[str]) -> str:
        found = names.get(kinds[m.group(1)], {}).get(int(m.group(2)))
        sign = "#" if m.group(1) == "#" else "@"
        return f"{sign}{found}" if found else m.group(0)

    def timestamp(m: re.Match[str]) -> str:
        at = int(m.group(1))
        if m.group(2) == "R":
            return _relative(at - now)
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")

    return _TIMESTAMP_RE.sub(timestamp, _MENTION_RE.sub(mention, text))


def _relative(seconds: float) -> str:
    amount, unit = abs(seconds), "second"
    for size, name in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if amount >= size:
            amount, unit = amount / size, name
            break
    count = round(amount)
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"
