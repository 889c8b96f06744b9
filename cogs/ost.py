"""/ost track, /ost list and /ost search: the soundtrack, one track or all of them.

What no source says stays "unknown" (Soundtrack #1's track 6 has no known title): the
track embed shows every field, known or not, rather than leaving gaps a reader could fill
with a guess. Track numbers are a plain integer option, validated here, so 0, -1 or 2**63
get an answer that says which tracks exist instead of Discord's generic refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.packs.model import Source
from bot.store.models import DramaRef, TrackInfo
from cogs.utils import views
from cogs.utils.embeds import Field, build_embed
from cogs.utils.formatting import (
    UNKNOWN,
    Limits,
    clean_text,
    echo,
    footer_sources,
    join_limited,
    number_ranges,
    paginate,
    plural,
    render_fact,
    render_facts,
    track_artists,
    track_line,
    track_source_ids,
)
from cogs.utils.lookup import MAX_NAME, bot_of, drama_autocomplete, resolve_drama_option
from cogs.utils.views import (
    Reply,
    lookup_buttons,
    make_view,
    pager_buttons,
    send_reply,
)

if TYPE_CHECKING:
    from bot.client import DramaBot

Interaction = discord.Interaction[Any]

TRACKS_PER_PAGE = 10  # /ost list page size (tests shrink it to force pagination)
PAGE_BUDGET = 3500  # characters of track lines per page, leaving room for the header
SEARCH_LIMIT = 15  # tracks shown by /ost search
MAX_EXTRA = 999_999_999  # largest number a lookup button's custom_id carries
GONE_DRAMA = "That drama is no longer in my records, so this button has nothing to show."


def drama_heading(ref: DramaRef) -> str:
    """Embed title: the English title with the Korean title beside it."""
    return f"{ref.title} ({ref.korean_title})" if ref.korean_title else ref.title


# --- /ost track ---------------------------------------------------------------------------


def track_embed(info: TrackInfo, sources: Mapping[str, Source]) -> discord.Embed:
    """Every field of one track, "unknown" where no source says."""
    track = info.track
    notes = render_facts(track.notes, sources, sep="\n") if track.notes else "none on record"
    fields = [
        Field("Number", str(track.number), True),
        Field("Title", render_fact(track.title, sources), True),
        Field("Korean title", render_fact(track.korean_title, sources), True),
        Field("Artist", track_artists(info, sources), True),
        Field("Release date", render_fact(track.release_date, sources), True),
        Field("Notes", notes, False),
    ]
    return build_embed(title=drama_heading(info.drama), description=f"**OST track {track.number}**",
                       fields=fields, footer=footer_sources(track_source_ids(info), sources))


def out_of_range(ref: DramaRef, number: int, tracks: Sequence[TrackInfo]) -> Reply:
    """Which tracks exist, when the asked-for one does not."""
    numbers = [t.track.number for t in tracks]
    span = number_ranges(numbers)
    label = "track" if len(numbers) == 1 else "tracks"
    text = f"{ref.title}'s OST has {label} {span} on record; there is no track {number}."
    if number < 1:
        text = "Track numbers start at 1. " + text
    view = make_view(lookup_buttons("ostlist", [(ref.slug, "Show the track list")]))
    return Reply(content=text, view=view, ephemeral=True)


def no_ost(ref: DramaRef) -> Reply:
    return Reply(content=f"I have no OST tracks on record for {ref.title} yet.", ephemeral=True)


async def track_lookup(bot: DramaBot, slug: str, number: int) -> Reply:
    """The /ost track reply for a resolved drama, any integer number."""
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return Reply(content=GONE_DRAMA, ephemeral=True)
    tracks = await bot.facts.tracks(slug)  # never pass a user's 2**63 to SQLite
    if not tracks:
        return no_ost(ref)
    info = next((t for t in tracks if t.track.number == number), None)
    if info is None:
        return out_of_range(ref, number, tracks)
    sources = await bot.facts.sources(track_source_ids(info))
    list_button = lookup_buttons("ostlist", [(slug, "Full track list")])
    return Reply(embed=track_embed(info, sources), view=make_view(list_button))


# --- /ost list ----------------------------------------------------------------------------


async def list_page(bot: DramaBot, slug: str, page: int) -> Reply:
    """One page of a drama's track list, with pager buttons when there are several."""
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return Reply(content=GONE_DRAMA, ephemeral=True)
    tracks = await bot.facts.tracks(slug)
    if not tracks:
        return no_ost(ref)
    sources = await bot.facts.sources(s for t in tracks for s in track_source_ids(t))
    pages = paginate([track_line(t, sources) for t in tracks], TRACKS_PER_PAGE, PAGE_BUDGET)
    page = min(max(page, 0), len(pages) - 1)  # a stale button after the list shrank
    first = sum(len(p) for p in pages[:page])
    shown = tracks[first:first + len(pages[page])]
    head = f"**OST** ({plural(len(tracks), 'track')} on record)"
    embed = build_embed(
        title=drama_heading(ref), description=head + "\n" + "\n".join(pages[page]),
        footer=footer_sources((s for t in shown for s in track_source_ids(t)), sources))
    return Reply(embed=embed, view=make_view(pager_buttons("ost", slug, page, len(pages))))


# --- /ost search --------------------------------------------------------------------------


async def search_reply(bot: DramaBot, query: str) -> Reply:
    """Tracks whose title or artist matches, across every drama."""
    text = clean_text(query)
    if not text:
        return Reply(content="Type part of a song title or a singer's name, for example "
                     "**Doyoung** or **Love Beyond Words**.", ephemeral=True)
    if len(text) > MAX_NAME:
        return Reply(content=f"That is {len(text):,} characters; search with a title or a "
                     f"name of up to {MAX_NAME} characters.", ephemeral=True)
    found = await bot.facts.search_tracks(text, limit=SEARCH_LIMIT + 1)
    if not found:
        return Reply(content=f"No OST track title or singer matches “{echo(text)}”. "
                     "Try a singer such as **Doyoung**, or `/ost list` for a drama's tracks.",
                     ephemeral=True)
    shown = found[:SEARCH_LIMIT]
    sources = await bot.facts.sources(s for t in shown for s in track_source_ids(t))
    lines = [track_line(t, sources, with_drama=True) for t in shown]
    if len(found) > SEARCH_LIMIT:
        lines.append("...and more: type more of the title or name to narrow it down")
    embed = build_embed(
        title=f"OST tracks matching “{echo(text, 40)}”",
        description=join_limited(lines, Limits.DESCRIPTION),
        footer=footer_sources((s for t in shown for s in track_source_ids(t)), sources))
    return Reply(embed=embed, view=make_view(_track_buttons(shown)))


def _track_buttons(tracks: Sequence[TrackInfo]) -> list[discord.ui.Item[Any]]:
    """A button per result (up to 5) that opens the track's full card."""
    items: list[discord.ui.Item[Any]] = []
    for info in tracks[: Limits.ROW_BUTTONS]:
        title = info.track.title.value if info.track.title else UNKNOWN
        label = f"#{info.track.number} {title} · {info.drama.title}"  # distinct when cut
        items += lookup_buttons("track", [(info.drama.slug, label)], extra=info.track.number)
    return items


# --- the cog ------------------------------------------------------------------------------


async def _on_track(interaction: Interaction, slug: str, number: int | None) -> Reply:
    return await track_lookup(bot_of(interaction), slug, number or 1)


async def _on_list(interaction: Interaction, slug: str, _extra: int | None) -> Reply:
    return await list_page(bot_of(interaction), slug, 0)


async def _on_page(interaction: Interaction, slug: str, page: int) -> Reply:
    return await list_page(bot_of(interaction), slug, page)


class Ost(commands.Cog):
    """The /ost command group."""

    ost = app_commands.Group(name="ost", description="K-drama soundtracks (OST): tracks, "
                             "singers and release dates, with sources")

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        views.register_lookup("track", _on_track)
        views.register_lookup("ostlist", _on_list)
        views.register_pages("ost", _on_page)

    async def cog_unload(self) -> None:
        for kind in ("track", "ostlist", "ost"):
            views.unregister(kind)

    @ost.command(name="track", description="One OST track: title, Korean title, singer, "
                 "release date, notes and sources")
    @app_commands.describe(
        number="The track's number in the OST (track 1 is the first release)",
        drama="The drama (default: this server's default drama)")
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def track(self, interaction: Interaction, number: int,
                    drama: str | None = None) -> None:
        extra = number if 1 <= number <= MAX_EXTRA else None
        found = await resolve_drama_option(
            self.bot, interaction.guild_id, drama, kind="track" if extra else "ostlist",
            extra=extra)
        reply = found.reply or await track_lookup(self.bot, found.key or "", number)
        await send_reply(interaction, reply)

    @ost.command(name="list", description="A drama's whole OST track list in order, with "
                 "singers and release dates")
    @app_commands.describe(drama="The drama (default: this server's default drama)")
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def list_(self, interaction: Interaction, drama: str | None = None) -> None:
        found = await resolve_drama_option(self.bot, interaction.guild_id, drama,
                                           kind="ostlist")
        reply = found.reply or await list_page(self.bot, found.key or "", 0)
        await send_reply(interaction, reply)

    @ost.command(name="search", description="Find OST tracks by title or singer across "
                 "every drama")
    @app_commands.describe(query="Part of a song title (English or Korean) or a singer's name")
    async def search(self, interaction: Interaction, query: str) -> None:
        await send_reply(interaction, await search_reply(self.bot, query))


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the dynamic buttons its messages carry."""
    await bot.add_cog(Ost(bot))
    bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
