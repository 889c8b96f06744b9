"""/ost track, /ost list and /ost search: the soundtrack, one track or all of them.

What no source says stays "unknown" (Soundtrack #1's track 6 has no known title): the
track embed shows every field, known or not, rather than leaving gaps a reader could fill
with a guess. Track numbers are a plain integer option, validated here, so 0, -1 or 2**63
get an answer that says which tracks exist instead of Discord's generic refusal.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.i18n import N_, _, current
from bot.packs.model import Source, Trivia
from bot.store.models import DramaInfo, DramaRef, TrackInfo
from cogs.utils.checks import rate_limited
from cogs.utils.embeds import Field, ResultCache, build_embed
from cogs.utils.formatting import (
    UNKNOWN,
    Limits,
    clean_text,
    echo,
    fact_source_ids,
    footer_sources,
    join_limited,
    number,
    number_ranges,
    paginate,
    render_fact,
    render_facts,
    track_artists,
    track_line,
    track_source_ids,
    unnumbered_line,
)
from cogs.utils.language import public
from cogs.utils.lookup import MAX_NAME, DramaOption, drama_or_default
from cogs.utils.replies import Reply, private, send_reply
from cogs.utils.views import KEY, BotButton, KeyButton, label_of, make_view, pager_buttons

if TYPE_CHECKING:
    from bot.client import DramaBot

TRACKS_PER_PAGE = 10  # /ost list page size (tests shrink it to force pagination)
PAGE_BUDGET = 3500  # characters of track lines per page, leaving room for the header
SEARCH_LIMIT = 15  # tracks shown by /ost search
MAX_BUTTON_TRACK = 999_999_999  # largest track number a button's custom_id carries
GONE_DRAMA = N_("That drama is no longer in my records, so this button has nothing to show.")


def drama_heading(ref: DramaRef) -> str:
    """Embed title: the English title with the Korean title beside it (Korean first for
    Korean readers)."""
    from cogs.info import korean_first  # late: info imports this module's buttons

    return korean_first(ref.title, ref.korean_title)


# --- /ost track ---------------------------------------------------------------------------


def track_embed(info: TrackInfo, sources: Mapping[str, Source],
                trivia: Sequence[Trivia] = ()) -> discord.Embed:
    """Every field of one track, "unknown" where no source says (a fan asks for the title
    of track 6, so it is said that nobody knows), then its notes and trivia if any."""
    track = info.track
    fields = [
        Field(_("Number"), str(track.number), True),
        Field(_("Title"), render_fact(track.title, sources), True),
        Field(_("Korean title"), render_fact(track.korean_title, sources), True),
        Field(_("Artist"), track_artists(info, sources), True),
        Field(_("Release date"), render_fact(track.release_date, sources), True),
    ]
    if track.notes:
        fields.append(Field(_("Notes"), render_facts(track.notes, sources, sep="\n")))
    if trivia:
        fields.append(Field(_("Trivia"), "\n".join(
            render_fact(t.fact, sources, always_cite=True) for t in trivia)))
    ids = [*track_source_ids(info), *(s for t in trivia for s in fact_source_ids(t.fact))]
    heading = "**" + _("OST track {number}").format(number=track.number) + "**"
    return build_embed(title=drama_heading(info.drama), description=heading,
                       fields=fields, footer=footer_sources(ids, sources))


def out_of_range(ref: DramaRef, number: int, tracks: Sequence[TrackInfo],
                 unnumbered: str | None) -> Reply:
    """What is on record, when the asked-for track is not: the numbered tracks, and the
    contributions no source gives a number (one of them may be that track)."""
    numbers = [t.track.number for t in tracks]
    span = number_ranges(numbers)
    one = len(numbers) == 1
    if number < 1:
        text = _("Track numbers start at 1.") + " " + (
            _("{title}'s OST has track {span} on record.") if one
            else _("{title}'s OST has tracks {span} on record."))
    else:
        text = (_("{title}'s OST has track {span} on record, and no track {number}.") if one
                else _("{title}'s OST has tracks {span} on record, and no track {number}."))
    text = text.format(title=ref.title, span=span, number=number)
    if unnumbered:
        text += f"\n{unnumbered}."
    view = make_view([TrackListButton(ref.slug, _("Show the track list"))])
    return Reply(content=text, view=view, ephemeral=True)


def no_ost(ref: DramaRef, unnumbered: str | None = None) -> Reply:
    if unnumbered:
        return private(_("No numbered OST track of {title} is on record.").format(
            title=ref.title) + f" {unnumbered}.")
    return private(_("I have no OST tracks on record for {title} yet.").format(title=ref.title))


async def unnumbered_text(bot: DramaBot, slug: str) -> str | None:
    """The drama's OST contributions without a track number, as one sentence."""
    info = await bot.facts.drama(slug)
    return await announced(bot, info) if info is not None else None


async def announced(bot: DramaBot, info: DramaInfo) -> str | None:
    """`unnumbered_line` for a drama already read: its singers' names from the store."""
    tracks = info.drama.ost_unnumbered
    if not tracks:
        return None
    ids = [c.person for t in tracks for c in t.artists]
    return unnumbered_line(tracks, await bot.facts.person_refs(ids), info.sources)


# Each track's card (embed and button) and each page of a track list, rendered once per
# store result and language: the store returns the same cached DramaInfo while it holds
# the drama, so a reply is reused exactly as long as what it was rendered from is what the
# store would give again (`ResultCache`). Only public answers with an embed are kept: they
# carry no per-message state (discord.py keeps nothing for a view of dynamic items with
# no timeout, see `make_view`), so one Reply, its embed and its view serve every send.
TRACK_REPLIES: ResultCache[Reply] = ResultCache(512)
LIST_REPLIES: ResultCache[Reply] = ResultCache(256)


async def rendered_once(bot: DramaBot, cache: ResultCache[Reply], slug: str,
                        key: tuple[object, ...], make: Callable[[], Awaitable[Reply]]
                        ) -> Reply:
    """`make()`'s reply about the drama `slug`, from `cache` while the store's result for
    that drama is the one it was made from, in the language spoken now."""
    drama = await bot.facts.drama(slug)
    full = (slug, *key, current())
    if drama is not None:
        found = cache.peek(full, drama)
        if found is not None:
            return found
    reply = await make()
    if drama is not None and reply.embed is not None and not reply.ephemeral:
        cache.put(full, drama, reply)
    return reply


async def track_lookup(bot: DramaBot, slug: str, number: int) -> Reply:
    """The /ost track reply for a resolved drama, any integer number. A track's card is
    rendered once per store result and language; every other answer (no such track, no
    OST) is made afresh."""
    return await rendered_once(bot, TRACK_REPLIES, slug, (number,),
                               lambda: _track_reply(bot, slug, number))


async def _track_reply(bot: DramaBot, slug: str, number: int) -> Reply:
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return private(_(GONE_DRAMA))
    tracks = await bot.facts.tracks(slug)  # never pass a user's 2**63 to SQLite
    if not tracks:
        return no_ost(ref, await unnumbered_text(bot, slug))
    info = next((t for t in tracks if t.track.number == number), None)
    if info is None:
        return out_of_range(ref, number, tracks, await unnumbered_text(bot, slug))
    drama = await bot.facts.drama(slug)
    trivia = [t for t in drama.trivia if t.track == number] if drama else []
    sources = await bot.facts.sources(
        [*track_source_ids(info), *(s for t in trivia for s in fact_source_ids(t.fact))])
    list_button = TrackListButton(slug, _("Full track list"))
    return Reply(embed=track_embed(info, sources, trivia), view=make_view([list_button]))


# --- /ost list ----------------------------------------------------------------------------


async def list_page(bot: DramaBot, slug: str, page: int) -> Reply:
    """One page of a drama's track list, with pager buttons when there are several;
    rendered once per store result, page size and language."""
    return await rendered_once(bot, LIST_REPLIES, slug, (page, TRACKS_PER_PAGE, PAGE_BUDGET),
                               lambda: _list_page(bot, slug, page))


async def _list_page(bot: DramaBot, slug: str, page: int) -> Reply:
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return private(_(GONE_DRAMA))
    tracks = await bot.facts.tracks(slug)
    unnumbered = await unnumbered_text(bot, slug)
    if not tracks:
        return no_ost(ref, unnumbered)
    sources = await bot.facts.sources(s for t in tracks for s in track_source_ids(t))
    pages = paginate([track_line(t, sources) for t in tracks], TRACKS_PER_PAGE, PAGE_BUDGET)
    page = min(max(page, 0), len(pages) - 1)  # a stale button after the list shrank
    first = sum(len(p) for p in pages[:page])
    shown = tracks[first:first + len(pages[page])]
    from cogs.info import ost_head  # late: info imports this module's buttons

    head = ost_head(len(tracks))
    lines = pages[page] + ([f"\n{unnumbered}."] if unnumbered and page == len(pages) - 1
                           else [])
    embed = build_embed(
        title=drama_heading(ref), description=head + "\n" + "\n".join(lines),
        footer=footer_sources((s for t in shown for s in track_source_ids(t)), sources))
    return Reply(embed=embed, view=make_view(track_pager(slug, page, len(pages))))


def track_pager(slug: str, page: int, pages: int) -> list[discord.ui.Item[Any]]:
    return pager_buttons(page, pages, lambda to, role, label, disabled: TrackPageButton(
        slug, to, role, label=label, disabled=disabled))


# --- /ost search --------------------------------------------------------------------------


async def search_reply(bot: DramaBot, query: str) -> Reply:
    """Tracks whose title or artist matches, across every drama."""
    text = clean_text(query)
    if not text:
        return Reply(content=_("Type part of a song title or a singer's name, for example "
                               "**Doyoung** or **Love Beyond Words**."), ephemeral=True)
    if len(text) > MAX_NAME:
        return Reply(content=_("That is {count} characters; search with a title or a name "
                               "of up to {limit} characters.").format(
                                   count=number(len(text)), limit=MAX_NAME),
                     ephemeral=True)
    found = await bot.facts.search_tracks(text, limit=SEARCH_LIMIT + 1)
    if not found:
        return Reply(content=_("No OST track title or singer matches “{query}”. Try a "
                               "singer such as **Doyoung**, or `/ost list` for a drama's "
                               "tracks.").format(query=echo(text)), ephemeral=True)
    shown = found[:SEARCH_LIMIT]
    sources = await bot.facts.sources(s for t in shown for s in track_source_ids(t))
    lines = [track_line(t, sources, with_drama=True) for t in shown]
    if len(found) > SEARCH_LIMIT:
        lines.append(_("...and more: type more of the title or name to narrow it down"))
    embed = build_embed(
        title=_("OST tracks matching “{query}”").format(query=echo(text, 40)),
        description=join_limited(lines, Limits.DESCRIPTION),
        footer=footer_sources((s for t in shown for s in track_source_ids(t)), sources))
    return Reply(embed=embed, view=make_view(_track_buttons(shown)))


def _track_buttons(tracks: Sequence[TrackInfo]) -> list[discord.ui.Item[Any]]:
    """A button per result (up to 5) that opens the track's full card."""
    items: list[discord.ui.Item[Any]] = []
    for info in tracks[: Limits.ROW_BUTTONS]:
        title = info.track.title.value if info.track.title else _(UNKNOWN)
        label = f"#{info.track.number} {title} · {info.drama.title}"  # distinct when cut
        items.append(TrackButton(info.drama.slug, info.track.number, label=label))
    return items


# --- the buttons --------------------------------------------------------------------------


class TrackButton(BotButton, template=rf"lookup:track:(?P<slug>{KEY}):(?P<number>[0-9]{{1,9}})"):
    """Opens one track's card: a search result, a did-you-mean choice of /ost track."""

    def __init__(self, slug: str, number: int, *, label: str) -> None:
        super().__init__(f"lookup:track:{slug}:{number}", label,
                         style=discord.ButtonStyle.primary)
        self.slug, self.number = slug, number

    @classmethod
    def choice(cls, interaction: discord.Interaction[DramaBot], slug: str,
               label: str) -> BotButton:
        """/ost track's did-you-mean: the same track of the chosen drama, or its track
        list when the number asked for is no track number at all."""
        number = interaction.namespace.number
        if isinstance(number, int) and 1 <= number <= MAX_BUTTON_TRACK:
            return cls(slug, number, label=label)
        return TrackListButton(slug, label)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["slug"], int(match["number"]), label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        with public(interaction):
            return await track_lookup(interaction.client, self.slug, self.number)


class TrackListButton(KeyButton, prefix="lookup:ostlist:"):
    """Opens a drama's whole track list as a new message."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        with public(interaction):
            return await list_page(interaction.client, self.key, 0)


class TrackPageButton(
    BotButton, template=rf"ost:p:(?P<slug>{KEY}):(?P<page>[0-9]{{1,6}}):(?P<role>[pcn])",
):
    """Turns a track list message to another page (0-based)."""

    edits_message = True

    def __init__(self, slug: str, page: int, role: str, *, label: str,
                 disabled: bool = False) -> None:
        super().__init__(f"ost:p:{slug}:{page}:{role}", label, disabled=disabled)
        self.slug, self.page = slug, page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["slug"], int(match["page"]), match["role"], label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        with public(interaction):
            return await list_page(interaction.client, self.slug, self.page)


# --- the cog ------------------------------------------------------------------------------

# A drama option that may be left out; a did-you-mean repeats the command with the choice.
TrackDrama = app_commands.Transform[str, DramaOption(TrackButton.choice, optional=True)]
ListDrama = app_commands.Transform[str, DramaOption(TrackListButton.choice, optional=True)]


class Ost(commands.Cog):
    """The /ost command group."""

    ost = app_commands.Group(name=locale_str("ost"), description=locale_str(
        "K-drama soundtracks (OST): tracks, singers and release dates, with sources"))

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_fact_store_changed(self, store: object) -> None:
        """The bot now serves a rebuilt store: drop the replies made from the old one."""
        TRACK_REPLIES.clear()
        LIST_REPLIES.clear()

    @ost.command(name=locale_str("track"), description=locale_str(
        "One OST track: title, Korean title, singer, release date, notes and sources"))
    @app_commands.rename(number=locale_str("number"), drama=locale_str("drama"))
    @app_commands.describe(
        number=locale_str("The track's number in the OST (track 1 is the first release)"),
        drama=locale_str("The drama (default: this server's default drama)"))
    @rate_limited("lookup_rate")
    async def track(
        self, interaction: discord.Interaction[DramaBot], number: int,
        drama: TrackDrama | None = None,
    ) -> None:
        slug = await drama_or_default(interaction, drama)
        with public(interaction):
            reply = await track_lookup(self.bot, slug, number)
        await send_reply(interaction, reply)

    @ost.command(name=locale_str("list"), description=locale_str(
        "A drama's whole OST track list in order, with singers and release dates"))
    @app_commands.rename(drama=locale_str("drama"))
    @app_commands.describe(drama=locale_str("The drama (default: this server's default drama)"))
    @rate_limited("lookup_rate")
    async def list_(
        self, interaction: discord.Interaction[DramaBot],
        drama: ListDrama | None = None,
    ) -> None:
        slug = await drama_or_default(interaction, drama)
        with public(interaction):
            reply = await list_page(self.bot, slug, 0)
        await send_reply(interaction, reply)

    @ost.command(name=locale_str("search"), description=locale_str(
        "Find OST tracks by title or singer across every drama"))
    @app_commands.rename(query=locale_str("query"))
    @app_commands.describe(query=locale_str(
        "Part of a song title (English or Korean) or a singer's name"))
    @rate_limited("lookup_rate")
    async def search(self, interaction: discord.Interaction[DramaBot], query: str) -> None:
        with public(interaction):
            reply = await search_reply(self.bot, query)
        await send_reply(interaction, reply)


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the buttons its messages carry."""
    await bot.add_cog(Ost(bot))
    bot.add_dynamic_items(TrackButton, TrackListButton, TrackPageButton)
