"""One way to build an embed, so every reply has the same colour and can never exceed a
Discord limit whatever the data packs hold.

`build_embed` takes plain strings, cuts each part to its own limit, and then, if the whole
embed is still over the 6000-character total, shortens the description and drops trailing
fields (saying so), so a send never fails with 400 Bad Request.
"""

from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import discord

from bot.i18n import _
from cogs.utils.formatting import COLOUR, ELLIPSIS, UNKNOWN, Limits, more_line, truncate

EMPTY_FIELD = "—"
V = TypeVar("V")


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


def build_embed(
    *, title: str, description: str | None = None, fields: Sequence[Field] = (),
    footer: str | None = None, colour: int = COLOUR,
) -> discord.Embed:
    """An embed in the house style with every Discord limit enforced."""
    title = truncate(title, Limits.TITLE) or _(UNKNOWN)
    description = truncate(description, Limits.DESCRIPTION) if description else None
    footer = truncate(footer, Limits.FOOTER) if footer else None
    kept = _fit_fields(fields)
    budget = Limits.EMBED_TOTAL - len(title) - len(footer or "")
    description, kept = _fit_total(description, kept, budget)
    embed = discord.Embed(title=title, description=description, colour=colour)
    for field in kept:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if footer:
        embed.set_footer(text=footer)
    return embed


def _fit_fields(fields: Sequence[Field]) -> list[Field]:
    """Each field cut to its limits (empty values are not allowed); at most 25, the last
    saying how many were left out."""
    cut = [f if _fits(f) else Field(truncate(f.name, Limits.FIELD_NAME) or EMPTY_FIELD,
                                    truncate(f.value, Limits.FIELD_VALUE) or EMPTY_FIELD,
                                    f.inline)
           for f in fields]
    if len(cut) > Limits.FIELDS:
        dropped = len(cut) - Limits.FIELDS + 1
        cut = [*cut[: Limits.FIELDS - 1], Field(EMPTY_FIELD, more_line(dropped))]
    return cut


def _fits(field: Field) -> bool:
    """Whether a field is within its limits as it is (Fields are frozen: kept, not copied)."""
    return 0 < len(field.name) <= Limits.FIELD_NAME and 0 < len(field.value) <= Limits.FIELD_VALUE


def _size(fields: Sequence[Field]) -> int:
    return sum(len(f.name) + len(f.value) for f in fields)


def _fit_total(
    description: str | None, fields: list[Field], budget: int
) -> tuple[str | None, list[Field]]:
    """Shorten the description, then drop trailing fields, until the embed fits."""
    desc_len = len(description or "")
    if desc_len + _size(fields) <= budget:
        return description, fields
    if description:
        room = max(budget - _size(fields), min(desc_len, 200))
        description = truncate(description, room) if room > len(ELLIPSIS) else None
    dropped = 0
    marker_room = len(EMPTY_FIELD) + len(more_line(len(fields)))
    while fields and len(description or "") + _size(fields) + marker_room > budget:
        fields = fields[:-1]
        dropped += 1
    if dropped:
        fields = [*fields, Field(EMPTY_FIELD, more_line(dropped))]
    return description, fields


class ResultCache(Generic[V]):
    """What was derived from a fact-store result (an embed, the extras of a /drama
    message), reused while that same result object is what the store returns (the store
    caches its results and never changes while the bot runs, so the most asked-about
    dramas are rendered once, not per call). Each entry is used only for the very object
    it was derived from, so a reopened store or an evicted result simply derives again.

    The result is held weakly: an entry goes when the store lets its result go (evicted,
    or never kept because it was asked about once), so this cache never outlives the
    store's nor keeps a dead result and its replies alive. Callers must not modify a
    cached value."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[weakref.ref[object], V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable, source: object) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0]() is not source:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, source: object, value: V) -> V:
        self._entries[key] = (weakref.ref(source, functools.partial(self._gone, key)), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def get(self, key: Hashable, source: object, render: Callable[[], V]) -> V:
        found = self.peek(key, source)
        return found if found is not None else self.put(key, source, render())

    def _gone(self, key: Hashable, ref: weakref.ref[object]) -> None:
        """The result `ref` was derived from is gone: drop its entry, unless the key has
        been derived again from another result since."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] is ref:
            del self._entries[key]

    def clear(self) -> None:
        """Forget everything (the bot switched to a rebuilt store: nothing here is of use)."""
        self._entries.clear()


EmbedCache = ResultCache[discord.Embed]
