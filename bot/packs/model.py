"""The parsed form of a data pack: plain, frozen dataclasses that know nothing of TOML,
SQLite or Discord.

The loader (`bot.packs.loader`) turns a TOML file into a `Pack`; the builder
(`bot.store.build`) writes packs into the fact store; the fact store's queries hand the
same `Fact`/`Reading`/`Source` types back to the cogs and the quiz, so a fact keeps its
sources all the way from the file to the reply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

FactValue = str | int | dt.date

SOURCE_KINDS = ("article", "outlet", "chart", "agency", "database", "other")
BILLINGS = ("lead", "supporting", "special", "cameo")
PERSON_KINDS = ("person", "group")
TRIVIA_TOPICS = ("production", "ost", "cast", "plot", "release")


@dataclass(frozen=True)
class Source:
    """Where a fact comes from, described by what it says of itself: the outlet that
    published it, its author, headline, date and address. `name` is a plain description
    for a source with neither outlet nor headline ("press coverage (outlet not recorded)").
    `file` (a seed article's file name) is provenance for pack authors, never shown."""

    id: str
    name: str | None
    kind: str
    file: str | None = None
    outlet: str | None = None
    author: str | None = None
    title: str | None = None
    url: str | None = None
    published: dt.date | None = None
    licence: str | None = None
    name_translations: tuple[tuple[str, str], ...] = ()  # the description, translated

    @property
    def label(self) -> str:
        """How a reader knows it: the outlet, else the headline, else the description;
        with the date when there is no outlet (an article known by its subject and date).
        Never the file name or the id."""
        return self.label_in()

    def label_in(self, date_text: Callable[[dt.date], str] | None = None,
                 language: str | None = None) -> str:
        """The label with its date written by `date_text` (default: `long_date`) and its
        description in `language` where the pack translates it, so a reply can give it
        in the reader's language."""
        name = dict(self.name_translations).get(language or "", self.name)
        text = self.outlet or self.title or name or "source not described"
        if self.outlet is None and self.published is not None:
            text += f", {(date_text or long_date)(self.published)}"
        return text

    @property
    def display_name(self) -> str:
        return self.label

    @property
    def citation(self) -> str:
        """The full reference: "Ishani Sarkar, “Top 3 Reasons…”, Kpopmap, 8 March 2022"."""
        parts = [p for p in (self.author, f"“{self.title}”" if self.title else None,
                             self.outlet or (None if self.title else self.name)) if p]
        if self.published is not None:
            parts.append(long_date(self.published))
        return ", ".join(parts) or self.label


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(day: dt.date) -> str:
    """8 March 2022: unambiguous in every locale (and whatever the process's locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def source_names(ids: Iterable[str], sources: Mapping[str, Source],
                 date_text: Callable[[dt.date], str] | None = None,
                 language: str | None = None) -> tuple[str, ...]:
    """Citation labels for source ids, in order, without repeats; an id with no record is
    shown as itself rather than dropped, so a citation is never silently lost."""
    names: list[str] = []
    for source_id in ids:
        source = sources.get(source_id)
        name = source.label_in(date_text, language) if source else source_id
        if name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class Reading:
    """One value of a fact as one group of sources reports it."""

    value: FactValue
    sources: tuple[str, ...]
    note: str | None = None
    # (language, the value in it): the pack author's translations of a text value, which
    # rest on the same sources; the value itself is the original (English).
    translations: tuple[tuple[str, str], ...] = ()
    note_translations: tuple[tuple[str, str], ...] = ()  # the note's, likewise

    def text_in(self, language: str) -> str | None:
        """The value as text in `language`, if it is English or the pack translates it."""
        if language == "en":
            return str(self.value)
        return dict(self.translations).get(language)


@dataclass(frozen=True)
class Fact:
    """A sourced value. `primary` is the reading most sources give; `also` holds the
    readings other sources give instead (a contested fact)."""

    primary: Reading
    also: tuple[Reading, ...] = ()
    episode: int | None = None

    @property
    def value(self) -> FactValue:
        return self.primary.value

    @property
    def sources(self) -> tuple[str, ...]:
        return self.primary.sources

    @property
    def contested(self) -> bool:
        return bool(self.also)

    @property
    def single_source(self) -> bool:
        return len(self.primary.sources) == 1

    @property
    def certain(self) -> bool:
        """Safe to state as settled (and to ask in the quiz): uncontested, two or more sources."""
        return not self.contested and not self.single_source


@dataclass(frozen=True)
class Drama:
    slug: str
    title: Fact
    korean_title: Fact | None = None
    former_titles: tuple[Fact, ...] = ()
    aliases: tuple[str, ...] = ()
    platform: Fact | None = None
    country: Fact | None = None
    genres: tuple[Fact, ...] = ()
    premiere: Fact | None = None
    finale: Fact | None = None
    episode_count: Fact | None = None
    runtime_minutes: Fact | None = None
    synopsis: Fact | None = None
    production_companies: tuple[Fact, ...] = ()
    year: Fact | None = None
    other_platforms: tuple[Fact, ...] = ()
    # Relations: facts whose value is the other drama's title as the sources give it.
    sequel_of: tuple[Fact, ...] = ()
    followed_by: tuple[Fact, ...] = ()
    # The pack's [[ost_unnumbered]]: kept on the drama record so it travels with it.
    ost_unnumbered: tuple[UnnumberedTrack, ...] = ()


@dataclass(frozen=True)
class Episode:
    number: int
    air_date: Fact | None = None
    title: Fact | None = None
    korean_title: Fact | None = None


@dataclass(frozen=True)
class CastEntry:
    """A casting. `character` is None when no source names the role; `billing` is None
    when no source says whether it is a lead, supporting or special appearance."""

    person: str
    character: Fact | None
    sources: tuple[str, ...]
    character_hangul: Fact | None = None
    character_aliases: tuple[str, ...] = ()
    description: Fact | None = None
    billing: str | None = None


@dataclass(frozen=True)
class Credit:
    """A crew credit. `also` holds other names sources give for the same credit; `job` is
    None when the sources credit the person without saying what they did."""

    person: str
    job: str | None
    sources: tuple[str, ...]
    also: tuple[Reading, ...] = ()
    note: str | None = None
    note_translations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ArtistCredit:
    person: str
    sources: tuple[str, ...]
    note: str | None = None
    note_translations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Track:
    number: int
    artists: tuple[ArtistCredit, ...]
    title: Fact | None = None
    korean_title: Fact | None = None
    release_date: Fact | None = None
    notes: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class UnnumberedTrack:
    """An OST contribution no source gives a track number for: an artist announced for the
    OST ("Lee Hi is among the singers"), or a song known by its title only."""

    artists: tuple[ArtistCredit, ...]
    title: Fact | None = None
    korean_title: Fact | None = None
    release_date: Fact | None = None
    notes: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Trivia:
    fact: Fact
    topic: str | None = None
    track: int | None = None  # the OST track it is about, shown with that track

    def text_in(self, language: str) -> str | None:
        """The sentence in `language`, if the pack has it (English: the fact itself)."""
        return self.fact.primary.text_in(language)


@dataclass(frozen=True)
class QuestionText:
    """A hand-written question's words in one language."""

    question: str
    answer: str
    wrong: tuple[str, str, str]


@dataclass(frozen=True)
class Question:
    """A hand-written quiz question carried by a pack, in English and in any language
    its `translations` give."""

    question: str
    answer: str
    wrong: tuple[str, str, str]
    sources: tuple[str, ...]
    episode: int | None = None
    translations: tuple[tuple[str, QuestionText], ...] = ()

    def text_in(self, language: str) -> QuestionText | None:
        if language == "en":
            return QuestionText(self.question, self.answer, self.wrong)
        return dict(self.translations).get(language)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    sources: tuple[str, ...]
    hangul: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str = "person"
    groups: tuple[Fact, ...] = ()
    occupations: tuple[Fact, ...] = ()
    other_works: tuple[Fact, ...] = ()
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Pack:
    """One pack file, parsed and checked."""

    path: str
    drama: Drama
    sources: dict[str, Source] = field(default_factory=dict)
    episodes: tuple[Episode, ...] = ()
    cast: tuple[CastEntry, ...] = ()
    credits: tuple[Credit, ...] = ()
    ost: tuple[Track, ...] = ()
    trivia: tuple[Trivia, ...] = ()
    questions: tuple[Question, ...] = ()
    people: dict[str, Person] = field(default_factory=dict)


@dataclass(frozen=True)
class PackSet:
    """Every pack in a folder, checked together: people and sources merged by id across
    packs (a director of two dramas is one person)."""

    packs: tuple[Pack, ...]
    people: dict[str, Person]
    sources: dict[str, Source]


@dataclass(frozen=True)
class PackError:
    """One problem in a pack, located for its author: file, key path ("ost[6].artists[0].person")
    and what is wrong."""

    file: str
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key_path}" if self.key_path else self.file
        return f"{where}: {self.message}"


class PackLoadError(Exception):
    """Raised when one or more packs are invalid; carries every error found, not just the first."""

    def __init__(self, errors: list[PackError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
