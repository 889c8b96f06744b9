"""Quiz questions generated from the fact store.

Each template reads one kind of fact (who plays a role, who sang a track, a premiere date,
a person's group, ...) and turns every fact of that kind that is safe to ask into a
`Question`: a prompt, the answer, three wrong choices of the answer's own kind, the names
of the sources and the episode that reveals it. A new pack therefore yields questions with
no code. Hand-written `[[questions]]` of a pack are added as they are.

The rules every template follows, because a quiz states its answer as settled:

- Only certain facts are asked (`Fact.certain`: uncontested and at least two sources;
  castings, credits and artist credits need two sources too). Contested and single-source
  facts are skipped, and so is any fact that names a contested fact in its prompt.
- A distractor is never another name of the answer, nor another right answer: choices are
  compared by the store's name folding (`names.loose`, which also merges romanisations).
- Every question knows the latest episode it depends on, and with `up_to_episode` the
  material is first stripped of everything later episodes reveal (`without_spoilers`), so
  neither a question nor a wrong choice can spoil.

Everything here is pure and deterministic given a `random.Random`, except `load_material`,
which reads the fact store once per game.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar, cast

from bot.i18n import DEFAULT, N_, _, current, long_date
from bot.packs.model import CastEntry, Episode, Fact, FactValue, Person, Source, source_names
from bot.packs.model import Question as PackQuestion
from bot.store.facts import FactStore
from bot.store.models import CastMember, DramaInfo, PersonInfo, PersonRef, TrackInfo
from bot.store.names import fold, loose

T = TypeVar("T")

CHOICES = 4
LABEL_MAX = 80  # a Discord button label
PROMPT_MAX = 256  # the prompt is an embed title
NEIGHBOUR_DRAMAS = 24  # other dramas loaded for distractor pools
# Platforms are few and well known; pad the pool so a small store can still ask.
FALLBACK_PLATFORMS = ("Netflix", "Disney+", "TVING", "Wavve", "Coupang Play", "tvN", "JTBC",
                      "KBS2", "MBC", "SBS", "ENA", "Viki")
# Prompts are English templates marked for the catalogues (`N_`) and worded in the
# current language when a game generates its questions (see `Wording`).
JOB_PROMPTS = {
    "director": N_("Who directed {title}?"),
    "writer": N_("Who wrote the screenplay of {title}?"),
    "producer": N_("Who produced {title}?"),
    "composer": N_("Who composed the music of {title}?"),
    "ost-producer": N_("Who produced the OST of {title}?"),
    "lyricist": N_("Who wrote the lyrics for the songs of {title}?"),
}
OTHER_JOB_PROMPT = N_("Who is credited as {job} of {title}?")


@dataclass(frozen=True)
class Wording:
    """A prompt: an English template (marked with `N_`) and its named values. `text` is
    the prompt in the current language (a game generates its questions in the server's),
    `english` the source wording, which `generate` compares hand-written questions with
    whatever the game's language."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return _(self.template).format(**self.values)

    @property
    def english(self) -> str:
        return self.template.format(**self.values)


def worded(template: str, **values: object) -> Wording:
    return Wording(template, values)


@dataclass(frozen=True)
class Written:
    """A prompt with a pack's own words in it: `text` in the game's language (the pack's
    translation), `english` the same prompt with the pack's English original."""

    text: str
    english: str


Prompt = Wording | Written | str  # a plain string: a pack's own English question


@dataclass(frozen=True)
class Question:
    """One four-choice question. `key` names the question (template and subject), `fact`
    the fact it asks, whatever the wording: "Who plays Gyeol-han?" and "Which character
    does Park Hoon play?" are two keys and one fact (the cast entry). A game asks a fact
    once, and a channel's rotation and a server's hidden list key on facts. Both are
    stable across runs. `accepted` holds every name of a right answer (aliases, Hangul,
    co-credits), for typed answers; the answer itself is always accepted."""

    key: str
    kind: str
    prompt: str
    answer: str
    distractors: tuple[str, ...]
    sources: tuple[str, ...]  # source names, for the reveal
    episode: int | None = None
    fact: str = ""  # "" means the question is its own fact (its key)
    accepted: tuple[str, ...] = ()
    english: str = ""  # the prompt in English ("": the prompt is English)

    def __post_init__(self) -> None:
        if not self.fact:
            object.__setattr__(self, "fact", self.key)
        if not self.english:
            object.__setattr__(self, "english", self.prompt)

    @property
    def choices(self) -> tuple[str, ...]:
        return (self.answer, *self.distractors)

    @property
    def right_names(self) -> tuple[str, ...]:
        """The answer and its other accepted names, without repeats."""
        return tuple(dict.fromkeys((self.answer, *self.accepted)))


@dataclass(frozen=True)
class Material:
    """What one game draws on: the drama asked about, other dramas (for distractors), and
    the people met in them.

    Only the drama's own people are asked about, so only they have full records
    (`people`: every credit and source, for the person templates' right answers and
    citations). The people met only in the other dramas supply wrong choices (their names,
    Hangul, groups, other works), which their bare `Person` records hold (`neighbours`):
    reading their credits too cost about six queries a person, for a few hundred people."""

    drama: DramaInfo
    others: tuple[DramaInfo, ...] = ()
    people: Mapping[str, PersonInfo] = field(default_factory=dict)
    neighbours: Mapping[str, Person] = field(default_factory=dict)

    @property
    def all_dramas(self) -> tuple[DramaInfo, ...]:
        return (self.drama, *self.others)

    def persons(self) -> list[Person]:
        """Every person's record, the drama's own people first: the pools of wrong
        choices draw on all of them."""
        own = [info.person for info in self.people.values()]
        return own + [p for k, p in self.neighbours.items() if k not in self.people]

    def person_names(self, ref: PersonRef) -> list[str]:
        """Every name of a person: the answer's other names must never be distractors."""
        names = [ref.name, *([ref.hangul] if ref.hangul else [])]
        info = self.people.get(ref.id)
        if info is not None:
            names += [info.person.name, *info.person.aliases]
            names += [info.person.hangul] if info.person.hangul else []
        return names

    def sources(self) -> dict[str, Source]:
        found: dict[str, Source] = {}
        for drama in self.all_dramas:
            found.update(drama.sources)
        for person in self.people.values():
            found.update(person.sources)
        return found


# -- small helpers -------------------------------------------------------------------------

def certain(fact: Fact | None) -> bool:
    """A fact the quiz may state as settled."""
    return fact is not None and fact.certain


def well_sourced(sources: Sequence[str]) -> bool:
    """A casting or credit (not a Fact) is asked only with two or more sources."""
    return len(set(sources)) >= 2


def show(value: FactValue) -> str:
    """A fact value as a choice label: dates spelled out, so no day/month confusion, in
    the current language ("23 March 2022", "2022년 3월 23일")."""
    return long_date(value) if isinstance(value, dt.date) else str(value)


def same_name(a: str, b: str) -> bool:
    """Two labels that are one name by the store's folding (case, spacing, romanisation)."""
    return fold(a) == fold(b) or loose(a) == loose(b)


def max_episode(*facts: Fact | None) -> int | None:
    """The latest episode any of the facts depends on (None: no episode)."""
    found = [f.episode for f in facts if f is not None and f.episode is not None]
    return max(found) if found else None


def pick_distractors(rng: random.Random, tiers: Iterable[Iterable[str]],
                     right: Iterable[str], count: int = CHOICES - 1) -> tuple[str, ...] | None:
    """`count` wrong choices, taken from the first tier first (the nearest kind: the same
    drama's people before other dramas'), never folding to a right name or to each other,
    and never one choice inside another ("owner" beside "co-owner": the odd one out gives
    the answer away). Choices of the answer's shape (`shape`: a Hangul name of as many
    syllables, a date, a number) come before the rest. None when the tiers cannot supply
    enough."""
    right = list(right)
    wanted = shape(right[0]) if right else None
    tiers = [list(t) for t in tiers]
    ordered = [[n for n in t if shape(n) == wanted] for t in tiers]
    ordered += [[n for n in t if shape(n) != wanted] for t in tiers]
    taken: list[str] = []
    keys = {k for name in right for k in (fold(name), loose(name)) if k}
    for tier in ordered:
        fresh = _unique(tier, keys)
        rng.shuffle(fresh)
        for name in fresh:
            if len(taken) == count:
                break
            if any(_affix_clash(name, other) for other in [*right[:1], *taken]):
                continue
            taken.append(name)
            keys.update((fold(name), loose(name)))
        if len(taken) == count:
            return tuple(taken)
    return None


@lru_cache(maxsize=8192)  # each choice is compared with every other, per question made
def shape(label: str) -> tuple[str, int]:
    """What a choice looks like at a glance: a date, a number, a Hangul name of n
    syllables, or other text. A lone choice of its shape is a giveaway."""
    if parse_date(label) is not None:
        return ("date", 0)
    if label.strip().isdigit():
        return ("number", 0)
    if _is_hangul(label):
        return ("hangul", len(fold(label)))
    return ("text", 0)


def _affix_clash(a: str, b: str) -> bool:
    """One text choice is the other with words added ("owner of the bar" and "co-owner of
    the bar"): the pair stands out. Dates and numbers are exempt (23 March, 3 March)."""
    if shape(a)[0] in ("date", "number") or shape(b)[0] in ("date", "number"):
        return False
    x, y = sorted((fold(a), fold(b)), key=len)
    return len(x) >= 4 and x != y and (y.startswith(x) or y.endswith(x))


DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%B %d %Y", "%Y-%m-%d", "%d %b %Y", "%b %d, %Y")
KOREAN_DATE = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일?")


@lru_cache(maxsize=8192)  # asked of every choice's shape, many times per game set-up
def parse_date(text: str) -> dt.date | None:
    """A date written the usual ways ("23 March 2022", "March 23, 2022", "2022-03-23",
    "2022년 3월 23일"), so a hand-written question and a template asking one date are
    seen as one fact, whatever the game's language."""
    if not any(c.isdigit() for c in text):
        return None  # every form has digits; a name fails six strptime calls otherwise
    korean = KOREAN_DATE.fullmatch(text.strip())
    if korean is not None:
        try:
            return dt.date(*(int(part) for part in korean.groups()))
        except ValueError:
            return None
    cleaned = " ".join(text.replace(",", ", ").split()).replace(" ,", ",")
    for form in DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    return None


def _is_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" or "\u1100" <= c <= "\u11ff" for c in text)


def _unique(names: Iterable[str], exclude: set[str]) -> list[str]:
    """Names (sorted, for determinism) whose keys clash with nothing in `exclude` or
    each other, and that fit on a button."""
    out: list[str] = []
    seen = set(exclude)
    for name in sorted(set(names)):
        keys = {fold(name), loose(name)}
        if not name.strip() or len(name) > LABEL_MAX or not all(keys) or keys & seen:
            continue
        out.append(name)
        seen |= keys
    return out


def near_numbers(value: int, rng: random.Random) -> list[str]:
    """Plausible wrong counts around `value`: nearby numbers and the usual episode counts."""
    candidates = {value - 2, value - 1, value + 1, value + 2, value + 4, value * 2,
                  value // 2, 8, 12, 16, 20}
    close = sorted((c for c in candidates if c > 0 and c != value),
                   key=lambda c: (abs(c - value), c))[:6]
    rng.shuffle(close)
    return [str(c) for c in close]


def near_years(value: int) -> list[str]:
    return [str(value + d) for d in (-3, -2, -1, 1, 2, 3)]


def near_dates(value: dt.date) -> list[str]:
    """Wrong dates a fan could mistake for the answer: a week or two off, a month off, a
    year off."""
    shifted = [value + dt.timedelta(days=d) for d in (-14, -7, 7, 14)]
    for months in (-1, 1):
        month = (value.month - 1 + months) % 12 + 1
        year = value.year + (value.month - 1 + months) // 12
        shifted.append(_safe_date(year, month, value.day))
    shifted += [_safe_date(value.year - 1, value.month, value.day),
                _safe_date(value.year + 1, value.month, value.day)]
    return [show(d) for d in shifted if d != value]


def _safe_date(year: int, month: int, day: int) -> dt.date:
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


def title_of(info: DramaInfo) -> str:
    return str(info.drama.title.value)


# -- the template context ------------------------------------------------------------------

@dataclass
class Context:
    """What a template needs: the material, a seeded rng and the sources to cite."""

    material: Material
    rng: random.Random
    sources: dict[str, Source]

    @property
    def drama(self) -> DramaInfo:
        return self.material.drama

    @property
    def slug(self) -> str:
        return self.material.drama.drama.slug

    @property
    def title(self) -> str:
        return title_of(self.material.drama)

    def question(self, key: str, kind: str, prompt: Prompt, answer: str,
                 tiers: Iterable[Iterable[str]], right: Iterable[str],
                 source_ids: Iterable[str], episode: int | None = None, *,
                 fact: str = "") -> Question | None:
        """Assemble a question about `fact` (default: its own key), or None when there
        are not enough fair distractors. `right` are the other right names: never
        distractors, and accepted when typed. A `Wording` is worded in the current
        language; a plain string (a pack's own question) is asked as written."""
        right = [r for r in right if r.strip()]
        distractors = pick_distractors(self.rng, tiers, [answer, *right])
        text = prompt if isinstance(prompt, str) else prompt.text
        english = prompt if isinstance(prompt, str) else prompt.english
        if distractors is None or len(answer) > LABEL_MAX or len(text) > PROMPT_MAX:
            return None
        accepted = tuple(r for r in dict.fromkeys(right) if r != answer)
        return Question(key, kind, text, answer, distractors,
                        source_names(source_ids, self.sources, long_date, current()), episode,
                        fact=fact, accepted=accepted, english=english)

    def drama_people(self) -> list[PersonRef]:
        """Everyone credited in the drama: cast, crew and OST artists."""
        refs = [m.person for m in self.drama.cast] + [m.person for m in self.drama.crew]
        refs += [a for t in self.drama.tracks for a in t.artists]
        seen: dict[str, PersonRef] = {}
        for ref in refs:
            seen.setdefault(ref.id, ref)
        return list(seen.values())


Template = Callable[[Context], Iterator[Question | None]]


def _actors(dramas: Iterable[DramaInfo]) -> list[str]:
    return [m.person.name for d in dramas for m in d.cast]


def _singers(dramas: Iterable[DramaInfo]) -> list[str]:
    return [a.name for d in dramas for t in d.tracks for a in t.artists]


def _crew(dramas: Iterable[DramaInfo], job: str | None = None) -> list[str]:
    return [m.person.name for d in dramas for m in d.crew
            if job is None or m.credit.job == job]


def _everyone(dramas: Iterable[DramaInfo]) -> list[str]:
    dramas = tuple(dramas)
    return _actors(dramas) + _crew(dramas) + _singers(dramas)


def _individuals(ctx: Context) -> list[str]:
    """People, not groups: the last pool for an actor or a crew member (a band is never
    a wrong choice for a screenwriter)."""
    return [p.name for p in ctx.material.persons() if p.kind == "person"]


def _no_groups(ctx: Context, names: Iterable[str]) -> list[str]:
    groups = {fold(p.name) for p in ctx.material.persons() if p.kind == "group"}
    return [n for n in names if fold(n) not in groups]


def _character(entry: CastEntry) -> str | None:
    """The role's name when it is on record and settled; packs may leave it out."""
    fact: Fact | None = entry.character
    return str(fact.value) if fact is not None and certain(fact) else None


def cast_fact(slug: str, member: CastMember) -> str:
    """The identity of a cast entry: who plays which role in which drama."""
    fact: Fact | None = member.entry.character
    role = fold(str(fact.value)) if fact is not None else "role"
    return f"{slug}:cast:{member.person.id}:{role}"


# -- drama templates -----------------------------------------------------------------------

def cast_actor(ctx: Context) -> Iterator[Question | None]:
    """Who plays a role."""
    for member in ctx.drama.cast:
        entry = member.entry
        character, fact = _character(entry), entry.character
        if character is None or fact is None or not well_sourced(entry.sources):
            continue
        same_role = [m.person for m in ctx.drama.cast
                     if same_name(_character(m.entry) or "", character)]
        right = [n for ref in same_role for n in ctx.material.person_names(ref)]
        yield ctx.question(
            f"{ctx.slug}:cast-actor:{member.person.id}", "cast-actor",
            worded(N_("Who plays {character} in {title}?"), character=character,
                   title=ctx.title), member.person.name,
            [_no_groups(ctx, _actors([ctx.drama])), _no_groups(ctx, _actors(ctx.material.others)),
             _individuals(ctx)],
            right, [*entry.sources, *fact.sources],
            max_episode(fact), fact=cast_fact(ctx.slug, member))


def cast_role(ctx: Context) -> Iterator[Question | None]:
    """Which character a person plays: the same fact as `cast_actor`, asked the other way."""
    for member in ctx.drama.cast:
        entry = member.entry
        character, fact = _character(entry), entry.character
        if character is None or fact is None or not well_sourced(entry.sources):
            continue
        roles = [m.entry for m in ctx.drama.cast if m.person.id == member.person.id]
        right = [n for e in roles for n in _character_names(e)]
        yield ctx.question(
            f"{ctx.slug}:cast-role:{member.person.id}", "cast-role",
            worded(N_("Which character does {person} play in {title}?"),
                   person=member.person.name, title=ctx.title), character,
            [_characters([ctx.drama]), _characters(ctx.material.others)],
            right, [*entry.sources, *fact.sources],
            max_episode(fact, entry.character_hangul),
            fact=cast_fact(ctx.slug, member))


def _character_names(entry: CastEntry) -> list[str]:
    fact: Fact | None = entry.character
    if fact is None:
        return []
    names = [str(fact.value), *entry.character_aliases]
    names += [str(r.value) for r in fact.also]
    if entry.character_hangul is not None:
        names.append(str(entry.character_hangul.value))
    return names


def _characters(dramas: Iterable[DramaInfo]) -> list[str]:
    """Settled role names only: a contested or single-source name is never shown, not
    even as a wrong choice."""
    return [c for d in dramas for m in d.cast if (c := _character(m.entry)) is not None]


def role_description(ctx: Context) -> Iterator[Question | None]:
    """Who a role is (its job or description), asked through the actor so that a
    contested character name is never stated."""
    for member in ctx.drama.cast:
        entry = member.entry
        if not (certain(entry.description) and well_sourced(entry.sources)):
            continue
        assert entry.description is not None
        yield ctx.question(
            f"{ctx.slug}:role-description:{member.person.id}", "role-description",
            worded(N_("In {title}, who is the character {person} plays?"), title=ctx.title,
                   person=member.person.name),
            str(entry.description.value),
            [_descriptions([ctx.drama]), _descriptions(ctx.material.others)],
            [str(m.entry.description.value) for m in ctx.drama.cast
             if m.person.id == member.person.id and m.entry.description is not None],
            [*entry.sources, *entry.description.sources],
            max_episode(entry.description),
            fact=f"{ctx.slug}:cast-description:{member.person.id}")


def _descriptions(dramas: Iterable[DramaInfo]) -> list[str]:
    return [str(m.entry.description.value) for d in dramas for m in d.cast
            if m.entry.description is not None and certain(m.entry.description)]


def crew(ctx: Context) -> Iterator[Question | None]:
    """Who directed, wrote, produced, ...: one question per job, every co-credited
    person counted right; the wrong choices hold the same job elsewhere, then any crew,
    then people (never a group)."""
    asked: set[str] = set()
    for member in ctx.drama.crew:
        credit, job = member.credit, member.credit.job
        if job is None or job in asked or credit.also or not well_sourced(credit.sources):
            continue  # a credit whose job is not on record is never asked
        asked.add(job)
        prompt = JOB_PROMPTS.get(job, OTHER_JOB_PROMPT)
        same_job = [m.person for m in ctx.drama.crew if m.credit.job == job]
        right = [n for ref in same_job for n in ctx.material.person_names(ref)]
        right += [str(r.value) for m in ctx.drama.crew if m.credit.job == job
                  for r in m.credit.also]
        yield ctx.question(
            f"{ctx.slug}:crew:{job}", "crew",
            worded(prompt, title=ctx.title, job=job.replace("-", " ")),
            member.person.name,
            [_no_groups(ctx, _crew(ctx.material.others, credit.job)),
             _no_groups(ctx, _crew(ctx.material.all_dramas)), _individuals(ctx)],
            right, credit.sources, fact=f"{ctx.slug}:crew:{job}")


def _track_prompt(track: TrackInfo, title: str, named: str, numbered: str) -> Wording:
    """A prompt about a track: naming its title when certain (`named`, with `{track}`),
    else its number (`numbered`, with `{number}`)."""
    if certain(track.track.title):
        assert track.track.title is not None
        return worded(named, track=str(track.track.title.value), title=title)
    return worded(numbered, number=track.track.number, title=title)


def track_artist(ctx: Context) -> Iterator[Question | None]:
    """Who sings a track. For a duet the first artist is the answer and the others are
    never distractors."""
    for info in ctx.drama.tracks:
        track = info.track
        if not track.artists or not well_sourced(track.artists[0].sources):
            continue
        if track.title is not None and not certain(track.title):
            continue  # a contested title must not be stated, and "track 7" alone misleads
        artist = info.artists[0]
        right = [n for ref in info.artists for n in ctx.material.person_names(ref)]
        yield ctx.question(
            f"{ctx.slug}:track-artist:{track.number}", "track-artist",
            _track_prompt(info, ctx.title, N_('Who sings "{track}" from the {title} OST?'),
                          N_("Who sings track {number} of the {title} OST?")),
            artist.name,
            [_singers([ctx.drama]), _singers(ctx.material.others),
             _everyone(ctx.material.all_dramas)],
            right, [*track.artists[0].sources, *(track.title.sources if track.title else ())],
            max_episode(track.title), fact=track_fact(ctx.slug, info))


def track_fact(slug: str, info: TrackInfo) -> str:
    """The identity of a track's (first) artist credit."""
    return f"{slug}:track-artist:{info.track.number}"


def artist_track(ctx: Context) -> Iterator[Question | None]:
    """Which track an artist sang (every track of that artist counts right): the same
    fact as `track_artist`, asked the other way."""
    for info in ctx.drama.tracks:
        track = info.track
        if not (certain(track.title) and track.artists and info.artists
                and well_sourced(track.artists[0].sources)):
            continue
        assert track.title is not None
        artist = info.artists[0]
        theirs = [t for t in ctx.drama.tracks if artist.id in {a.id for a in t.artists}]
        if len(theirs) > 1 and theirs[0] is not info:
            continue  # one question per artist
        right = [n for t in theirs for n in _track_titles(t)]
        yield ctx.question(
            f"{ctx.slug}:artist-track:{artist.id}", "artist-track",
            worded(N_("Which song from the {title} OST does {person} sing?"),
                   title=ctx.title, person=artist.name),
            str(track.title.value),
            [_all_track_titles([ctx.drama]), _all_track_titles(ctx.material.others)],
            right, [*track.artists[0].sources, *track.title.sources],
            max_episode(track.title), fact=track_fact(ctx.slug, info))


def _track_titles(info: TrackInfo) -> list[str]:
    facts = [info.track.title, info.track.korean_title]
    return [str(v) for f in facts if f is not None
            for v in (f.value, *(r.value for r in f.also))]


def _all_track_titles(dramas: Iterable[DramaInfo]) -> list[str]:
    return [str(t.track.title.value) for d in dramas for t in d.tracks
            if t.track.title is not None and certain(t.track.title)]


def track_release(ctx: Context) -> Iterator[Question | None]:
    """When a track was released."""
    for info in ctx.drama.tracks:
        track = info.track
        if not certain(track.release_date) or (track.title and not certain(track.title)):
            continue
        assert track.release_date is not None
        value = track.release_date.value
        if not isinstance(value, dt.date):
            continue
        yield ctx.question(
            f"{ctx.slug}:track-release:{track.number}", "track-release",
            _track_prompt(info, ctx.title,
                          N_('When was "{track}" from the {title} OST released?'),
                          N_("When was track {number} of the {title} OST released?")),
            show(value),
            [near_dates(value)], [], track.release_date.sources,
            max_episode(track.release_date, track.title))


def platform(ctx: Context) -> Iterator[Question | None]:
    fact = ctx.drama.drama.platform
    if certain(fact):
        assert fact is not None
        others = [str(d.drama.platform.value) for d in ctx.material.others
                  if d.drama.platform is not None]
        yield ctx.question(
            f"{ctx.slug}:platform", "platform",
            worded(N_("On which platform or channel was {title} released?"),
                   title=ctx.title), str(fact.value),
            [others, FALLBACK_PLATFORMS], [], fact.sources, max_episode(fact))


def episode_count(ctx: Context) -> Iterator[Question | None]:
    fact = ctx.drama.drama.episode_count
    if certain(fact) and fact is not None and isinstance(fact.value, int):
        yield ctx.question(
            f"{ctx.slug}:episode-count", "episode-count",
            worded(N_("How many episodes does {title} have?"), title=ctx.title),
            str(fact.value),
            [near_numbers(fact.value, ctx.rng)], [], fact.sources, max_episode(fact))


def dates(ctx: Context) -> Iterator[Question | None]:
    """Premiere and finale dates."""
    drama = ctx.drama.drama
    for name, fact, prompt in (
        ("premiere", drama.premiere, N_("When did {title} premiere?")),
        ("finale", drama.finale, N_("When did the final episode of {title} air?")),
    ):
        if certain(fact) and fact is not None and isinstance(fact.value, dt.date):
            yield ctx.question(
                f"{ctx.slug}:{name}", "dates", worded(prompt, title=ctx.title),
                show(fact.value), [near_dates(fact.value)], [], fact.sources,
                max_episode(fact))


def year(ctx: Context) -> Iterator[Question | None]:
    """The release year, where a pack knows only the year; the premiere's fact when the
    premiere is known (asking both would ask one thing twice)."""
    fact = ctx.drama.drama.year
    if certain(fact) and fact is not None and isinstance(fact.value, int):
        premiere = ctx.drama.drama.premiere
        same = (certain(premiere) and premiere is not None
                and isinstance(premiere.value, dt.date) and premiere.value.year == fact.value)
        yield ctx.question(
            f"{ctx.slug}:year", "year",
            worded(N_("In which year was {title} released?"), title=ctx.title),
            str(fact.value), [near_years(fact.value)], [], fact.sources, max_episode(fact),
            fact=f"{ctx.slug}:premiere" if same else "")


def date_fact(ctx: Context, value: dt.date) -> str:
    """One date, one fact: the first episode's air date is the premiere, the last one's
    the finale."""
    for name in ("premiere", "finale"):
        fact = getattr(ctx.drama.drama, name)
        if certain(fact) and fact.value == value:
            return f"{ctx.slug}:{name}"
    return ""


def _titles(dramas: Iterable[DramaInfo]) -> list[str]:
    return [str(f.value) for d in dramas
            for f in (d.drama.title, *d.drama.former_titles)]


def _drama_names(info: DramaInfo) -> list[str]:
    drama = info.drama
    facts = [drama.title, *drama.former_titles]
    names = [str(v) for f in facts for v in (f.value, *(r.value for r in f.also))]
    return names + list(drama.aliases)


def _work_titles(ctx: Context) -> list[str]:
    """Titles of works: other dramas and the people's other works."""
    works = [str(f.value) for p in ctx.material.persons() for f in p.other_works]
    return _titles(ctx.material.others) + works


def former_title(ctx: Context) -> Iterator[Question | None]:
    for index, fact in enumerate(ctx.drama.drama.former_titles):
        if not certain(fact):
            continue
        yield ctx.question(
            f"{ctx.slug}:former-title:{index}", "former-title",
            worded(N_("Under which former title was {title} known?"), title=ctx.title),
            str(fact.value),
            [_work_titles(ctx)], _drama_names(ctx.drama), fact.sources, max_episode(fact))


def korean_title(ctx: Context) -> Iterator[Question | None]:
    fact = ctx.drama.drama.korean_title
    if certain(fact) and fact is not None:
        others = [str(d.drama.korean_title.value) for d in ctx.material.others
                  if d.drama.korean_title is not None]
        yield ctx.question(
            f"{ctx.slug}:korean-title", "korean-title",
            worded(N_("What is the Korean title of {title}?"), title=ctx.title),
            str(fact.value), [others],
            [str(r.value) for r in fact.also], fact.sources, max_episode(fact))


def production_company(ctx: Context) -> Iterator[Question | None]:
    """Which company produced the drama (every credited company counts right)."""
    companies = ctx.drama.drama.production_companies
    mine = [str(f.value) for f in companies]
    others = [str(f.value) for d in ctx.material.others
              for f in d.drama.production_companies]
    for fact in companies:
        if not certain(fact):
            continue
        yield ctx.question(
            f"{ctx.slug}:company:{fold(str(fact.value))}", "company",
            worded(N_("Which of these companies worked on the production of {title}?"),
                   title=ctx.title),
            str(fact.value), [others], mine, fact.sources, max_episode(fact))


def episodes(ctx: Context) -> Iterator[Question | None]:
    """An episode's air date and title. An episode's own facts count as revealed by
    that episode, so `up_to_episode` keeps later titles out."""
    for episode in ctx.drama.episodes:
        where = {"number": episode.number, "title": ctx.title}
        fact = episode.air_date
        if certain(fact) and fact is not None and isinstance(fact.value, dt.date):
            yield ctx.question(
                f"{ctx.slug}:episode-date:{episode.number}", "episode",
                worded(N_("When did episode {number} of {title} first air?"), **where),
                show(fact.value), [near_dates(fact.value)],
                [], fact.sources, max(episode.number, max_episode(fact) or 0),
                fact=date_fact(ctx, fact.value))
        title = episode.title
        if certain(title) and title is not None:
            others = [str(e.title.value) for d in ctx.material.all_dramas
                      for e in d.episodes if e.title is not None and certain(e.title)]
            yield ctx.question(
                f"{ctx.slug}:episode-title:{episode.number}", "episode",
                worded(N_("What is the title of episode {number} of {title}?"), **where),
                str(title.value), [others],
                [str(r.value) for r in title.also], title.sources,
                max(episode.number, max_episode(title) or 0))


def trivia(ctx: Context) -> Iterator[Question | None]:
    """A trivia fact, asked as which drama its sources tell it of. The choices are
    titles, so no wrong statement is ever made up; the drama's own names are masked in
    the sentence, which must not give the answer away, and a sentence that names an
    unsettled fact (a contested role name) is not asked."""
    names = _drama_names(ctx.drama)
    masked = [*names, *_korean_titles(ctx.drama)]
    others = [title_of(d) for d in ctx.material.others]
    unsettled = _unsettled_names(ctx.drama)
    for item in ctx.drama.trivia:
        fact = item.fact
        translated = item.text_in(current())  # a game in Korean asks only Korean sentences
        if translated is None or not certain(fact) or any(
                _names_in(n, t) for n in unsettled for t in (str(fact.value), translated)):
            continue
        template = (N_("Which OST is this true of? “{text}”") if item.topic == "ost"
                    else N_("Which drama is this true of? “{text}”"))
        prompt = Written(_(template).format(text=mask_names(translated, masked)),
                         template.format(text=mask_names(str(fact.value), masked, "en")))
        digest = hashlib.sha1(str(fact.value).encode()).hexdigest()[:10]
        yield ctx.question(
            f"{ctx.slug}:trivia:{digest}", "trivia", prompt, ctx.title, [others], names,
            fact.sources, max_episode(fact))


def _korean_titles(info: DramaInfo) -> list[str]:
    title = info.drama.korean_title
    return [] if title is None else [str(v) for v in (title.value, *(r.value for r in
                                                                      title.also))]


def _unsettled_names(info: DramaInfo) -> list[str]:
    """Role names and track titles the quiz may not state (contested or single-source),
    every reading of them."""
    facts: list[Fact] = [m.entry.character for m in info.cast if _character(m.entry) is None
                         and m.entry.character is not None]
    facts += [t.track.title for t in info.tracks
              if t.track.title is not None and not certain(t.track.title)]
    return [str(v) for f in facts for v in (f.value, *(r.value for r in f.also))]


def _names_in(name: str, text: str) -> bool:
    """`name`, or a role's given name alone ("Eun-soo" of "Lee Eun-soo"), occurs in text."""
    words = name.split()
    forms = [name, " ".join(words[1:])] if len(words) > 1 else [name]
    return any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text, re.IGNORECASE)
               for f in forms if len(f) >= 3)


def mask_names(text: str, names: Iterable[str], language: str | None = None) -> str:
    """`text` with every name of the drama replaced by "this drama" (in `language`,
    default the current one)."""
    this_drama = "this drama" if language == DEFAULT else _("this drama")
    for name in sorted({n for n in names if len(n) >= 3}, key=len, reverse=True):
        text = re.sub(re.escape(name), this_drama, text, flags=re.IGNORECASE)
    return text[:1].upper() + text[1:]


def handwritten(ctx: Context) -> Iterator[Question | None]:
    """A pack's own `[[questions]]`, as written; with a single source the prompt names it.
    A question that names a group ("Which NCT member ...") is kept only when every
    choice is of that group: otherwise the wording gives the answer away."""
    for item in ctx.drama.questions:
        words = item.text_in(current())  # a game in Korean asks only Korean questions
        if words is None:
            continue
        digest = hashlib.sha1(item.question.encode()).hexdigest()[:10]
        prompt = Written(words.question, item.question)
        names = source_names(item.sources, ctx.sources, long_date, current())
        if len(set(item.sources)) < 2 and names:
            template = N_("According to {source}: {question}")
            prompt = Written(_(template).format(source=names[0], question=words.question),
                             template.format(source=names[0], question=item.question))
        if not _group_wording_fair(ctx, prompt.english, [item.answer, *item.wrong]):
            continue
        yield ctx.question(
            f"{ctx.slug}:hand:{digest}", "handwritten", prompt, words.answer,
            [words.wrong], [item.answer], item.sources, item.episode)


def _group_wording_fair(ctx: Context, prompt: str, choices: Sequence[str]) -> bool:
    people = ctx.material.persons()
    groups = {str(f.value) for p in people for f in p.groups}
    groups |= {p.name for p in people if p.kind == "group"}
    for group in groups:
        if not re.search(rf"(?<!\w){re.escape(group)}(?!\w)", prompt, re.IGNORECASE):
            continue
        members = [p for p in people
                   if any(same_name(str(f.value), group) for f in p.groups)]
        member_names = [n for p in members for n in (p.name, *p.aliases)]
        if not all(any(same_name(c, n) for n in member_names) for c in choices):
            return False
    return True


# -- person templates ----------------------------------------------------------------------

def _known_people(ctx: Context) -> Iterator[PersonInfo]:
    """The drama's people whose identity is well sourced, with their full records."""
    for ref in ctx.drama_people():
        info = ctx.material.people.get(ref.id)
        if info is not None and well_sourced(info.person.sources):
            yield info


def person_group(ctx: Context) -> Iterator[Question | None]:
    """Which group a person belongs to (every group of theirs counts right)."""
    people = ctx.material.persons()
    pool = [str(f.value) for p in people for f in p.groups]
    pool += [p.name for p in people if p.kind == "group"]
    for info in _known_people(ctx):
        mine = [str(v) for f in info.person.groups
                for v in (f.value, *(r.value for r in f.also))]
        for fact in info.person.groups:
            if certain(fact):
                yield ctx.question(
                    f"person:{info.person.id}:group:{fold(str(fact.value))}", "person-group",
                    worded(N_("Which group is {person} a member of?"),
                           person=info.person.name), str(fact.value),
                    [pool], mine, fact.sources, max_episode(fact))


def person_hangul(ctx: Context) -> Iterator[Question | None]:
    """A name in Hangul. Every choice has as many syllables as the answer, and one shares
    its surname when anyone does: "Park" gives 박 away when the answer is the only 박."""
    records = ctx.material.persons()
    kinds = {p.name: p.kind for p in records}
    pool = [(p.hangul, p.kind) for p in records if p.hangul]
    pool += [(m.person.hangul, kinds.get(m.person.name, "person"))
             for d in ctx.material.all_dramas for m in d.cast if m.person.hangul]
    for info in _known_people(ctx):
        hangul = info.person.hangul
        if not hangul:
            continue
        same = sorted({h for h, kind in pool if kind == info.person.kind
                       and len(fold(h)) == len(fold(hangul)) and fold(h) != fold(hangul)})
        tiers: list[list[str]] = [same]
        if info.person.kind == "person":
            kin = [h for h in same if h[0] == hangul[0]]
            if not kin:
                continue  # the surname alone would give the answer away
            tiers = [[ctx.rng.choice(kin)], [h for h in same if h[0] != hangul[0]], same]
        yield ctx.question(
            f"person:{info.person.id}:hangul", "person-hangul",
            worded(N_("How is {person}'s name written in Hangul?"),
                   person=info.person.name), hangul,
            tiers, [], info.person.sources)


def person_work(ctx: Context) -> Iterator[Question | None]:
    """Another work of a person, against works they have no credit in."""
    for info in _known_people(ctx):
        theirs = [str(f.value) for f in info.person.other_works]
        theirs += [r.drama.title for r in info.roles] + [c.drama.title for c in info.crew]
        theirs += [t.drama.title for t in info.tracks]
        for fact in info.person.other_works:
            if certain(fact):
                yield ctx.question(
                    f"person:{info.person.id}:work:{fold(str(fact.value))}", "person-work",
                    worded(N_("Which of these works is {person} also known for?"),
                           person=info.person.name),
                    str(fact.value), [_work_titles(ctx)], theirs, fact.sources,
                    max_episode(fact))


TEMPLATES: dict[str, Template] = {
    "cast-actor": cast_actor,
    "cast-role": cast_role,
    "role-description": role_description,
    "crew": crew,
    "track-artist": track_artist,
    "artist-track": artist_track,
    "track-release": track_release,
    "platform": platform,
    "episode-count": episode_count,
    "dates": dates,
    "year": year,
    "former-title": former_title,
    "korean-title": korean_title,
    "company": production_company,
    "episode": episodes,
    "person-group": person_group,
    "person-hangul": person_hangul,
    "person-work": person_work,
    "trivia": trivia,
    "handwritten": handwritten,
}


# -- generation and choice -----------------------------------------------------------------

def generate(material: Material, rng: random.Random, *, up_to_episode: int | None = None,
             templates: Mapping[str, Template] | None = None) -> list[Question]:
    """Every question the material supports, with nothing revealed after `up_to_episode`
    (neither asked nor offered as a wrong choice). Deterministic for a given rng state;
    keys are unique. A hand-written question that restates a generated one (the same
    answer, about the same subject) becomes another wording of that fact, with the
    template's fair choices."""
    visible = without_spoilers(material, up_to_episode)
    ctx = Context(visible, rng, material.sources())
    found: dict[str, Question] = {}
    for template in (templates or TEMPLATES).values():
        for question in template(ctx):
            if question is None or question.key in found:
                continue
            if up_to_episode is not None and (question.episode or 0) > up_to_episode:
                continue
            found[question.key] = question
    made = [q for q in found.values() if q.kind != "handwritten"]
    people = {loose(n) for p in visible.persons() for n in (p.name, *p.aliases)}
    return [q if q.kind != "handwritten" else _as_wording(q, made, people, ctx.title)
            for q in found.values()]


def _as_wording(hand: Question, made: Sequence[Question], people: set[str],
                title: str) -> Question:
    """A hand-written question as a wording of the generated question it restates, if
    any: that question's fact, answer label, wrong choices and accepted names."""
    same = _restated(hand, made, people, title)
    if same is None:
        return hand
    sources = tuple(dict.fromkeys((*hand.sources, *same.sources)))
    return dataclasses.replace(
        hand, answer=same.answer, distractors=same.distractors, sources=sources,
        episode=max(hand.episode or 0, same.episode or 0) or None, fact=same.fact,
        accepted=same.accepted)


def _restated(hand: Question, made: Sequence[Question], people: set[str], title: str
              ) -> Question | None:
    """The generated question a hand-written one asks again: the same answer and, when
    the answer is a person (who answers many facts), a word of the generated question's
    subject ("Han Sun-woo", "directed") in the hand-written prompt."""
    answers = _answer_keys(hand)  # a translated question also has the English answer
    words = _words(hand.english)
    for question in made:
        if not answers & _answer_keys(question):
            continue
        subject = _words(question.english) - _words(title) - STOP_WORDS
        if not answers & people or subject & words:
            return question
    return None


def _answer_keys(question: Question) -> set[str]:
    return {_answer_key(a) for a in (question.answer, *question.accepted)}


def _answer_key(text: str) -> str:
    """How two answers compare: one date however written, else one name by the store's
    folding."""
    date = parse_date(text)
    return date.isoformat() if date is not None else loose(text)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


STOP_WORDS = frozenset((
    "a", "an", "and", "as", "at", "by", "did", "do", "does", "for", "from", "has", "have",
    "his", "her", "how", "in", "is", "it", "its", "of", "on", "or", "s", "the", "their",
    "this", "to", "was", "were", "what", "when", "where", "which", "who", "whom", "whose",
    "with"))


# -- spoilers ------------------------------------------------------------------------------

NO_LIMIT = 1 << 30


def without_spoilers(material: Material, up_to_episode: int | None) -> Material:
    """The material with everything an episode after `up_to_episode` reveals removed:
    such facts, the cast entries and hand-written questions that depend on them, and the
    later episodes. Other dramas lose every episode-tagged fact (nobody said how far the
    players are in those), so no wrong choice can spoil them either."""
    limit = NO_LIMIT if up_to_episode is None else up_to_episode
    drama = _scrub(material.drama, limit, limit) or material.drama  # a title is never tagged
    others = tuple(_scrub(d, 0, NO_LIMIT) for d in material.others)
    people = {k: _scrub(p, limit, NO_LIMIT) for k, p in material.people.items()}
    neighbours = {k: _scrub(p, limit, NO_LIMIT) for k, p in material.neighbours.items()}
    return Material(drama, tuple(o for o in others if o is not None),
                    {k: p for k, p in people.items() if p is not None},
                    {k: p for k, p in neighbours.items() if p is not None})


def _scrub(obj: T, facts: int, episodes: int) -> T | None:
    """`obj` without facts tagged with an episode after `facts`, and without `Episode`
    entries after `episodes`; None when `obj` itself must go (it is such a fact or
    episode, or a required part of it went)."""
    if isinstance(obj, Fact):
        return obj if (obj.episode or 0) <= facts else None
    if isinstance(obj, Episode) and obj.number > episodes:
        return None
    if isinstance(obj, PackQuestion) and (obj.episode or 0) > facts:
        return None
    if isinstance(obj, tuple):
        kept = (_scrub(item, facts, episodes) for item in obj)
        return cast(T, tuple(item for item in kept if item is not None))
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    changes: dict[str, object] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        scrubbed = _scrub(value, facts, episodes)
        if scrubbed is None and value is not None:
            required = (f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING)
            if required:
                return None
        if scrubbed is not value:
            changes[f.name] = scrubbed
    return dataclasses.replace(obj, **changes) if changes else obj


def choose(questions: Sequence[Question], count: int, rng: random.Random,
           recent: Mapping[str, float] | None = None) -> list[Question]:
    """Pick `count` questions, each about a different fact. `recent` maps the facts this
    channel was asked to when (larger is later): facts never asked come first, then the
    least recently asked, so no fact comes back before every other has had its turn.
    Among the facts never asked the kinds are taken in turn for variety, and two
    questions with one answer are not put together while others remain; the facts asked
    before come strictly least recent first, so the rotation is exact."""
    recent = recent or {}
    by_fact: dict[str, list[Question]] = {}
    for question in questions:
        by_fact.setdefault(question.fact, []).append(question)
    one = {fact: rng.choice(sorted(qs, key=lambda q: q.key)) for fact, qs in by_fact.items()}
    fresh = [q for fact, q in sorted(one.items()) if fact not in recent]
    stale = sorted((q for fact, q in one.items() if fact in recent),
                   key=lambda q: (recent[q.fact], q.fact))
    chosen: list[Question] = []
    answers: set[str] = set()
    _take(_interleave(fresh, rng), count, chosen, answers)
    _take(stale, count, chosen, answers, strict=True)  # the rotation's order comes first
    return chosen


def _take(tier: Sequence[Question], count: int, chosen: list[Question],
          answers: set[str], *, strict: bool = False) -> None:
    """Fill `chosen` from one tier: distinct answers first, then the rest of the tier;
    `strict` keeps the tier's order (no reordering for distinct answers)."""
    for distinct in ((False,) if strict else (True, False)):
        for question in tier:
            if len(chosen) >= count:
                return
            if question in chosen or (distinct and fold(question.answer) in answers):
                continue
            chosen.append(question)
            answers.add(fold(question.answer))


def _interleave(questions: Sequence[Question], rng: random.Random) -> list[Question]:
    """Shuffle within each kind, then deal the kinds round-robin in a shuffled order. In
    a game across dramas the dramas are dealt round-robin first (in a shuffled order, each
    dealing its own kinds in turn), so every drama in the pool has its turn, not only the
    one with the most facts."""
    by_drama = _grouped(questions, lambda q: q.key.partition(":")[0])
    if len(by_drama) == 1:
        return _by_kind(questions, rng)
    dealt = [_by_kind(by_drama[drama], rng) for drama in sorted(by_drama)]
    rng.shuffle(dealt)
    return _round_robin(dealt)


def _by_kind(questions: Sequence[Question], rng: random.Random) -> list[Question]:
    by_kind = _grouped(questions, lambda q: q.kind)
    kinds = sorted(by_kind)
    rng.shuffle(kinds)
    for kind in kinds:
        rng.shuffle(by_kind[kind])
    return _round_robin([by_kind[kind] for kind in kinds])


def _grouped(questions: Sequence[Question], key: Callable[[Question], str]
             ) -> dict[str, list[Question]]:
    groups: dict[str, list[Question]] = {}
    for question in questions:
        groups.setdefault(key(question), []).append(question)
    return groups


def _round_robin(lists: Sequence[list[Question]]) -> list[Question]:
    """One from each list in turn, until all are used up."""
    out: list[Question] = []
    for layer in itertools.zip_longest(*lists):
        out.extend(q for q in layer if q is not None)
    return out


# -- loading from the fact store -----------------------------------------------------------

async def load_material(store: FactStore, slug: str,
                        seed: int | str | None = None) -> Material | None:
    """Read what a game on `slug` needs: the drama, up to NEIGHBOUR_DRAMAS other dramas
    (sampled in SQL, the same ones for the same `seed`, which defaults to the slug) for
    the wrong choices, the full records of the drama's own people (asked about) and the
    bare records of everyone else in the other dramas (wrong choices only).

    The number of queries is fixed by the drama and NEIGHBOUR_DRAMAS, never by the size
    of the store: `/quiz start` waits for this before its first game on a drama."""
    drama = await store.drama(slug)
    if drama is None:
        return None
    refs = await store.sample_dramas(NEIGHBOUR_DRAMAS, slug if seed is None else seed,
                                     exclude=[slug])
    others = [o for o in [await store.drama(r.slug) for r in refs] if o is not None]
    own = {ref.id: ref for ref in _people_of(drama)}
    people: dict[str, PersonInfo] = {}
    for person_id in own:
        if (person := await store.person(person_id)) is not None:
            people[person_id] = person
    met = {ref.id for info in others for ref in _people_of(info)} - own.keys()
    return Material(drama, tuple(others), people, await store.person_records(met))


def _people_of(info: DramaInfo) -> list[PersonRef]:
    refs = [m.person for m in info.cast] + [m.person for m in info.crew]
    return refs + [a for t in info.tracks for a in t.artists]
