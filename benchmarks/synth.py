"""Synthetic data packs (docs/pack-format.md, format 1) for measuring how the bot's costs
grow with the data.

The shape follows the bundled packs so the fact store, the name index and the quiz do the
same work per drama as with real data: every drama has a title in two languages, dates, a
cast with leads, a director and a writer, a soundtrack, a trivia line; people appear in
several dramas (an actor's filmography), names are Korean names that really collide the
way "Kim Min-ji" does, and some facts are contested or single-source. Output is
deterministic for a given size and seed, so two runs measure the same data.

    python -m benchmarks.synth --dramas 1000 --out /tmp/packs
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

# Proportions per drama. People are shared: drawn from a pool of 3 per drama, each one
# used appears in about 3.5 dramas (an actor's filmography).
CAST_PER_DRAMA = 4
LEADS_PER_DRAMA = 2
TRACKS_PER_DRAMA = 4
PEOPLE_PER_DRAMA = 3
CONTESTED_EVERY = 10  # one character name in ten has a second reading

FAMILY = (
    ("Kim", "김"), ("Lee", "이"), ("Park", "박"), ("Choi", "최"), ("Jung", "정"),
    ("Kang", "강"), ("Cho", "조"), ("Yoon", "윤"), ("Jang", "장"), ("Lim", "임"),
    ("Han", "한"), ("Oh", "오"), ("Seo", "서"), ("Shin", "신"), ("Kwon", "권"),
    ("Hwang", "황"), ("Ahn", "안"), ("Song", "송"), ("Yoo", "유"), ("Hong", "홍"),
)  # fmt: skip
SYLLABLES = (
    ("min", "민"), ("ji", "지"), ("seo", "서"), ("hyun", "현"), ("woo", "우"),
    ("jin", "진"), ("soo", "수"), ("yeon", "연"), ("ha", "하"), ("eun", "은"),
    ("joon", "준"), ("hee", "희"), ("young", "영"), ("sung", "성"), ("kyung", "경"),
    ("na", "나"), ("ra", "라"), ("bin", "빈"), ("hye", "혜"), ("jae", "재"),
    ("do", "도"), ("yun", "윤"), ("chan", "찬"), ("ho", "호"), ("kyu", "규"),
    ("won", "원"), ("tae", "태"), ("sang", "상"), ("mi", "미"), ("ah", "아"),
    ("so", "소"), ("bo", "보"), ("gyu", "규"), ("il", "일"), ("hoon", "훈"),
    ("seok", "석"), ("yeong", "영"), ("dam", "담"), ("rim", "림"), ("ye", "예"),
)  # fmt: skip
ADJECTIVES = (
    "Secret", "Hidden", "Last", "First", "Eternal", "Crimson", "Silent", "Golden",
    "Midnight", "Lovely", "Strange", "Brave", "Lonely", "Sweet", "Bitter", "Wild",
    "Gentle", "Royal", "Fallen", "Distant", "Endless", "Frozen", "Burning", "Little",
    "Perfect", "Broken", "Sudden", "Quiet", "Shining", "Fated", "Hopeful", "Reckless",
)  # fmt: skip
NOUNS = (
    "Garden", "Moon", "Prince", "Queen", "Doctor", "Lawyer", "Detective", "Summer",
    "Winter", "Spring", "Melody", "Song", "Letter", "Promise", "Journey", "Kingdom",
    "Hospital", "Kitchen", "Office", "Village", "River", "Mountain", "Island", "Station",
    "Soundtrack", "Romance", "Revenge", "Family", "Mystery", "Legacy", "Heir", "Star",
    "Diary", "Bakery", "Palace", "Agency", "Signal", "Memory", "Season", "Wedding",
)  # fmt: skip
PATTERNS = ("The {a} {n}", "{a} {n}", "My {a} {n}", "{n} of the {a} {m}", "{a} {n}'s {m}")
KOREAN_SYLLABLES = "사랑비밀별달꽃바다하늘봄여름겨울노래편지약속왕비의사가족기억"
PLATFORMS = ("Disney+", "Netflix", "tvN", "JTBC", "KBS2", "MBC", "SBS", "TVING", "Coupang Play")
GENRES = ("romance", "comedy", "thriller", "melodrama", "fantasy", "legal", "medical")
OUTLETS = 40  # per-drama sources come from this pool of press outlets
PEOPLE_SOURCES = ("synth-agency", "synth-people-db")  # cited by every person record


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    hangul: str
    occupation: str


@dataclass(frozen=True)
class Manifest:
    """What was written, and names to query that exist in it (the benchmark's inputs)."""

    dramas: int
    people: int
    tracks: int
    bytes: int
    drama_title: str
    drama_slug: str
    person_name: str
    person_query: str  # what /person is given: the name, or the id when namesakes exist
    track_number: int
    autocomplete_text: str


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def toml_str(text: str) -> str:
    """A TOML basic string. JSON's escapes are a subset of TOML's, so json.dumps is exact."""
    return json.dumps(text, ensure_ascii=False)


def make_people(rng: random.Random, count: int) -> list[Person]:
    """`count` people with Korean names. Names repeat at scale, as they do in life; ids stay
    unique with a numeric suffix."""
    seen: Counter[str] = Counter()
    occupations = ("actor", "actor", "singer", "director", "writer")
    people = []
    for index in range(count):
        (family, family_h), (a, a_h), (b, b_h) = (
            rng.choice(FAMILY), rng.choice(SYLLABLES), rng.choice(SYLLABLES))
        name = f"{family} {a.capitalize()}-{b}"
        base = slugify(name)
        seen[base] += 1
        person_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        people.append(Person(person_id, name, family_h + a_h + b_h, occupations[index % 5]))
    return people


def make_titles(rng: random.Random, count: int) -> list[str]:
    """`count` distinct English titles; a repeated title becomes a sequel ("… 2")."""
    seen: Counter[str] = Counter()
    titles = []
    for _ in range(count):
        pattern = rng.choice(PATTERNS)
        title = pattern.format(a=rng.choice(ADJECTIVES), n=rng.choice(NOUNS), m=rng.choice(NOUNS))
        seen[title] += 1
        titles.append(title if seen[title] == 1 else f"{title} {seen[title]}")
    return titles


def fact(value: str | int | dt.date, sources: tuple[str, ...], also: str = "") -> str:
    """An inline fact table; `also` is an already rendered list of other readings."""
    rendered = toml_str(value) if isinstance(value, str) else str(value)
    refs = ", ".join(toml_str(s) for s in sources)
    extra = f", also = [{also}]" if also else ""
    return f"{{ value = {rendered}, sources = [{refs}]{extra} }}"


def korean_title(rng: random.Random) -> str:
    return "".join(rng.choice(KOREAN_SYLLABLES) for _ in range(rng.randint(2, 5)))


def source_tables(outlets: tuple[str, ...]) -> list[str]:
    """Every pack declares the sources it cites; a source's table is the same everywhere."""
    lines = []
    for source_id in (*PEOPLE_SOURCES, *outlets):
        name = source_id.removeprefix("synth-").replace("-", " ").title()
        lines += [f"[sources.{source_id}]", f"name = {toml_str(name)}", 'kind = "outlet"', ""]
    return lines


def drama_table(rng: random.Random, slug: str, title: str, both: tuple[str, ...]) -> list[str]:
    premiere = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000))
    episodes = rng.choice((8, 10, 12, 16, 16, 16, 20))
    return [
        "[drama]",
        f"slug = {toml_str(slug)}",
        f"title = {fact(title, both)}",
        f"korean_title = {fact(korean_title(rng), both)}",
        f"aliases = [{toml_str(re.sub(r'[^A-Za-z0-9 ]', '', title))}]",
        f"platform = {fact(rng.choice(PLATFORMS), both)}",
        'country = ' + fact("South Korea", both),
        f"genres = [{fact(rng.choice(GENRES), both)}]",
        f"premiere = {fact(premiere, both)}",
        f"finale = {fact(premiere + dt.timedelta(weeks=episodes // 2), both)}",
        f"episode_count = {fact(episodes, both)}",
        f"synopsis = {fact(f'A story about {title.lower()}, told in {episodes} episodes.', both)}",
        "",
    ]


def cast_tables(rng: random.Random, cast: list[Person], both: tuple[str, ...]) -> list[str]:
    lines = []
    for index, person in enumerate(cast):
        character = f"{rng.choice(FAMILY)[0]} {rng.choice(SYLLABLES)[0].capitalize()}"
        also = ""
        if rng.randrange(CONTESTED_EVERY) == 0:  # outlets disagree on the romanisation
            also = f"{{ value = {toml_str(character + 'h')}, sources = [{toml_str(both[1])}] }}"
            character_fact = fact(character, both[:1], also)
        else:
            character_fact = fact(character, both)
        billing = "lead" if index < LEADS_PER_DRAMA else "supporting"
        lines += [
            "[[cast]]", f"person = {toml_str(person.id)}", f"character = {character_fact}",
            f'billing = "{billing}"', f"sources = [{', '.join(map(toml_str, both))}]", "",
        ]
    return lines


def credit_tables(crew: list[Person], both: tuple[str, ...]) -> list[str]:
    lines = []
    for person, job in zip(crew, ("director", "writer"), strict=True):
        lines += ["[[credits]]", f"person = {toml_str(person.id)}", f'job = "{job}"',
                  f"sources = [{', '.join(map(toml_str, both))}]", ""]
    return lines


def track_tables(
    rng: random.Random, singers: list[Person], both: tuple[str, ...], premiere: int
) -> list[str]:
    lines = []
    for number, singer in enumerate(singers, start=1):
        release = dt.date(2000, 1, 1) + dt.timedelta(days=premiere + 7 * number)
        song = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        lines += [
            "[[ost]]", f"number = {number}", f"title = {fact(song, both)}",
            f"korean_title = {fact(korean_title(rng), both[:1])}",
            f"artists = [{{ person = {toml_str(singer.id)}, sources = [{toml_str(both[0])}] }}]",
            f"release_date = {fact(release, both)}",
            "",
        ]
    return lines


def trivia_table(title: str, both: tuple[str, ...]) -> list[str]:
    sentence = toml_str(f"{title} was filmed in Seoul.")
    refs = ", ".join(map(toml_str, both))
    return ["[[trivia]]", 'topic = "production"', f"value = {sentence}", f"sources = [{refs}]", ""]


def people_tables(people: list[Person]) -> list[str]:
    lines = []
    refs = ", ".join(map(toml_str, PEOPLE_SOURCES))
    for person in sorted(set(people), key=lambda p: p.id):
        lines += [
            f"[people.{person.id}]", f"name = {toml_str(person.name)}",
            f"hangul = {toml_str(person.hangul)}",
            f"aliases = [{toml_str(person.name.replace('-', ' '))}]",
            f"occupations = [{fact(person.occupation, PEOPLE_SOURCES)}]",
            f"sources = [{refs}]", "",
        ]
    return lines


def pack_text(rng: random.Random, slug: str, title: str, people: list[Person]) -> str:
    """One pack: people[0:4] cast, [4:6] director and writer, [6:10] the OST's singers."""
    outlets = tuple(sorted(rng.sample([f"outlet-{i:02d}" for i in range(OUTLETS)], 2)))
    cast, crew = people[:CAST_PER_DRAMA], people[CAST_PER_DRAMA:CAST_PER_DRAMA + 2]
    singers = people[CAST_PER_DRAMA + 2:]
    lines = ["format = 1", "", *source_tables(outlets)]
    lines += drama_table(rng, slug, title, outlets)
    lines += cast_tables(rng, cast, outlets)
    lines += credit_tables(crew, outlets)
    lines += track_tables(rng, singers, outlets, rng.randrange(9000))
    lines += trivia_table(title, outlets)
    lines += people_tables(people)
    return "\n".join(lines)


def write_packs(out_dir: Path, dramas: int, seed: int = 1) -> Manifest:
    """Write `dramas` packs into `out_dir` (created; existing *.toml files are removed) and
    return what was written, with names that exist in it for the benchmark to ask for."""
    if dramas < 1:
        raise ValueError("dramas must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.toml"):
        old.unlink()
    rng = random.Random(seed)
    pool = make_people(rng, max(PEOPLE_PER_DRAMA * dramas, 12))
    total_bytes, used = 0, set[str]()
    sample: tuple[str, str, list[Person]] = ("", "", [])
    for index, title in enumerate(make_titles(rng, dramas)):
        slug, people = slugify(title), rng.sample(pool, CAST_PER_DRAMA + 2 + TRACKS_PER_DRAMA)
        data = pack_text(rng, slug, title, people).encode()
        (out_dir / f"{slug}.toml").write_bytes(data)
        total_bytes += len(data)
        used.update(p.id for p in people)
        if index == dramas // 2:
            sample = (slug, title, people)
    namesakes = Counter(p.name for p in pool if p.id in used)
    return _manifest(dramas, len(used), total_bytes, sample, namesakes)


def _manifest(
    dramas: int, people_count: int, total_bytes: int,
    sample: tuple[str, str, list[Person]], namesakes: Counter[str],
) -> Manifest:
    """Names to query from the middle drama. `/person` gets a lead's name if no one else
    has it, else the lead's id, which is what Discord sends when the user picks the name
    from the autocomplete: either way it resolves to one person (a bare name shared by
    namesakes makes the bot ask which one, another path)."""
    slug, title, people = sample
    unique = [p for p in people[:CAST_PER_DRAMA] if namesakes[p.name] == 1]
    person = (unique or people)[0]
    query = person.name if unique else person.id
    return Manifest(
        dramas=dramas,
        people=people_count,
        tracks=dramas * TRACKS_PER_DRAMA,
        bytes=total_bytes,
        drama_title=title,
        drama_slug=slug,
        person_name=person.name,
        person_query=query,
        track_number=min(3, TRACKS_PER_DRAMA),
        autocomplete_text=_typed_prefix(title),
    )


def _typed_prefix(title: str) -> str:
    """What a user has typed when autocomplete fires: four letters of a distinctive word."""
    words = [w for w in title.split() if w.isalpha() and w not in ("The", "My", "of", "the")]
    return words[0][:4].lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dramas", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    manifest = write_packs(args.out, args.dramas, args.seed)
    print(json.dumps(asdict(manifest), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
