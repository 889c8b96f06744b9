"""Buttons that keep working for as long as their message exists, even across restarts.

Every button is a `discord.ui.DynamicItem` (discord.py's `examples/views/dynamic_counter.py`):
one class per action, whose `template` names the fields its custom_id carries, so nothing
is kept in memory and a click on a week-old message is handled like a new one. Each class
belongs to the cog that handles it and is registered there with `bot.add_dynamic_items`.

`BotButton` is their shared base: its `callback` runs the subclass's `answer` and always
replies, since discord.py logs and swallows a dynamic item's exceptions (the user would
see "This interaction failed"). Presses that match no registered template are answered by
`DramaBot.on_interaction`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar, Self, TypeVar

import discord
from discord import app_commands

from bot.i18n import _
from cogs.utils.errors import error_reply
from cogs.utils.formatting import Limits, number, truncate
from cogs.utils.language import begin
from cogs.utils.replies import FAILED, Reply, TooLate, answer_privately, edit_reply, send_reply

log = logging.getLogger(__name__)

ButtonItem = discord.ui.Button[discord.ui.View]

KEY = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # slugs and person ids (bot.packs.schema.ID_RE)


class BotButton(discord.ui.DynamicItem[ButtonItem], template=r"(?!)"):
    """The base of every dramabot button (never registered itself: its template matches
    nothing). Subclasses give a `template`, build their custom_id in `__init__`, parse it
    in `from_custom_id`, and say what a press answers in `answer`.

    `edits_message`: whether the answer replaces the pressed message (turning a page) or
    comes as a new message (opening a lookup)."""

    pattern: ClassVar[re.Pattern[str]]
    edits_message: ClassVar[bool] = False

    def __init_subclass__(cls, *, template: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=template, **kwargs)
        cls.pattern = re.compile(template)

    def __init__(self, custom_id: str, label: str, *,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary,
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(
            label=truncate(label, Limits.LABEL) or "?", custom_id=custom_id, style=style,
            disabled=disabled))

    async def answer(self, interaction: discord.Interaction[Any]) -> Reply | None:
        """What the press answers; None when the subclass already responded (it opened a
        form with `interaction.response.send_modal`)."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answer_always(interaction, self.custom_id, self.answer, self.edits_message)


async def answer_always(interaction: discord.Interaction[Any], what: str,
                        answer: Callable[[discord.Interaction[Any]], Awaitable[Reply | None]],
                        edits_message: bool = False) -> None:
    """Run `answer` and send its reply; whatever happens, the user gets an answer (a
    refusal or FAILED, privately), since discord.py only logs a component's or a form's
    exception and the user would see "This interaction failed"."""
    try:
        await begin(interaction)
        reply = await answer(interaction)
        if reply is not None:
            await (edit_reply if edits_message else send_reply)(interaction, reply)
        elif not interaction.response.is_done():
            log.error("%s answered nothing", what)
            await answer_privately(interaction, FAILED)
    except TooLate as late:  # past Discord's deadline no answer is accepted: dropped
        log.info("Dropped the answer to %s: %s", what, late)
    except app_commands.AppCommandError as error:
        refusal = error_reply(error)
        if refusal is None:
            log.error("%s failed", what, exc_info=error)
        await answer_privately(interaction, refusal or FAILED)
    except Exception:
        log.exception("%s failed", what)
        await answer_privately(interaction, FAILED)


class BotModal(discord.ui.Modal):
    """A form with the buttons' guarantee: `answer` says what a submission answers, and
    the user always gets a reply. Forms live only in memory (discord.py routes the
    submission to the instance that was sent), which is fine for a form filled within
    minutes of opening it."""

    async def answer(self, interaction: discord.Interaction[Any]) -> Reply:
        raise NotImplementedError

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await answer_always(interaction, f"Form {self.custom_id}", self.answer)


class KeyButton(BotButton, template=r"(?!)"):
    """A button whose custom_id is a fixed prefix and one key (a slug or a person id):
    subclasses give the `prefix` and an `answer`; the key is `self.key`."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(template=rf"{re.escape(prefix)}(?P<key>{KEY})", **kwargs)
        cls.prefix = prefix

    def __init__(self, key: str, label: str) -> None:
        super().__init__(self.prefix + key, label, style=discord.ButtonStyle.primary)
        self.key = key

    @classmethod
    def choice(cls, interaction: discord.Interaction[Any], key: str, label: str) -> Self:
        """As a did-you-mean choice (`cogs.utils.lookup.ChoiceButton`)."""
        return cls(key, label)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["key"], label_of(item))


def label_of(item: discord.ui.Item[Any], fallback: str = "?") -> str:
    """The pressed button's label, for a dynamic item rebuilt from its custom_id."""
    return getattr(item, "label", None) or fallback


def routable(item: discord.ui.Item[Any]) -> bool:
    """Whether a click on `item` can reach its handler: a custom_id within Discord's limit
    that its own class's template parses (a key with a capital or a space would not)."""
    custom_id = getattr(item, "custom_id", None)
    if not custom_id or len(custom_id) > Limits.CUSTOM_ID:
        return False
    return not isinstance(item, BotButton) or bool(type(item).pattern.fullmatch(custom_id))


ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


def buttons(make: Callable[[str, str], ItemT],
            choices: Iterable[tuple[str, str]]) -> list[ItemT]:
    """A button per (key, label) from data, skipping a key its class's template refuses
    (discord.py raises ValueError): the pack schema allows none, but one bad record must
    not cost the whole reply."""
    made: list[ItemT] = []
    for key, label in choices:
        try:
            made.append(make(key, label))
        except ValueError:
            log.warning("No button for %r: its key cannot be a custom_id", key)
    return made


def dynamic_view() -> discord.ui.View:
    """An empty view for dynamic items, never to expire, and already stopped.

    A press on a dynamic item reaches its class through the template registered with
    `bot.add_dynamic_items`, whatever discord.py's view store holds; so the view need not
    listen. Stopped, it is not stored when sent (the store would otherwise walk and
    snapshot it at every send: a tenth of a reply's cost), and an ephemeral send does not
    give it discord.py's 15-minute timeout, so one view can be sent again and again."""
    view = discord.ui.View(timeout=None)
    view.stop()
    return view


def make_view(*rows: Sequence[discord.ui.Item[Any]],
              row_size: int = Limits.ROW_BUTTONS) -> discord.ui.View | None:
    """A `dynamic_view` from rows of buttons, or None when no button is left. Rows are cut
    to `row_size` and the view to Discord's 5 rows; empty rows, unroutable buttons and
    repeats (custom_ids must be unique within a message) are skipped."""
    view = dynamic_view()
    seen: set[str] = set()
    row_index = 0
    for row in rows:
        if row_index >= Limits.ROWS:
            break
        kept = 0
        for item in row:
            custom_id = getattr(item, "custom_id", "")
            if kept >= row_size or custom_id in seen or not routable(item):
                continue
            seen.add(custom_id)
            item.row = row_index
            view.add_item(item)
            kept += 1
        row_index += 1 if kept else 0
    return view if view.children else None


PageButtonFactory = Callable[[int, str, str, bool], discord.ui.Item[Any]]
"""(page, role, label, disabled) -> a button that turns to `page` (0-based)."""


def pager_buttons(page: int, pages: int, make: PageButtonFactory) -> list[discord.ui.Item[Any]]:
    """Previous / "Page n of m" / Next; nothing when everything fits on one page. `role`
    (p, c, n) keeps the three custom_ids distinct even when two point at the same page."""
    if pages <= 1:
        return []
    return [
        make(max(page - 1, 0), "p", _("◀ Previous"), page <= 0),
        make(page, "c", _("Page {page} of {pages}").format(page=number(page + 1),
                                                            pages=number(pages)), True),
        make(min(page + 1, pages - 1), "n", _("Next ▶"), page >= pages - 1),
    ]
