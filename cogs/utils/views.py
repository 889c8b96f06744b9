"""Buttons that keep working for as long as their message exists, even across restarts.

Every button is a `discord.ui.DynamicItem`: its custom_id carries all the state it needs
(`drama:s:<slug>:<section>`, `ost:p:<slug>:<page>:<role>`, `lookup:<kind>:<key>[:<n>]`),
so nothing is kept in memory and a click on a week-old message is handled like a new one.

The three button families are generic; what a click *does* is looked up by the `kind`
segment in a small registry that each cog fills in its `setup` (`register_sections`,
`register_pages`, `register_lookup`). That keeps Discord plumbing here and rendering in
the cogs, and lets the quiz reuse the same buttons. Register the classes with
`bot.add_dynamic_items(*DYNAMIC_ITEMS)`.

A dynamic item's exceptions are logged and swallowed by discord.py (the user would see
"This interaction failed"), so every callback goes through `_answer`, which always replies.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import discord

from bot.client import THINKING
from cogs.utils.formatting import Limits, truncate

log = logging.getLogger(__name__)

Interaction = discord.Interaction[Any]
ButtonItem = discord.ui.Button[discord.ui.View]

GONE = "That button no longer works: the bot does not offer it any more. Run the command again."
FAILED = ("Something went wrong on my side while answering that. It has been logged; "
          "please try again.")

_KEY = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # slugs and person ids (bot.packs.schema.ID_RE)
_KIND = r"[a-z]+"


@dataclass
class Reply:
    """What a command or a button answers: built by the cogs, sent by `send_reply`."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    ephemeral: bool = False


SectionHandler = Callable[[Interaction, str, str], Awaitable[Reply]]  # (key, section)
PageHandler = Callable[[Interaction, str, int], Awaitable[Reply]]  # (key, page)
LookupHandler = Callable[[Interaction, str, int | None], Awaitable[Reply]]  # (key, extra)

_sections: dict[str, SectionHandler] = {}
_pages: dict[str, PageHandler] = {}
_lookups: dict[str, LookupHandler] = {}


def register_sections(kind: str, handler: SectionHandler) -> None:
    """Let `<kind>:s:<key>:<section>` buttons switch a message with `handler`."""
    _sections[kind] = handler


def register_pages(kind: str, handler: PageHandler) -> None:
    """Let `<kind>:p:<key>:<page>:<role>` buttons turn a message's pages with `handler`."""
    _pages[kind] = handler


def register_lookup(kind: str, handler: LookupHandler) -> None:
    """Let `lookup:<kind>:<key>[:<n>]` buttons answer with a new message from `handler`."""
    _lookups[kind] = handler


def unregister(kind: str) -> None:
    """Forget a kind (cog unload); its buttons then answer politely that they are gone."""
    _sections.pop(kind, None)
    _pages.pop(kind, None)
    _lookups.pop(kind, None)


# --- sending ----------------------------------------------------------------------------


def _message_kwargs(reply: Reply) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if reply.content is not None:
        kwargs["content"] = truncate(reply.content, Limits.CONTENT)
    if reply.embed is not None:
        kwargs["embed"] = reply.embed
    if reply.view is not None:
        kwargs["view"] = reply.view
    return kwargs


async def defer_thinking(interaction: Interaction) -> None:
    """Acknowledge now with a public "thinking..." placeholder, before work that may take
    a while: Discord drops an interaction whose first response comes after 3 s. The next
    `send_reply` replaces the placeholder with the answer, public or private."""
    await interaction.response.defer(thinking=True)
    interaction.extras[THINKING] = True


def answer_pending(interaction: Interaction) -> bool:
    """Whether the interaction's answer is still to be posted: no response yet, or only
    the "thinking..." placeholder of `defer_thinking`."""
    return not interaction.response.is_done() or bool(interaction.extras.get(THINKING))


async def send_reply(interaction: Interaction, reply: Reply) -> None:
    """Send `reply` as the interaction's answer: the response, the replacement of a
    "thinking..." placeholder, or a follow-up if already answered."""
    kwargs = _message_kwargs(reply)
    if interaction.extras.get(THINKING):
        try:
            await _replace_thinking(interaction, reply, kwargs)
        finally:
            interaction.extras.pop(THINKING, None)  # answered (or failed): stop waiting
    elif interaction.response.is_done():
        await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=reply.ephemeral, **kwargs)


async def _replace_thinking(interaction: Interaction, reply: Reply,
                            kwargs: dict[str, Any]) -> None:
    """A public answer edits the placeholder into itself. A private one cannot: the
    placeholder is public, and so is the follow-up that fills it whatever its flags. So
    the placeholder is deleted, and the answer sent as a follow-up of its own, which then
    is private."""
    if not reply.ephemeral:
        await interaction.edit_original_response(**kwargs)
        return
    with contextlib.suppress(discord.NotFound):  # a moderator deleted it already
        await interaction.delete_original_response()
    await interaction.followup.send(ephemeral=True, **kwargs)


async def edit_reply(interaction: Interaction, reply: Reply) -> None:
    """Replace the clicked message with `reply`; an ephemeral reply (an error about the
    click itself) is sent as a new private message instead, leaving the original alone."""
    if reply.ephemeral:
        await send_reply(interaction, reply)
        return
    kwargs = _message_kwargs(reply)
    kwargs.setdefault("content", None)
    kwargs.setdefault("embed", None)
    kwargs.setdefault("view", None)
    await interaction.response.edit_message(**kwargs)


async def _answer(
    interaction: Interaction, produce: Callable[[], Awaitable[Reply]], *, edit: bool
) -> None:
    """Run a button's work and always answer, even when it fails."""
    try:
        reply = await produce()
        await (edit_reply if edit else send_reply)(interaction, reply)
    except Exception:
        data: dict[str, Any] = dict(interaction.data or {})
        log.exception("Button %s failed", data.get("custom_id"))
        try:
            await send_reply(interaction, Reply(content=FAILED, ephemeral=True))
        except discord.HTTPException:
            log.warning("Could not tell the user a button failed", exc_info=True)


async def _gone(interaction: Interaction) -> Reply:
    return Reply(content=GONE, ephemeral=True)


# --- the buttons ------------------------------------------------------------------------


def _button(custom_id: str, label: str, *, style: discord.ButtonStyle,
            disabled: bool = False) -> ButtonItem:
    return discord.ui.Button(
        label=truncate(label, Limits.LABEL) or "?", custom_id=custom_id, style=style,
        disabled=disabled,
    )


def _label(item: discord.ui.Item[Any], fallback: str) -> str:
    return getattr(item, "label", None) or fallback


class SectionButton(
    discord.ui.DynamicItem[ButtonItem],
    template=rf"(?P<kind>{_KIND}):s:(?P<key>{_KEY}):(?P<section>[a-z]+)",
):
    """Switches its message to another section of the same thing (a drama's Cast...)."""

    def __init__(self, kind: str, key: str, section: str, *, label: str,
                 current: bool = False) -> None:
        style = discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary
        super().__init__(_button(f"{kind}:s:{key}:{section}", label, style=style,
                                 disabled=current))
        self.kind, self.key, self.section = kind, key, section

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["kind"], match["key"], match["section"],
                   label=_label(item, match["section"]))

    async def callback(self, interaction: Interaction) -> None:
        handler = _sections.get(self.kind)
        if handler is None:
            await _answer(interaction, lambda: _gone(interaction), edit=False)
            return
        await _answer(interaction, lambda: handler(interaction, self.key, self.section),
                      edit=True)


class PageButton(
    discord.ui.DynamicItem[ButtonItem],
    template=rf"(?P<kind>{_KIND}):p:(?P<key>{_KEY}):(?P<page>[0-9]{{1,6}}):(?P<role>[pcn])",
):
    """Turns its message to page `page` (0-based). `role` (prev, current, next) keeps the
    three buttons' custom_ids distinct even when two point at the same page."""

    def __init__(self, kind: str, key: str, page: int, role: str, *, label: str,
                 disabled: bool = False) -> None:
        super().__init__(_button(f"{kind}:p:{key}:{page}:{role}", label,
                                 style=discord.ButtonStyle.secondary, disabled=disabled))
        self.kind, self.key, self.page = kind, key, page

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["kind"], match["key"], int(match["page"]), match["role"],
                   label=_label(item, "Page"))

    async def callback(self, interaction: Interaction) -> None:
        handler = _pages.get(self.kind)
        if handler is None:
            await _answer(interaction, lambda: _gone(interaction), edit=False)
            return
        await _answer(interaction, lambda: handler(interaction, self.key, self.page), edit=True)


class LookupButton(
    discord.ui.DynamicItem[ButtonItem],
    template=rf"lookup:(?P<kind>{_KIND}):(?P<key>{_KEY})(?::(?P<extra>[0-9]{{1,9}}))?",
):
    """Runs a lookup as if the user had typed the exact name: did-you-mean choices, and
    links from one page to another (a cast member's page). Answers with a new message."""

    def __init__(self, kind: str, key: str, *, label: str, extra: int | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.primary) -> None:
        custom_id = f"lookup:{kind}:{key}" + (f":{extra}" if extra is not None else "")
        super().__init__(_button(custom_id, label, style=style))
        self.kind, self.key, self.extra = kind, key, extra

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        extra = int(match["extra"]) if match["extra"] else None
        return cls(match["kind"], match["key"], label=_label(item, match["key"]), extra=extra)

    async def callback(self, interaction: Interaction) -> None:
        handler = _lookups.get(self.kind)
        if handler is None:
            await _answer(interaction, lambda: _gone(interaction), edit=False)
            return
        await _answer(interaction, lambda: handler(interaction, self.key, self.extra),
                      edit=False)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    SectionButton, PageButton, LookupButton,
)


# --- building views ---------------------------------------------------------------------


def fits_custom_id(*parts: str | int) -> bool:
    """Whether ids joined into a custom_id stay within Discord's 100 characters."""
    return len(":".join(str(p) for p in parts)) <= Limits.CUSTOM_ID


def section_buttons(
    kind: str, key: str, sections: Sequence[tuple[str, str]], current: str
) -> list[discord.ui.Item[Any]]:
    """One button per (section id, label); the current section is highlighted and disabled."""
    if not fits_custom_id(kind, "s", key, max((s for s, _ in sections), key=len, default="")):
        return []
    return [SectionButton(kind, key, section, label=label, current=section == current)
            for section, label in sections]


def pager_buttons(kind: str, key: str, page: int, pages: int) -> list[discord.ui.Item[Any]]:
    """Previous / "Page n of m" / Next; nothing when everything fits on one page."""
    if pages <= 1 or not fits_custom_id(kind, "p", key, pages, "c"):
        return []
    return [
        PageButton(kind, key, max(page - 1, 0), "p", label="◀ Previous", disabled=page <= 0),
        PageButton(kind, key, page, "c", label=f"Page {page + 1} of {pages}", disabled=True),
        PageButton(kind, key, min(page + 1, pages - 1), "n", label="Next ▶",
                   disabled=page >= pages - 1),
    ]


def lookup_buttons(
    kind: str, choices: Sequence[tuple[str, str]], *, extra: int | None = None,
    limit: int = Limits.ROW_BUTTONS,
) -> list[discord.ui.Item[Any]]:
    """One button per (key, label), at most `limit`, skipping keys a custom_id cannot hold
    and repeats (custom_ids must be unique within a message)."""
    buttons: list[discord.ui.Item[Any]] = []
    seen: set[str] = set()
    for key, label in choices:
        if len(buttons) >= limit:
            break
        if key in seen or not re.fullmatch(_KEY, key) or not fits_custom_id(
            "lookup", kind, key, extra if extra is not None else ""
        ):
            continue
        seen.add(key)
        buttons.append(LookupButton(kind, key, label=label, extra=extra))
    return buttons


def make_view(*rows: Sequence[discord.ui.Item[Any]]) -> discord.ui.View | None:
    """A view from rows of buttons (empty rows skipped; at most 5 rows of 5), or None.

    `timeout=None` and only dynamic items: discord.py then keeps no per-message state, so
    the view can neither expire nor unregister the dynamic item classes."""
    view = discord.ui.View(timeout=None)
    row_index = 0
    for row in rows:
        if not row:
            continue
        if row_index >= Limits.ROWS:
            break
        for item in row[: Limits.ROW_BUTTONS]:
            item.row = row_index
            view.add_item(item)
        row_index += 1
    return view if view.children else None
