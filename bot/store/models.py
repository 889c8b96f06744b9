"""What the fact store's queries return: Discord-free, frozen dataclasses.

They wrap the pack model (`bot.packs.model`) with resolved references (a person id becomes
a `PersonRef` with the person's display name) and the `Source` records every fact cites,
so a cog can render a fact and its sources without a second query.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.packs.model import (
    CastEntry,
    Credit,
    Drama,
    Episode,
    Fact,
    Person,
    Question,
    Source,
    Track,
    Trivia,
)


@dataclass(frozen=True)
class PersonRef:
    id: str
    name: str
    hangul: str | None = None


@dataclass(frozen=True)
class DramaRef:
    slug: str
    title: str
    korean_title: str | None = None


@dataclass(frozen=True)
class CastMember:
    person: PersonRef
    entry: CastEntry


@dataclass(frozen=True)
class CrewMember:
    person: PersonRef
    credit: Credit


@dataclass(frozen=True)
class TrackInfo:
    drama: DramaRef
    track: Track
    artists: tuple[PersonRef, ...]  # in the order of track.artists


@dataclass(frozen=True)
class DramaInfo:
    """Everything the store knows about one drama."""

    drama: Drama
    cast: tuple[CastMember, ...]
    crew: tuple[CrewMember, ...]
    episodes: tuple[Episode, ...]
    tracks: tuple[TrackInfo, ...]  # ordered by number
    trivia: tuple[Trivia, ...]
    questions: tuple[Question, ...]
    sources: dict[str, Source]  # every source any fact above cites

    @property
    def ref(self) -> DramaRef:
        korean = self.drama.korean_title
        return DramaRef(self.drama.slug, str(self.drama.title.value),
                        str(korean.value) if korean else None)


@dataclass(frozen=True)
class Role:
    drama: DramaRef
    entry: CastEntry


@dataclass(frozen=True)
class CrewRole:
    drama: DramaRef
    credit: Credit


@dataclass(frozen=True)
class PersonInfo:
    """A person with every credit across dramas."""

    person: Person
    roles: tuple[Role, ...]
    crew: tuple[CrewRole, ...]
    tracks: tuple[TrackInfo, ...]
    sources: dict[str, Source]

    @property
    def ref(self) -> PersonRef:
        return PersonRef(self.person.id, self.person.name, self.person.hangul)


@dataclass(frozen=True)
class Match:
    """A name that matched a query: `key` is the slug or person id, `label` what to show
    (the canonical name), `matched` the name or alias the query hit."""

    kind: str  # "drama" | "person"
    key: str
    label: str
    matched: str
    score: float  # 100 = exact after normalisation


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving free text to one entity.

    Exactly one of three shapes: `match` set (one clear winner); `ambiguous` non-empty
    (several equally good matches: ask the user); or neither, with `suggestions` holding
    the nearest names for a "did you mean" (possibly empty: nothing close)."""

    match: Match | None = None
    ambiguous: tuple[Match, ...] = ()
    suggestions: tuple[Match, ...] = ()

    @property
    def unknown(self) -> bool:
        """Nothing matched and nothing came close."""
        return self.match is None and not self.ambiguous and not self.suggestions

__all__ = [
    "CastMember", "CrewMember", "CrewRole", "DramaInfo", "DramaRef", "Fact", "Match",
    "PersonInfo", "PersonRef", "Resolution", "Role", "TrackInfo",
]
