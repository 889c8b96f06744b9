"""/drama and /person: the lookups fans use most.

The cog only turns fact-store results into embeds and buttons; finding the drama or person
is `cogs.utils.lookup`, wording a fact is `cogs.utils.formatting`. A /drama message has
one button per section (Overview, Cast, Episodes, OST, Sources); each is a dynamic item
whose custom_id names the drama and section, so it keeps working after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.packs.model import Source
from bot.store.models import CastMember, CrewMember, DramaInfo, PersonInfo
from cogs.ost import TrackListButton
from cogs.utils.checks import rate_limited
from cogs.utils.embeds import EmbedCache, Field, build_embed
from cogs.utils.formatting import (
    UNKNOWN,
    Limits,
    also_text,
    cite,
    credit_fact,
    describe_source,
    fact_source_ids,
    footer_sources,
    join_limited,
    line_mark,
    plural,
    render_fact,
    render_facts,
    render_reading,
    shared_single_source,
    track_line,
    track_source_ids,
    truncate,
)
from cogs.utils.lookup import DramaOption, PersonOption
from cogs.utils.replies import Reply, private, send_reply
from cogs.utils.views import KEY, BotButton, KeyButton, buttons, label_of, make_view

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"), ("cast", "Cast"), ("episodes", "Episodes"), ("ost", "OST"),
    ("sources", "Sources"),
)
MAIN_CAST = 4  # cast members on the overview when no one is billed as lead
GONE_DRAMA = "That drama is no longer in my records, so this button has nothing to show."
GONE_PERSON = "That person is no longer in my records, so this button has nothing to show."
RENDERED = EmbedCache()  # (kind, key, section) -> the embed, for the store's cached results
BILLING = {"lead": "lead", "supporting": "supporting", "special": "special appearance",
           "cameo": "cameo"}


# --- the drama embed ----------------------------------------------------------------------


def drama_title(info: DramaInfo) -> str:
    """Embed title: the English title with the Korean title beside it."""
    title = str(info.drama.title.value)
    korean = info.drama.korean_title
    return f"{title} ({korean.value})" if korean else title


def _credits(info: DramaInfo, job: str) -> list[CrewMember]:
    return [c for c in info.crew if c.credit.job == job]


def _crew_text(info: DramaInfo, job: str) -> str:
    crew = _credits(info, job)
    return "\n".join(render_fact(credit_fact(c.person.name, c.credit), info.sources)
                     for c in crew) or UNKNOWN


def _dates(info: DramaInfo) -> str:
    drama = info.drama
    if drama.premiere is None and drama.finale is None:
        return render_fact(drama.year, info.sources)
    start = render_fact(drama.premiere, info.sources)
    end = render_fact(drama.finale, info.sources)
    return f"{start} to {end}"


def _main_cast(info: DramaInfo) -> list[CastMember]:
    leads = [c for c in info.cast if c.entry.billing == "lead"]
    return leads or list(info.cast[:MAIN_CAST])


def _as_role(member: CastMember, sources: Mapping[str, Source]) -> str:
    return f"{member.person.name} as {render_fact(member.entry.character, sources)}"


def overview_embed(info: DramaInfo) -> discord.Embed:
    """Titles, platform, genre, dates, episodes, crew, companies, synopsis, main cast and
    the number of known OST tracks."""
    drama, src = info.drama, info.sources
    main = _main_cast(info)
    fields = [
        Field("Korean title", render_fact(drama.korean_title, src), True),
        Field("Former titles", render_facts(drama.former_titles, src, sep="\n")
              if drama.former_titles else "none on record", True),
        Field("Platform", render_fact(drama.platform, src), True),
        Field("Genre", render_facts(drama.genres, src), True),
        Field("Aired", _dates(info), True),
        Field("Episodes", render_fact(drama.episode_count, src), True),
        Field("Director", _crew_text(info, "director"), True),
        Field("Writer", _crew_text(info, "writer"), True),
        Field("Production", render_facts(drama.production_companies, src, sep="\n"), False),
        Field("Main cast", join_limited([_as_role(m, src) for m in main],
                                        Limits.FIELD_VALUE) or UNKNOWN, False),
        Field("OST", _ost_count(info), False),
    ]
    if not drama.title.certain:  # the embed title cannot carry the marks: say it here
        fields.insert(0, Field("English title", render_fact(drama.title, src), True))
    synopsis = render_fact(drama.synopsis, src) if drama.synopsis else "No synopsis on record."
    return build_embed(title=drama_title(info), description=synopsis, fields=fields,
                       footer=footer_sources(_overview_source_ids(info, main), src))


def _overview_source_ids(info: DramaInfo, main: Sequence[CastMember]) -> list[str]:
    """The sources of exactly the facts the overview shows, for its footer."""
    drama = info.drama
    ids: list[str] = []
    for fact in (drama.title, drama.synopsis, drama.korean_title, *drama.former_titles,
                 drama.platform, *drama.genres, drama.premiere, drama.finale, drama.year,
                 drama.episode_count, *drama.production_companies):
        ids.extend(fact_source_ids(fact))
    for crew in info.crew:
        if crew.credit.job in ("director", "writer"):
            ids.extend(fact_source_ids(credit_fact(crew.person.name, crew.credit)))
    for member in main:
        ids.extend(fact_source_ids(member.entry.character))
    return ids


def _ost_count(info: DramaInfo) -> str:
    if not info.tracks:
        return "No OST tracks on record."
    numbers = [t.track.number for t in info.tracks]
    return (f"{plural(len(numbers), 'track')} on record (the OST section or `/ost list` "
            "shows them)")


def cast_line(member: CastMember, sources: Mapping[str, Source]) -> str:
    """"**Park Hyung-sik** (박형식) as Han Sun-woo · 한선우 — rookie photographer · lead",
    with one single-source mark for the whole line when every fact rests on one source."""
    entry = member.entry
    facts = (entry.character, entry.character_hangul, entry.description)
    shared = shared_single_source(facts)
    mark = shared is None
    name = f"**{member.person.name}**"
    if member.person.hangul:
        name += f" ({member.person.hangul})"
    role = render_reading(entry.character.primary, sources, mark_single=mark)
    if entry.character_hangul:
        role += f" · {render_fact(entry.character_hangul, sources, mark_single=mark)}"
    line = f"{name} as {role}"
    if entry.description:
        line += f" — {render_fact(entry.description, sources, mark_single=mark)}"
    line += f" · {BILLING.get(entry.billing, entry.billing)}"
    return line + line_mark(facts, sources) + also_text(entry.character, sources)


def cast_embed(info: DramaInfo) -> discord.Embed:
    """Every cast member with role, Korean names, who they play and billing."""
    lines = [cast_line(m, info.sources) for m in info.cast]
    ids = [s for m in info.cast for s in m.entry.sources]
    for m in info.cast:
        for fact in (m.entry.character, m.entry.character_hangul, m.entry.description):
            ids.extend(fact_source_ids(fact))
    body = join_limited(lines, Limits.DESCRIPTION) if lines else "No cast on record."
    return build_embed(title=drama_title(info), description=f"**Cast**\n{body}",
                       footer=footer_sources(ids, info.sources))


def episodes_embed(info: DramaInfo) -> discord.Embed:
    """Air date and titles of every episode on record."""
    src = info.sources
    lines: list[str] = []
    ids: list[str] = []
    for ep in info.episodes:
        line = f"**Episode {ep.number}** — {render_fact(ep.air_date, src)}"
        titles = [render_fact(f, src) for f in (ep.title, ep.korean_title) if f]
        if titles:
            line += " — " + " · ".join(titles)
        lines.append(line)
        for fact in (ep.air_date, ep.title, ep.korean_title):
            ids.extend(fact_source_ids(fact))
    count = info.drama.episode_count
    head = f"**Episodes** ({render_fact(count, src)} in all)" if count else "**Episodes**"
    ids.extend(fact_source_ids(count))
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        "No episode details on record."
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer=footer_sources(ids, src))


def ost_embed(info: DramaInfo) -> discord.Embed:
    """The known tracks in order (the full, paginated list is /ost list)."""
    lines = [track_line(t, info.sources) for t in info.tracks]
    ids = [s for t in info.tracks for s in track_source_ids(t)]
    head = f"**OST** ({plural(len(lines), 'track')} on record)"
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        "No OST tracks on record."
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer=footer_sources(ids, info.sources))


def sources_embed(info: DramaInfo) -> discord.Embed:
    """Every source any fact about the drama cites."""
    ordered = sorted(info.sources.values(), key=lambda s: s.name.casefold())
    lines = [describe_source(s) for s in ordered]
    head = f"**Sources** ({plural(len(lines), 'source')})"
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        "No sources on record."
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer="Every fact the bot states names one of these sources.")


RENDERERS: dict[str, Callable[[DramaInfo], discord.Embed]] = {
    "overview": overview_embed, "cast": cast_embed, "episodes": episodes_embed,
    "ost": ost_embed, "sources": sources_embed,
}


def drama_reply(info: DramaInfo, section: str = "overview") -> Reply:
    """The /drama message for one section, with the section buttons (and, on Cast, a
    button per main cast member; on OST, one for the full track list)."""
    section = section if section in RENDERERS else "overview"
    slug = info.drama.slug
    rows: list[Sequence[discord.ui.Item[Any]]] = [
        [SectionButton(slug, name, label=label, current=name == section)
         for name, label in SECTIONS]]
    if section == "cast":
        rows.append(buttons(PersonButton,
                            [(m.person.id, m.person.name) for m in info.cast]))
    if section == "ost" and info.tracks:
        rows.append([TrackListButton(slug, label="Full track list")])
    embed = RENDERED.get(("drama", slug, section), info, lambda: RENDERERS[section](info))
    return Reply(embed=embed, view=make_view(*rows))


# --- the person embed -----------------------------------------------------------------------


def person_title(info: PersonInfo) -> str:
    person = info.person
    title = f"{person.name} ({person.hangul})" if person.hangul else person.name
    return f"{title} · group" if person.kind == "group" else title


def _roles(info: PersonInfo) -> list[str]:
    src = info.sources
    return [f"**{r.drama.title}** — {render_fact(r.entry.character, src, always_cite=True)}"
            f" · {BILLING.get(r.entry.billing, r.entry.billing)}" for r in info.roles]


def _crew(info: PersonInfo) -> list[str]:
    lines = []
    for role in info.crew:
        credit = role.credit
        line = f"**{role.drama.title}** — {credit.job} ({cite(credit.sources, info.sources)})"
        if credit.note:
            line += f", {credit.note}"
        if credit.also:
            others = ", ".join(f"{r.value} ({cite(r.sources, info.sources)})"
                               for r in credit.also)
            line += f"; other sources name {others}"
        lines.append(line)
    return lines


def _tracks(info: PersonInfo) -> list[str]:
    lines = []
    for t in info.tracks:
        credit = next((a for a in t.track.artists if a.person == info.person.id), None)
        cited = f" ({cite(credit.sources, info.sources)})" if credit else ""
        title = render_fact(t.track.title, info.sources)
        lines.append(f"**{t.drama.title}** track {t.track.number}: {title}{cited}")
    return lines


def person_embed(info: PersonInfo) -> discord.Embed:
    """Hangul name, romanisations, groups, occupations, roles, credits, OST tracks and
    other facts, each fact with its sources."""
    person, src = info.person, info.sources
    value = Limits.FIELD_VALUE
    fields = [
        Field("Hangul", person.hangul or UNKNOWN, True),
        Field("Also written", truncate(", ".join(person.aliases), value)
              if person.aliases else "none on record", True),
        Field("Groups", join_limited([render_fact(f, src, always_cite=True)
                                      for f in person.groups], value) or "none on record"),
        Field("Occupations", join_limited([render_fact(f, src, always_cite=True)
                                           for f in person.occupations], value) or UNKNOWN),
    ]
    optional = (("Roles", _roles(info)), ("Credits", _crew(info)), ("OST tracks", _tracks(info)),
                ("Other works", [render_fact(f, src, always_cite=True)
                                 for f in person.other_works]),
                ("Other facts", [render_fact(f, src, always_cite=True) for f in person.facts]))
    fields.extend(Field(name, join_limited(lines, value)) for name, lines in optional if lines)
    ids = [*person.sources, *src]
    return build_embed(title=person_title(info),
                       description=f"Name and identity as reported by {cite(person.sources, src)}.",
                       fields=fields, footer=footer_sources(ids, src))


def person_reply(info: PersonInfo) -> Reply:
    """The /person message, with a button for each drama the person is credited in."""
    dramas = [(r.drama.slug, r.drama.title) for r in info.roles]
    dramas += [(c.drama.slug, c.drama.title) for c in info.crew]
    dramas += [(t.drama.slug, t.drama.title) for t in info.tracks]
    embed = RENDERED.get(("person", info.person.id), info, lambda: person_embed(info))
    return Reply(embed=embed, view=make_view(buttons(DramaButton, dramas)))


# --- replies shared by the commands and the buttons --------------------------------------


async def drama_lookup(bot: DramaBot, slug: str, section: str = "overview") -> Reply:
    """The /drama reply for a known slug, or a polite note if it has gone."""
    info = await bot.facts.drama(slug)
    if info is None:
        return private(GONE_DRAMA)
    return drama_reply(info, section)


async def person_lookup(bot: DramaBot, person_id: str) -> Reply:
    info = await bot.facts.person(person_id)
    if info is None:
        return private(GONE_PERSON)
    return person_reply(info)


# --- the buttons --------------------------------------------------------------------------


class SectionButton(BotButton, template=rf"drama:s:(?P<slug>{KEY}):(?P<section>[a-z]+)"):
    """Switches a /drama message to another section of the same drama."""

    edits_message = True

    def __init__(self, slug: str, section: str, *, label: str, current: bool = False) -> None:
        style = discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary
        super().__init__(f"drama:s:{slug}:{section}", label, style=style, disabled=current)
        self.slug, self.section = slug, section

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["slug"], match["section"], label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await drama_lookup(interaction.client, self.slug, self.section)


class DramaButton(KeyButton, prefix="lookup:drama:"):
    """Opens a drama's /drama message: a did-you-mean choice, a person's drama."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await drama_lookup(interaction.client, self.key)


class PersonButton(KeyButton, prefix="lookup:person:"):
    """Opens a person's /person message: a did-you-mean choice, a cast member."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        return await person_lookup(interaction.client, self.key)


# --- the cog ------------------------------------------------------------------------------


class Info(commands.Cog):
    """Drama and person lookups."""

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="drama", description="Everything known about a K-drama, every fact with its sources")
    @app_commands.describe(
        name="The drama's title, former title, alias or Korean title (suggested as you type)")
    @rate_limited("lookup_rate")
    async def drama(
        self, interaction: discord.Interaction[DramaBot],
        name: app_commands.Transform[str, DramaOption(DramaButton.choice, option="name")],
    ) -> None:
        await send_reply(interaction, await drama_lookup(self.bot, name))

    @app_commands.command(
        name="person", description="An actor, singer or crew member: names, roles, OST tracks")
    @app_commands.describe(
        name="The person's name in any romanisation, or in Hangul (suggested as you type)")
    @rate_limited("lookup_rate")
    async def person(
        self, interaction: discord.Interaction[DramaBot],
        name: app_commands.Transform[str, PersonOption(PersonButton.choice)],
    ) -> None:
        await send_reply(interaction, await person_lookup(self.bot, name))


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the buttons its messages carry."""
    await bot.add_cog(Info(bot))
    bot.add_dynamic_items(SectionButton, DramaButton, PersonButton)
