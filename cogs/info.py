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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.i18n import N_, _, current, speaking
from bot.packs.model import CastEntry, Fact, FactValue, Source
from bot.store.models import CastMember, CrewMember, DramaInfo, PersonInfo, PersonRef, Role
from cogs.ost import TrackListButton, announced
from cogs.utils.checks import rate_limited
from cogs.utils.embeds import Field, ResultCache, build_embed
from cogs.utils.formatting import (
    Limits,
    Notes,
    also_text,
    cite,
    counted,
    credit_fact,
    describe_source,
    fact_source_ids,
    footer_sources,
    format_value,
    join_limited,
    line_mark,
    render_fact,
    render_facts,
    render_reading,
    shared_single_source,
    shown_note,
    track_line,
    track_source_ids,
    truncate,
)
from cogs.utils.language import public
from cogs.utils.lookup import DramaOption, PersonOption
from cogs.utils.replies import Reply, private, send_reply
from cogs.utils.views import KEY, BotButton, KeyButton, buttons, label_of, make_view

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", N_("Overview")), ("cast", N_("Cast")), ("episodes", N_("Episodes")),
    ("ost", N_("OST")), ("trivia", N_("Trivia")), ("sources", N_("Sources")),
)
TRIVIA_TOPICS = {"release": N_("Release"), "production": N_("Production"), "ost": N_("OST"),
                 "cast": N_("Cast"), "plot": N_("Plot")}  # in this order; others come last
MAIN_CAST = 4  # cast members on the overview when no one is billed as lead
# Overview fields whose absence is normal, not a gap in the record.
OPTIONAL_FIELDS = frozenset({"Former titles", "Country", "Runtime", "Production",
                             "Sequel of", "Followed by"})
GONE_DRAMA = N_("That drama is no longer in my records, so this button has nothing to show.")
GONE_PERSON = N_("That person is no longer in my records, so this button has nothing to "
                 "show.")
# Each /drama section's and /person's whole reply (embed and buttons), made once per store
# result and language, by (kind, key, section, language); sent as it is, never changed.
REPLIES: ResultCache[Reply] = ResultCache(512)
EXTRAS: ResultCache[Extras] = ResultCache()
BILLING = {"lead": N_("lead"), "supporting": N_("supporting"),
           "special": N_("special appearance"), "cameo": N_("cameo")}


JOBS = {"director": N_("director"), "writer": N_("writer"), "producer": N_("producer"),
        "composer": N_("composer"), "ost-producer": N_("ost-producer"),
        "lyricist": N_("lyricist")}  # crew jobs of the packs, as readers say them


def billing(value: str) -> str:
    known = BILLING.get(value)
    return _(known) if known else value


def korean_first(romanised: str, korean: str | None) -> str:
    """"Soundtrack #1 (사운드트랙 #1)", or for Korean readers "사운드트랙 #1 (Soundtrack #1)";
    the romanised name alone when the packs have no Korean one."""
    if not korean:
        return romanised
    return f"{korean} ({romanised})" if current() == "ko" else f"{romanised} ({korean})"


@dataclass(frozen=True)
class Extras:
    """What a /drama message shows beyond the drama's own record, read from the store
    around it: the dramas its relations name (title -> slug, for those the store knows)
    and its OST contributions without a track number, as one sentence."""

    related: Mapping[str, str] = field(default_factory=dict)
    unnumbered: str | None = None


NO_EXTRAS = Extras()


# --- the drama embed ----------------------------------------------------------------------


def drama_title(info: DramaInfo) -> str:
    """Embed title: the English title with the Korean title beside it."""
    korean = info.drama.korean_title
    return korean_first(str(info.drama.title.value), str(korean.value) if korean else None)


def _credits(info: DramaInfo, job: str) -> list[CrewMember]:
    return [c for c in info.crew if c.credit.job == job]


def _crew_text(info: DramaInfo, job: str, notes: Notes) -> str | None:
    crew = _credits(info, job)
    return "\n".join(render_fact(credit_fact(_name(c.person), c.credit), info.sources,
                                 notes=notes) for c in crew) or None


def _name(person: PersonRef) -> str:
    """A person as the overview names them: for Korean readers the Hangul name first."""
    return _title(person.name, person.hangul)


def _title(romanised: str, korean: str | None) -> str:
    """A name in a list: for Korean readers with the Korean name first, for others as
    romanised (the Korean name is in the title of the thing's own page)."""
    return korean_first(romanised, korean) if current() == "ko" else romanised


def _dates(info: DramaInfo, notes: Notes) -> str | None:
    drama = info.drama
    if drama.premiere is None and drama.finale is None:
        return render_fact(drama.year, info.sources, notes=notes) if drama.year else None
    start = render_fact(drama.premiere, info.sources, notes=notes)
    end = render_fact(drama.finale, info.sources, notes=notes)
    return _("{start} to {end}").format(start=start, end=end)


def _main_cast(info: DramaInfo) -> list[CastMember]:
    leads = [c for c in info.cast if c.entry.billing == "lead"]
    return leads or list(info.cast[:MAIN_CAST])


def _as_role(member: CastMember, sources: Mapping[str, Source], notes: Notes) -> str:
    name = _name(member.person)
    if member.entry.character is None:
        return _("{name} (role not on record)").format(name=name)
    return _("{name} as {role}").format(
        name=name, role=_korean_role_first(member.entry, render_fact(
            member.entry.character, sources, notes=notes)))


def _korean_role_first(entry: CastEntry, romanised: str) -> str:
    """For Korean readers the role's Hangul name, where the packs have it, before the
    romanised name and its sources: "한선우 (Han Sun-woo)"."""
    hangul = entry.character_hangul
    if current() != "ko" or hangul is None:
        return romanised
    return f"{hangul.value} ({romanised})"


def _optional(fact: Fact | None, sources: Mapping[str, Source], notes: Notes, *,
              fmt: Callable[[FactValue], str] = format_value) -> str | None:
    return render_fact(fact, sources, notes=notes, fmt=fmt) if fact is not None else None


def _many(facts: Sequence[Fact], sources: Mapping[str, Source], notes: Notes,
          sep: str = ", ") -> str | None:
    return render_facts(facts, sources, sep=sep, notes=notes) if facts else None


def _minutes(value: FactValue) -> str:
    return _("{minutes} minutes").format(minutes=value)


def overview_embed(info: DramaInfo, extras: Extras = NO_EXTRAS) -> discord.Embed:
    """Titles, platform, genre, dates, episodes, crew, companies, synopsis, main cast and
    the number of known OST tracks: each field only when something is on record, then
    one line naming what is not, and the notes of the facts shown (too long for a
    field)."""
    drama, src = info.drama, info.sources
    main = _main_cast(info)
    notes: Notes = []
    candidates: list[tuple[str, str | None, bool]] = [
        (N_("Korean title"), _optional(drama.korean_title, src, notes), True),
        (N_("Former titles"), _many(drama.former_titles, src, notes, "\n"), True),
        (N_("Platform"), _optional(drama.platform, src, notes), True),
        (N_("Country"), _optional(drama.country, src, notes), True),
        (N_("Genre"), _many(drama.genres, src, notes), True),
        (N_("Aired"), _dates(info, notes), True),
        (N_("Episodes"), _optional(drama.episode_count, src, notes), True),
        (N_("Runtime"), _optional(drama.runtime_minutes, src, notes, fmt=_minutes), True),
        (N_("Director"), _crew_text(info, "director", notes), True),
        (N_("Writer"), _crew_text(info, "writer", notes), True),
        (N_("Production"), _many(drama.production_companies, src, notes, "\n"), False),
        (N_("Main cast"), join_limited([_as_role(m, src, notes) for m in main],
                                       Limits.FIELD_VALUE) or None, False),
        (N_("OST"), _ost_count(info, extras), False),
        (N_("Sequel of"), _many(drama.sequel_of, src, notes), True),
        (N_("Followed by"), _many(drama.followed_by, src, notes), True),
    ]
    if not drama.title.certain:  # the embed title cannot carry the marks: say it here
        candidates.insert(0, (N_("English title"), render_fact(drama.title, src, notes=notes),
                              True))
    fields = [Field(_(name), text, inline) for name, text, inline in candidates if text]
    missing = [_(name).lower() for name, text, _inline in candidates
               if not text and name not in OPTIONAL_FIELDS]
    if missing:
        fields.append(Field(_("Not on record"), ", ".join(missing)))
    if notes:
        fields.append(Field(_("Notes"), join_limited([f"• {n}" for n in dict.fromkeys(notes)],
                                                  Limits.FIELD_VALUE)))
    synopsis = render_fact(drama.synopsis, src) if drama.synopsis else None
    return build_embed(title=drama_title(info), description=synopsis, fields=fields,
                       footer=footer_sources(_overview_source_ids(info, main), src))


def _overview_source_ids(info: DramaInfo, main: Sequence[CastMember]) -> list[str]:
    """The sources of exactly the facts the overview shows, for its footer."""
    drama = info.drama
    ids: list[str] = []
    for fact in (drama.title, drama.synopsis, drama.korean_title, *drama.former_titles,
                 drama.platform, drama.country, *drama.genres, drama.premiere, drama.finale,
                 drama.year, drama.episode_count, drama.runtime_minutes,
                 *drama.production_companies):
        ids.extend(fact_source_ids(fact))
    for crew in info.crew:
        if crew.credit.job in ("director", "writer"):  # credit_fact's sources, unbuilt
            ids.extend(crew.credit.sources)
            ids.extend(s for reading in crew.credit.also for s in reading.sources)
    for member in main:
        ids.extend(fact_source_ids(member.entry.character))
    return ids


def _ost_count(info: DramaInfo, extras: Extras) -> str | None:
    if not info.tracks:
        return f"{extras.unnumbered}." if extras.unnumbered else None
    numbers = [t.track.number for t in info.tracks]
    return _("{tracks} on record (the OST section or `/ost list` shows them)").format(
        tracks=counted(len(numbers), "{count} track", "{count} tracks"))


def ost_head(tracks: int) -> str:
    """"**OST** (7 tracks on record)"."""
    count = counted(tracks, "{count} track", "{count} tracks")
    return f"**{_('OST')}** (" + _("{tracks} on record").format(tracks=count) + ")"


def cast_line(member: CastMember, sources: Mapping[str, Source]) -> str:
    """"**Park Hyung-sik** (박형식) as Han Sun-woo · 한선우 — rookie photographer · lead",
    with one single-source mark for the whole line when every fact rests on one source."""
    entry = member.entry
    facts = (entry.character, entry.character_hangul, entry.description)
    shared = shared_single_source(facts)
    mark = shared is None
    person = member.person
    name = (f"**{person.hangul}** ({person.name})" if person.hangul and current() == "ko"
            else f"**{person.name}**" + (f" ({person.hangul})" if person.hangul else ""))
    if entry.character is None:
        line = _("{name} (role not on record)").format(name=name)
    else:
        roles = [render_reading(entry.character.primary, sources, mark_single=mark)]
        if entry.character_hangul:
            roles.append(render_fact(entry.character_hangul, sources, mark_single=mark))
            if current() == "ko":  # the Hangul name first for Korean readers
                roles.reverse()
        line = _("{name} as {role}").format(name=name, role=" · ".join(roles))
    if entry.description:
        line += f" — {render_fact(entry.description, sources, mark_single=mark)}"
    if entry.billing:
        line += f" · {billing(entry.billing)}"
    return line + line_mark(facts, sources) + also_text(entry.character, sources)


def cast_embed(info: DramaInfo) -> discord.Embed:
    """Every cast member with role, Korean names, who they play and billing."""
    lines = [cast_line(m, info.sources) for m in info.cast]
    ids = [s for m in info.cast for s in m.entry.sources]
    for m in info.cast:
        for fact in (m.entry.character, m.entry.character_hangul, m.entry.description):
            ids.extend(fact_source_ids(fact))
    body = join_limited(lines, Limits.DESCRIPTION) if lines else _("No cast on record.")
    return build_embed(title=drama_title(info), description=f"**{_('Cast')}**\n{body}",
                       footer=footer_sources(ids, info.sources))


def episodes_embed(info: DramaInfo) -> discord.Embed:
    """Air date and titles of every episode on record."""
    src = info.sources
    lines: list[str] = []
    ids: list[str] = []
    for ep in info.episodes:
        line = "**" + _("Episode {number}").format(number=ep.number) + \
            f"** — {render_fact(ep.air_date, src)}"
        titles = [render_fact(f, src) for f in (ep.title, ep.korean_title) if f]
        if current() == "ko":
            titles.reverse()
        if titles:
            line += " — " + " · ".join(titles)
        lines.append(line)
        for fact in (ep.air_date, ep.title, ep.korean_title):
            ids.extend(fact_source_ids(fact))
    count = info.drama.episode_count
    head = (f"**{_('Episodes')}** (" + _("{count} in all").format(count=render_fact(count, src))
            + ")") if count else f"**{_('Episodes')}**"
    ids.extend(fact_source_ids(count))
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        _("No episode details on record.")
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer=footer_sources(ids, src))


def ost_embed(info: DramaInfo, extras: Extras = NO_EXTRAS) -> discord.Embed:
    """The known tracks in order (the full, paginated list is /ost list), then what is on
    the OST without a track number."""
    lines = [track_line(t, info.sources) for t in info.tracks]
    if extras.unnumbered:
        lines.append(f"\n{extras.unnumbered}.")
    ids = [s for t in info.tracks for s in track_source_ids(t)]
    ids += [s for t in info.drama.ost_unnumbered for c in t.artists for s in c.sources]
    head = ost_head(len(info.tracks))
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        _("No OST tracks on record.")
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer=footer_sources(ids, info.sources))


def sources_embed(info: DramaInfo) -> discord.Embed:
    """Every source any fact about the drama cites."""
    ordered = sorted(info.sources.values(), key=lambda s: s.label.casefold())
    lines = [describe_source(s) for s in ordered]
    head = f"**{_('Sources')}** ({counted(len(lines), '{count} source', '{count} sources')})"
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        _("No sources on record.")
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer=_("Every fact the bot states names one of these sources."))


def trivia_embed(info: DramaInfo) -> discord.Embed:
    """Every trivia fact, by topic, each with its sources; plot trivia hidden behind
    Discord's spoiler marks, with the episode that reveals it."""
    order = list(TRIVIA_TOPICS)
    items = sorted(info.trivia, key=lambda t: order.index(t.topic) if t.topic in order
                   else len(order))
    lines: list[str] = []
    for item in items:
        text = render_fact(item.fact, info.sources, always_cite=True)
        if item.topic == "plot":
            episode = (" (" + _("episode {number}").format(number=item.fact.episode) + ")"
                       if item.fact.episode else "")
            text = f"||{text}||{episode}"
        known = TRIVIA_TOPICS.get(item.topic or "")
        topic = _(known) if known else (item.topic or _("other")).capitalize()
        lines.append(f"**{topic}** · {text}")
    head = f"**{_('Trivia')}** ({counted(len(lines), '{count} fact', '{count} facts')})"
    body = join_limited(lines, Limits.DESCRIPTION - len(head) - 1) if lines else \
        _("No trivia on record.")
    ids = [s for t in info.trivia for s in fact_source_ids(t.fact)]
    return build_embed(title=drama_title(info), description=f"{head}\n{body}",
                       footer=footer_sources(ids, info.sources))


RENDERERS: dict[str, Callable[[DramaInfo, Extras], discord.Embed]] = {
    "overview": overview_embed, "cast": lambda info, _: cast_embed(info),
    "episodes": lambda info, _: episodes_embed(info), "ost": ost_embed,
    "trivia": lambda info, _: trivia_embed(info),
    "sources": lambda info, _: sources_embed(info),
}
HAS_CONTENT: dict[str, Callable[[DramaInfo], bool]] = {
    "overview": lambda info: True,
    "cast": lambda info: bool(info.cast),
    "episodes": lambda info: bool(info.episodes or info.drama.episode_count),
    "ost": lambda info: bool(info.tracks or info.drama.ost_unnumbered),
    "trivia": lambda info: bool(info.trivia),
    "sources": lambda info: bool(info.sources),
}


def section_rows(info: DramaInfo, current: str) -> list[list[discord.ui.Item[Any]]]:
    """A button per section that has something to show, the current one highlighted;
    none when the overview is all there is."""
    shown = [(name, label) for name, label in SECTIONS if HAS_CONTENT[name](info)]
    if len(shown) <= 1:
        return []
    items: list[discord.ui.Item[Any]] = [
        SectionButton(info.drama.slug, name, label=_(label), current=name == current)
        for name, label in shown]
    return [items[i:i + Limits.ROW_BUTTONS] for i in range(0, len(items), Limits.ROW_BUTTONS)]


def drama_reply(info: DramaInfo, section: str = "overview", extras: Extras = NO_EXTRAS
                ) -> Reply:
    """The /drama message for one section, with the section buttons (and, on the
    overview, one per related drama; on Cast, one per cast member; on OST, one for the
    full track list)."""
    section = section if section in RENDERERS else "overview"
    return REPLIES.get(("drama", info.drama.slug, section, current()), info,
                       lambda: _drama_reply(info, section, extras))


def _drama_reply(info: DramaInfo, section: str, extras: Extras) -> Reply:
    slug = info.drama.slug
    rows: list[Sequence[discord.ui.Item[Any]]] = [*section_rows(info, section)]
    if section == "overview" and extras.related:
        rows.append(buttons(DramaButton, [(s, t) for t, s in extras.related.items()]))
    if section == "cast":
        rows.append(buttons(PersonButton,
                            [(m.person.id, m.person.name) for m in info.cast]))
    if section == "ost" and info.tracks:
        rows.append([TrackListButton(slug, label=_("Full track list"))])
    return Reply(embed=RENDERERS[section](info, extras), view=make_view(*rows))


# --- the person embed -----------------------------------------------------------------------


def person_title(info: PersonInfo) -> str:
    person = info.person
    title = korean_first(person.name, person.hangul)
    return f"{title} · {_('group')}" if person.kind == "group" else title


def _roles(info: PersonInfo, notes: Notes) -> list[str]:
    src = info.sources
    return [f"**{_title(r.drama.title, r.drama.korean_title)}** — "
            f"{_role_text(r, src, notes)}" for r in info.roles]


def _role_text(role: Role, src: Mapping[str, Source], notes: Notes) -> str:
    """The character (or "role not on record", with the casting's sources) and billing;
    a disputed name's notes go to `notes`."""
    entry = role.entry
    text = (_korean_role_first(entry, render_fact(entry.character, src, always_cite=True,
                                                  notes=notes))
            if entry.character
            else _("role not on record ({sources})").format(sources=cite(entry.sources, src)))
    return text + (f" · {billing(entry.billing)}" if entry.billing else "")


def _crew(info: PersonInfo) -> list[str]:
    lines = []
    for role in info.crew:
        credit = role.credit
        job = _(JOBS[credit.job]) if credit.job in JOBS else (
            credit.job or _("credited, job not on record"))
        line = (f"**{_title(role.drama.title, role.drama.korean_title)}** — {job} "
                f"({cite(credit.sources, info.sources)})")
        if credit.note:
            line += f", {shown_note(credit)}"
        if credit.also:
            others = ", ".join(f"{r.value} ({cite(r.sources, info.sources)})"
                               for r in credit.also)
            line += _("; other sources name {others}").format(others=others)
        lines.append(line)
    return lines


def _tracks(info: PersonInfo) -> list[str]:
    lines = []
    for t in info.tracks:
        credit = next((a for a in t.track.artists if a.person == info.person.id), None)
        cited = f" ({cite(credit.sources, info.sources)})" if credit else ""
        title = render_fact(t.track.title, info.sources)
        track = _("track {number}").format(number=t.track.number)
        lines.append(f"**{_title(t.drama.title, t.drama.korean_title)}** {track}: "
                     f"{title}{cited}")
    return lines


def person_embed(info: PersonInfo) -> discord.Embed:
    """Hangul name, romanisations, groups, occupations, roles, credits, OST tracks and
    other facts, each fact with its sources; a field only when something is on record."""
    person, src = info.person, info.sources
    value = Limits.FIELD_VALUE

    def cited(facts: Sequence[Fact]) -> list[str]:
        return [render_fact(f, src, always_cite=True) for f in facts]

    notes: Notes = []
    inline = ((_("Hangul"), [person.hangul] if person.hangul else []),
              (_("Also written"), [", ".join(person.aliases)] if person.aliases else []))
    blocks = ((_("Groups"), cited(person.groups)), (_("Occupations"), cited(person.occupations)),
              (_("Roles"), _roles(info, notes)), (_("Credits"), _crew(info)),
              (_("OST tracks"), _tracks(info)), (_("Other works"), cited(person.other_works)),
              (_("Other facts"), cited(person.facts)),
              (_("Notes"), [f"• {n}" for n in dict.fromkeys(notes)]))
    fields = [Field(name, truncate(lines[0], value), True) for name, lines in inline if lines]
    fields.extend(Field(name, join_limited(lines, value)) for name, lines in blocks if lines)
    ids = [*person.sources, *src]
    described = _("Name and identity as reported by {sources}.").format(
        sources=cite(person.sources, src))
    return build_embed(title=person_title(info), description=described,
                       fields=fields, footer=footer_sources(ids, src))


def person_reply(info: PersonInfo) -> Reply:
    """The /person message, with a button for each drama the person is credited in."""
    return REPLIES.get(("person", info.person.id, current()), info,
                       lambda: _person_reply(info))


def _person_reply(info: PersonInfo) -> Reply:
    dramas = [(r.drama.slug, r.drama.title) for r in info.roles]
    dramas += [(c.drama.slug, c.drama.title) for c in info.crew]
    dramas += [(t.drama.slug, t.drama.title) for t in info.tracks]
    return Reply(embed=person_embed(info), view=make_view(buttons(DramaButton, dramas)))


# --- replies shared by the commands and the buttons --------------------------------------


async def drama_lookup(bot: DramaBot, slug: str, section: str = "overview") -> Reply:
    """The /drama reply for a known slug, or a polite note if it has gone."""
    info = await bot.facts.drama(slug)
    if info is None:
        return private(_(GONE_DRAMA))
    return drama_reply(info, section, await drama_extras(bot, info))


async def drama_extras(bot: DramaBot, info: DramaInfo) -> Extras:
    """Read only for the dramas that have relations or unnumbered OST contributions, once
    per store result."""
    drama = info.drama
    if not (drama.sequel_of or drama.followed_by or drama.ost_unnumbered):
        return NO_EXTRAS
    cached = EXTRAS.peek((drama.slug, current()), info)
    if cached is not None:
        return cached
    related: dict[str, str] = {}
    for fact in (*drama.sequel_of, *drama.followed_by):
        found = await bot.facts.resolve_drama(str(fact.value))
        if found.match is not None and found.match.key != drama.slug:
            related[str(fact.value)] = found.match.key
    extras = Extras(related, await announced(bot, info))
    return EXTRAS.put((drama.slug, current()), info, extras)


async def warm_overview(bot: DramaBot, language: str, slug: str) -> None:
    """The /drama overview of a drama suggested as a fan types, read and rendered ahead
    (`warm_after_answer`), so picking it answers from the caches."""
    info = await bot.facts.drama(slug, expected=True)
    if info is not None:
        with speaking(language):
            drama_reply(info, "overview", await drama_extras(bot, info))


async def warm_person(bot: DramaBot, language: str, person_id: str) -> None:
    """The /person page of someone suggested as a fan types, read and rendered ahead."""
    info = await bot.facts.person(person_id, expected=True)
    if info is not None:
        with speaking(language):
            person_reply(info)


async def person_lookup(bot: DramaBot, person_id: str) -> Reply:
    info = await bot.facts.person(person_id)
    if info is None:
        return private(_(GONE_PERSON))
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
        with public(interaction):  # the message everyone sees
            return await drama_lookup(interaction.client, self.slug, self.section)


class DramaButton(KeyButton, prefix="lookup:drama:"):
    """Opens a drama's /drama message: a did-you-mean choice, a person's drama."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        with public(interaction):
            return await drama_lookup(interaction.client, self.key)


class PersonButton(KeyButton, prefix="lookup:person:"):
    """Opens a person's /person message: a did-you-mean choice, a cast member."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        with public(interaction):
            return await person_lookup(interaction.client, self.key)


# --- the cog ------------------------------------------------------------------------------


class Info(commands.Cog):
    """Drama and person lookups."""

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_fact_store_changed(self, store: object) -> None:
        """The bot now serves a rebuilt store: drop what was rendered from the old one."""
        REPLIES.clear()
        EXTRAS.clear()

    @app_commands.command(
        name=locale_str("drama"),
        description=locale_str("Everything known about a K-drama, every fact with its sources"))
    @app_commands.rename(name=locale_str("name"))
    @app_commands.describe(name=locale_str(
        "The drama's title, former title, alias or Korean title (suggested as you type)"))
    @rate_limited("lookup_rate")
    async def drama(
        self, interaction: discord.Interaction[DramaBot],
        name: app_commands.Transform[str, DramaOption(DramaButton.choice, option="name",
                                                        warm=warm_overview)],
    ) -> None:
        with public(interaction):  # a public answer, in the server's language
            reply = await drama_lookup(self.bot, name)
        await send_reply(interaction, reply)

    @app_commands.command(
        name=locale_str("person"),
        description=locale_str("An actor, singer or crew member: names, roles, OST tracks"))
    @app_commands.rename(name=locale_str("name"))
    @app_commands.describe(name=locale_str(
        "The person's name in any romanisation, or in Hangul (suggested as you type)"))
    @rate_limited("lookup_rate")
    async def person(
        self, interaction: discord.Interaction[DramaBot],
        name: app_commands.Transform[str, PersonOption(PersonButton.choice,
                                                         warm=warm_person)],
    ) -> None:
        with public(interaction):
            reply = await person_lookup(self.bot, name)
        await send_reply(interaction, reply)


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the buttons its messages carry."""
    await bot.add_cog(Info(bot))
    bot.add_dynamic_items(SectionButton, DramaButton, PersonButton)
