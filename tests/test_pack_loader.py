"""Tests for the data-pack loader: a valid pack becomes the exact model, and every kind of
mistake an author can make is reported with its file, key path and a readable message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.packs.loader import check_packs, format_errors, load_pack, load_packs
from bot.packs.model import (
    ArtistCredit,
    CastEntry,
    Credit,
    Drama,
    Episode,
    Fact,
    FactValue,
    Pack,
    PackError,
    PackLoadError,
    Person,
    Question,
    Reading,
    Source,
    Track,
    Trivia,
)

BASE = """\
format = 1

[sources.seed-002]
name = "seed 002"
kind = "article"
file = "002_61108b1a3dd9b5a0.txt"
published = 2022-03-01

[sources.nme]
name = "NME"
kind = "outlet"

[drama]
slug = "soundtrack1"
title = { value = "Soundtrack #1", sources = ["seed-002", "nme"] }
aliases = ["Soundtrack 1"]
premiere = { value = 2022-03-23, sources = ["seed-002"], note = "4 pm KST" }
episode_count = { value = 4, sources = ["seed-002", "nme"] }
genres = [{ value = "romance", sources = ["nme"] }]

[[episodes]]
number = 1
air_date = { value = 2022-03-23, sources = ["seed-002"] }

[[episodes]]
number = 2

[[cast]]
person = "han-so-hee"
character = { value = "Lee Eun-soo", sources = ["seed-002"], also = [
  { value = "Seo Eun-soo", sources = ["nme"] },
] }
billing = "lead"
sources = ["seed-002", "nme"]

[[credits]]
person = "kim-hee-won"
job = "director"
sources = ["nme"]

[[ost]]
number = 1
title = { value = "Love", sources = ["nme"] }
artists = [{ person = "han-so-hee", sources = ["nme"] }]

[[trivia]]
value = "The drama was filmed in Seoul."
sources = ["seed-002"]
topic = "production"
episode = 2

[[questions]]
question = "Who plays Eun-soo?"
answer = "Han So-hee"
wrong = ["IU", "Suzy", "Jisoo"]
sources = ["seed-002", "nme"]

[people.han-so-hee]
name = "Han So-hee"
hangul = "한소희"
aliases = ["Han So Hee"]
occupations = [{ value = "actress", sources = ["nme"] }]
sources = ["seed-002"]

[people.kim-hee-won]
name = "Kim Hee-won"
sources = ["nme"]
"""

# A second, valid pack that shares a person and a source with BASE.
OTHER = """\
format = 1

[sources.nme]
name = "NME"
kind = "outlet"

[drama]
slug = "other"
title = { value = "Other Drama", sources = ["nme"] }

[[cast]]
person = "han-so-hee"
character = { value = "Yoo Na-bi", sources = ["nme"] }
sources = ["nme"]

[people.han-so-hee]
name = "Han So-hee"
aliases = ["Han So Hee", "Han Sohee"]
occupations = [{ value = "actress", sources = ["nme"] }, { value = "model", sources = ["nme"] }]
sources = ["nme"]
"""


def variant(old: str, new: str, base: str = BASE) -> str:
    """BASE with one exact snippet replaced (the snippet must occur exactly once)."""
    assert base.count(old) == 1, f"snippet not unique in base: {old!r}"
    return base.replace(old, new)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- valid pack


def expected_pack(path: Path) -> Pack:
    def fact(value: FactValue, *sources: str, episode: int | None = None) -> Fact:
        return Fact(primary=Reading(value, sources), episode=episode)

    han = Person(
        id="han-so-hee",
        name="Han So-hee",
        sources=("seed-002",),
        hangul="한소희",
        aliases=("Han So Hee",),
        occupations=(fact("actress", "nme"),),
    )
    return Pack(
        path=str(path),
        drama=Drama(
            slug="soundtrack1",
            title=fact("Soundtrack #1", "seed-002", "nme"),
            aliases=("Soundtrack 1",),
            premiere=Fact(Reading(dt.date(2022, 3, 23), ("seed-002",), "4 pm KST")),
            episode_count=fact(4, "seed-002", "nme"),
            genres=(fact("romance", "nme"),),
        ),
        sources={
            "seed-002": Source(
                "seed-002",
                "seed 002",
                "article",
                file="002_61108b1a3dd9b5a0.txt",
                published=dt.date(2022, 3, 1),
            ),
            "nme": Source("nme", "NME", "outlet"),
        },
        episodes=(
            Episode(1, air_date=fact(dt.date(2022, 3, 23), "seed-002")),
            Episode(2),
        ),
        cast=(
            CastEntry(
                person="han-so-hee",
                character=Fact(
                    Reading("Lee Eun-soo", ("seed-002",)),
                    also=(Reading("Seo Eun-soo", ("nme",)),),
                ),
                sources=("seed-002", "nme"),
                billing="lead",
            ),
        ),
        credits=(Credit("kim-hee-won", "director", ("nme",)),),
        ost=(
            Track(
                1,
                artists=(ArtistCredit("han-so-hee", ("nme",)),),
                title=fact("Love", "nme"),
            ),
        ),
        trivia=(
            Trivia(fact("The drama was filmed in Seoul.", "seed-002", episode=2), "production"),
        ),
        questions=(
            Question(
                "Who plays Eun-soo?",
                "Han So-hee",
                ("IU", "Suzy", "Jisoo"),
                ("seed-002", "nme"),
            ),
        ),
        people={
            "han-so-hee": han,
            "kim-hee-won": Person("kim-hee-won", "Kim Hee-won", ("nme",)),
        },
    )


def test_valid_pack_becomes_the_exact_model(tmp_path: Path) -> None:
    path = tmp_path / "soundtrack1.toml"
    path.write_text(BASE, encoding="utf-8")
    pack = load_pack(path)
    assert pack == expected_pack(path)
    assert pack.cast[0].character.contested
    assert not pack.drama.title.single_source


def test_load_packs_gives_a_packset(tmp_path: Path) -> None:
    folder = write(tmp_path / "packs", {"soundtrack1.toml": BASE, "other.toml": OTHER})
    packset = load_packs(folder)
    assert [p.drama.slug for p in packset.packs] == ["other", "soundtrack1"]
    assert set(packset.sources) == {"nme", "seed-002"}
    assert set(packset.people) == {"han-so-hee", "kim-hee-won"}
    assert check_packs(folder) == []


# --------------------------------------------------------------------------- errors

SOUNDTRACK = "soundtrack1.toml"

# (test id, files, expected file, expected key path, fragment of the message)
ERROR_CASES: list[tuple[str, dict[str, str], str, str, str]] = [
    (
        "toml syntax error",
        {SOUNDTRACK: variant('name = "NME"', 'name = "NME')},
        SOUNDTRACK,
        "",
        "(at line 10, column 12)",
    ),
    (
        "missing required key",
        {SOUNDTRACK: variant('name = "Kim Hee-won"\n', "")},
        SOUNDTRACK,
        "people.kim-hee-won.name",
        "required key 'name' is missing",
    ),
    (
        "missing drama",
        {SOUNDTRACK: BASE[: BASE.index("[drama]")] + BASE[BASE.index("[[episodes]]") :]},
        SOUNDTRACK,
        "drama",
        "required key 'drama' is missing",
    ),
    (
        "wrong type: text for a number",
        {SOUNDTRACK: variant("number = 2", 'number = "2"')},
        SOUNDTRACK,
        "episodes[1].number",
        "must be a whole number",
    ),
    (
        "wrong type: text for a date",
        {
            SOUNDTRACK: variant(
                'value = 2022-03-23, sources = ["seed-002"], note',
                'value = "2022-03-23", sources = ["seed-002"], note',
            )
        },
        SOUNDTRACK,
        "drama.premiere.value",
        "must be a date like 2022-03-23",
    ),
    (
        "bool as int",
        {SOUNDTRACK: variant("number = 2", "number = true")},
        SOUNDTRACK,
        "episodes[1].number",
        "not true/false",
    ),
    (
        "float as int",
        {
            SOUNDTRACK: variant(
                'value = 4, sources = ["seed-002", "nme"]', "value = 4.0, sources = []"
            )
        },
        SOUNDTRACK,
        "drama.episode_count.value",
        "not the decimal number 4.0",
    ),
    (
        "date with a time",
        {SOUNDTRACK: variant("published = 2022-03-01", "published = 2022-03-01T10:00:00")},
        SOUNDTRACK,
        "sources.seed-002.published",
        "not a date with a time of day",
    ),
    (
        "plain value where a fact is needed",
        {SOUNDTRACK: variant('aliases = ["Soundtrack 1"]', 'platform = "Disney+"')},
        SOUNDTRACK,
        "drama.platform",
        "must be a fact",
    ),
    (
        "unknown key with suggestion",
        {SOUNDTRACK: variant('billing = "lead"', 'biling = "lead"')},
        SOUNDTRACK,
        "cast[0].biling",
        "unknown key 'biling' (did you mean 'billing'?)",
    ),
    (
        "unknown top-level key",
        {SOUNDTRACK: variant("[[credits]]", "[[credit]]")},
        SOUNDTRACK,
        "credit",
        "did you mean 'credits'?",
    ),
    (
        "bad id",
        {SOUNDTRACK: BASE + '\n[people.Bad_Id]\nname = "X"\nsources = ["nme"]\n'},
        SOUNDTRACK,
        "people.Bad_Id",
        "'Bad_Id' is not a valid id",
    ),
    (
        "bad slug",
        {SOUNDTRACK: variant('slug = "soundtrack1"', 'slug = "Soundtrack 1"')},
        SOUNDTRACK,
        "drama.slug",
        "not a valid slug",
    ),
    (
        "undeclared source",
        {
            SOUNDTRACK: variant(
                '"Soundtrack #1", sources = ["seed-002", "nme"]',
                '"Soundtrack #1", sources = ["seed-002", "nme2"]',
            )
        },
        SOUNDTRACK,
        "drama.title.sources[1]",
        "unknown source 'nme2' (did you mean 'nme'?); declared sources: nme, seed-002",
    ),
    (
        "undeclared person",
        {
            SOUNDTRACK: variant(
                'artists = [{ person = "han-so-hee"', 'artists = [{ person = "han-so"'
            )
        },
        SOUNDTRACK,
        "ost[0].artists[0].person",
        "track 1: unknown person 'han-so'",
    ),
    (
        "empty sources",
        {
            SOUNDTRACK: variant(
                'job = "director"\nsources = ["nme"]', 'job = "director"\nsources = []'
            )
        },
        SOUNDTRACK,
        "credits[0].sources",
        "must name at least one source",
    ),
    (
        "source listed twice",
        {
            SOUNDTRACK: variant(
                'job = "director"\nsources = ["nme"]', 'job = "director"\nsources = ["nme", "nme"]'
            )
        },
        SOUNDTRACK,
        "credits[0].sources[1]",
        "listed twice",
    ),
    (
        "article source without file",
        {SOUNDTRACK: variant('file = "002_61108b1a3dd9b5a0.txt"\n', "")},
        SOUNDTRACK,
        "sources.seed-002.file",
        "article source needs 'file'",
    ),
    (
        "duplicate track number",
        {
            SOUNDTRACK: BASE + '\n[[ost]]\nnumber = 1\nartists = [{ person = "han-so-hee", '
            'sources = ["nme"] }]\n'
        },
        SOUNDTRACK,
        "ost[1].number",
        "track 1 is listed twice (also ost[0])",
    ),
    (
        "duplicate episode number",
        {SOUNDTRACK: variant("number = 2", "number = 1")},
        SOUNDTRACK,
        "episodes[1].number",
        "episode 1 is listed twice",
    ),
    (
        "number below one",
        {SOUNDTRACK: variant("number = 2", "number = 0")},
        SOUNDTRACK,
        "episodes[1].number",
        "must be 1 or more",
    ),
    (
        "episode past episode_count",
        {SOUNDTRACK: variant("episode = 2", "episode = 9")},
        SOUNDTRACK,
        "trivia[0].episode",
        "past the last episode (episode_count is 4)",
    ),
    (
        "episodes entry past episode_count",
        {SOUNDTRACK: variant("number = 2", "number = 5")},
        SOUNDTRACK,
        "episodes[1].number",
        "episode 5 is past the last episode (episode_count is 4)",
    ),
    (
        "format version",
        {SOUNDTRACK: variant("format = 1", "format = 2")},
        SOUNDTRACK,
        "format",
        "reads format 1",
    ),
    (
        "bad billing",
        {SOUNDTRACK: variant('billing = "lead"', 'billing = "leads"')},
        SOUNDTRACK,
        "cast[0].billing",
        "unknown billing 'leads' (did you mean 'lead'?)",
    ),
    (
        "bad source kind",
        {SOUNDTRACK: variant('kind = "outlet"', 'kind = "press"')},
        SOUNDTRACK,
        "sources.nme.kind",
        "unknown source kind 'press'",
    ),
    (
        "bad trivia topic",
        {SOUNDTRACK: variant('topic = "production"', 'topic = "behind the scenes"')},
        SOUNDTRACK,
        "trivia[0].topic",
        "allowed: production, ost, cast, plot, release",
    ),
    (
        "trivia about a track the pack does not have",
        {SOUNDTRACK: variant('topic = "production"', 'topic = "ost"\ntrack = 9')},
        SOUNDTRACK,
        "trivia[0].track",
        "there is no [[ost]] track 9 in this pack (tracks: 1)",
    ),
    (
        "translation into English",
        {SOUNDTRACK: variant('topic = "production"',
                             'topic = "production"\ntranslations.en = "Filmed in Seoul."')},
        SOUNDTRACK,
        "trivia[0].translations.en",
        "'en' is not a language to translate into: use a lower-case language code",
    ),
    (
        "translation into no language",
        {SOUNDTRACK: variant('topic = "production"',
                             'topic = "production"\ntranslations.Korean = "서울"')},
        SOUNDTRACK,
        "trivia[0].translations.Korean",
        "such as 'ko'",
    ),
    (
        "trivia translation that is no text",
        {SOUNDTRACK: variant('topic = "production"',
                             'topic = "production"\ntranslations.ko = 3')},
        SOUNDTRACK,
        "trivia[0].translations.ko",
        "text",
    ),
    (
        "a translation of a date",
        {SOUNDTRACK: variant('note = "4 pm KST" }',
                             'note = "4 pm KST", translations.ko = "2022년 3월 23일" }')},
        SOUNDTRACK,
        "drama.premiere.translations",
        "only a text value can be translated",
    ),
    (
        "a note's translation with no note",
        {SOUNDTRACK: variant('episode_count = { value = 4, sources = ["seed-002", "nme"] }',
                             'episode_count = { value = 4, sources = ["seed-002", "nme"], '
                             'note_translations.ko = "4부작" }')},
        SOUNDTRACK,
        "drama.episode_count.note_translations",
        "translates a note, but there is no `note`",
    ),
    (
        "a source name's translation with no name",
        {SOUNDTRACK: variant('[sources.nme]\nname = "NME"\nkind = "outlet"',
                             '[sources.nme]\noutlet = "NME"\nkind = "outlet"\n'
                             'name_translations.ko = "엔엠이"')},
        SOUNDTRACK,
        "sources.nme.name_translations",
        "translates a name, but there is no `name`",
    ),
    (
        "translations that are no table",
        {SOUNDTRACK: variant('topic = "production"',
                             'topic = "production"\ntranslations = "서울에서 촬영"')},
        SOUNDTRACK,
        "trivia[0].translations",
        "must be a table of languages",
    ),
    (
        "question translation without its wrong answers",
        {SOUNDTRACK: variant('sources = ["seed-002", "nme"]\n\n[people',
                             'sources = ["seed-002", "nme"]\ntranslations.ko = { question = '
                             '"은수 역은 누구?", answer = "한소희" }\n\n[people')},
        SOUNDTRACK,
        "questions[0].translations.ko.wrong",
        "the required key 'wrong' is missing",
    ),
    (
        "question translation whose wrong answer is the answer",
        {SOUNDTRACK: variant('sources = ["seed-002", "nme"]\n\n[people',
                             'sources = ["seed-002", "nme"]\ntranslations.ko = { question = '
                             '"은수 역은 누구?", answer = "한소희", wrong = ["아이유", "수지", '
                             '"한소희"] }\n\n[people')},
        SOUNDTRACK,
        "questions[0].translations.ko.wrong[2]",
        "is the answer",
    ),
    (
        "trivia track that is no number",
        {SOUNDTRACK: variant('topic = "production"', 'topic = "ost"\ntrack = "one"')},
        SOUNDTRACK,
        "trivia[0].track",
        "a whole number",
    ),
    (
        "bad person kind",
        {SOUNDTRACK: variant('name = "Kim Hee-won"', 'name = "Kim Hee-won"\nkind = "band"')},
        SOUNDTRACK,
        "people.kim-hee-won.kind",
        "unknown person kind 'band'",
    ),
    (
        "question: two wrong answers",
        {SOUNDTRACK: variant('wrong = ["IU", "Suzy", "Jisoo"]', 'wrong = ["IU", "Suzy"]')},
        SOUNDTRACK,
        "questions[0].wrong",
        "exactly 3 wrong answers, not 2",
    ),
    (
        "question: wrong answer is the answer",
        {
            SOUNDTRACK: variant(
                'wrong = ["IU", "Suzy", "Jisoo"]', 'wrong = ["IU", "han so-hee", "Jisoo"]'
            )
        },
        SOUNDTRACK,
        "questions[0].wrong[1]",
        "is the answer",
    ),
    (
        "question: repeated wrong answer",
        {SOUNDTRACK: variant('wrong = ["IU", "Suzy", "Jisoo"]', 'wrong = ["IU", "Suzy", "IU"]')},
        SOUNDTRACK,
        "questions[0].wrong[2]",
        "listed twice",
    ),
    (
        "question too long",
        {SOUNDTRACK: variant('question = "Who plays Eun-soo?"', f'question = "{"x" * 251}"')},
        SOUNDTRACK,
        "questions[0].question",
        "251 characters long; at most 250",
    ),
    (
        "answer too long",
        {SOUNDTRACK: variant('answer = "Han So-hee"', f'answer = "{"x" * 81}"')},
        SOUNDTRACK,
        "questions[0].answer",
        "at most 80",
    ),
    (
        "also reading without sources",
        {
            SOUNDTRACK: variant(
                '{ value = "Seo Eun-soo", sources = ["nme"] }', '{ value = "Seo Eun-soo" }'
            )
        },
        SOUNDTRACK,
        "cast[0].character.also[0].sources",
        "required key 'sources' is missing",
    ),
    (
        "also reading repeats the main value",
        {
            SOUNDTRACK: variant(
                '{ value = "Seo Eun-soo", sources = ["nme"] }',
                '{ value = "Lee Eun-soo", sources = ["nme"] }',
            )
        },
        SOUNDTRACK,
        "cast[0].character.also[0]",
        "repeats the main value",
    ),
    (
        "ost without artists",
        {
            SOUNDTRACK: variant(
                'artists = [{ person = "han-so-hee", sources = ["nme"] }]', "artists = []"
            )
        },
        SOUNDTRACK,
        "ost[0].artists",
        "track 1: must name at least one artist",
    ),
    (
        "job is not an id",
        {SOUNDTRACK: variant('job = "director"', 'job = "Director"')},
        SOUNDTRACK,
        "credits[0].job",
        "not a valid job",
    ),
    (
        "file name differs from slug",
        {"st1.toml": BASE},
        "st1.toml",
        "drama.slug",
        "should be named 'soundtrack1.toml'",
    ),
    (
        "duplicate slug across packs",
        {SOUNDTRACK: BASE, "zz.toml": BASE},
        "zz.toml",
        "drama.slug",
        "slug 'soundtrack1' is already used by soundtrack1.toml",
    ),
    (
        "conflicting person across packs",
        {
            SOUNDTRACK: BASE,
            "other.toml": variant(
                'name = "Han So-hee"\n', 'name = "Han So-hee"\nhangul = "한소이"\n', OTHER
            ),
        },
        SOUNDTRACK,
        "people.han-so-hee.hangul",
        "hangul '한소희' here but '한소이' in other.toml",
    ),
    (
        "conflicting source across packs",
        {SOUNDTRACK: BASE, "other.toml": variant('name = "NME"', 'name = "N.M.E."', OTHER)},
        SOUNDTRACK,
        "sources.nme",
        "name 'NME' here, 'N.M.E.' there",
    ),
]


@pytest.mark.parametrize(
    ("files", "file", "key_path", "fragment"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_each_kind_of_error_is_reported(
    tmp_path: Path, files: dict[str, str], file: str, key_path: str, fragment: str
) -> None:
    errors = check_packs(write(tmp_path / "packs", files))
    matches = [e for e in errors if e.file == file and e.key_path == key_path]
    assert matches, f"no error at {file}: {key_path}; got:\n{format_errors(errors)}"
    assert any(fragment in e.message for e in matches), format_errors(matches)


def test_every_error_in_a_file_is_reported(tmp_path: Path) -> None:
    text = variant('billing = "lead"', 'billing = "leads"')
    text = variant("number = 2", "number = true", text)
    text = variant(
        'job = "director"\nsources = ["nme"]', 'job = "director"\nsources = ["bbc"]', text
    )
    text = variant('name = "Kim Hee-won"\n', "", text)
    errors = check_packs(write(tmp_path / "packs", {SOUNDTRACK: text}))
    assert {(e.file, e.key_path) for e in errors} == {
        (SOUNDTRACK, "cast[0].billing"),
        (SOUNDTRACK, "episodes[1].number"),
        (SOUNDTRACK, "credits[0].sources[0]"),
        (SOUNDTRACK, "people.kim-hee-won.name"),
    }


def test_load_pack_raises_with_all_errors(tmp_path: Path) -> None:
    path = tmp_path / "soundtrack1.toml"
    path.write_text(variant("format = 1", "format = 2\nfoo = 1"), encoding="utf-8")
    with pytest.raises(PackLoadError) as info:
        load_pack(path)
    assert [e.key_path for e in info.value.errors] == ["foo", "format"]


def test_load_packs_raises_pack_load_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "packs", {SOUNDTRACK: variant("format = 1", "format = 2")})
    with pytest.raises(PackLoadError, match=r"soundtrack1\.toml: format"):
        load_packs(folder)


# --------------------------------------------------------------------------- folders


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    errors = check_packs(tmp_path / "nowhere")
    assert len(errors) == 1
    assert "does not exist" in errors[0].message


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    errors = check_packs(write(tmp_path / "packs", {"notes.txt": "hello"}))
    assert len(errors) == 1
    assert "no pack files" in errors[0].message


def test_drafts_are_ignored(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "packs",
        {SOUNDTRACK: BASE, "_draft.toml": "not = [valid", ".hidden.toml": "x ="},
    )
    assert [p.drama.slug for p in load_packs(folder).packs] == ["soundtrack1"]


def test_only_drafts_means_empty(tmp_path: Path) -> None:
    errors = check_packs(write(tmp_path / "packs", {"_draft.toml": BASE}))
    assert [e.message for e in errors] == [
        "no pack files (*.toml) in the packs folder (names starting _ or . are skipped)"
    ]


# --------------------------------------------------------------------------- merging


def test_people_are_merged_across_packs(tmp_path: Path) -> None:
    folder = write(tmp_path / "packs", {SOUNDTRACK: BASE, "other.toml": OTHER})
    han = load_packs(folder).people["han-so-hee"]
    # other.toml sorts first, so its record leads; soundtrack1.toml adds to it.
    assert han == Person(
        id="han-so-hee",
        name="Han So-hee",
        sources=("nme", "seed-002"),
        hangul="한소희",  # only soundtrack1.toml knows it: absent is not a conflict
        aliases=("Han So Hee", "Han Sohee"),
        occupations=(
            Fact(Reading("actress", ("nme",))),
            Fact(Reading("model", ("nme",))),
        ),
    )


def test_same_fact_from_two_packs_merges_its_sources(tmp_path: Path) -> None:
    other = variant(
        'occupations = [{ value = "actress", sources = ["nme"] }, ',
        'occupations = [{ value = "actress", sources = ["seed-002"] }, ',
        OTHER,
    )
    other = variant(
        "[sources.nme]",
        BASE[BASE.index("[sources.seed-002]") : BASE.index("[sources.nme]")] + "[sources.nme]",
        other,
    )
    folder = write(tmp_path / "packs", {SOUNDTRACK: BASE, "other.toml": other})
    han = load_packs(folder).people["han-so-hee"]
    assert han.occupations == (
        Fact(Reading("actress", ("seed-002", "nme"))),
        Fact(Reading("model", ("nme",))),
    )


# --------------------------------------------------------------------------- output


def test_format_errors_one_per_line() -> None:
    errors = [
        PackError("a.toml", "drama.title", "the required key 'title' is missing"),
        PackError("b.toml", "", "TOML syntax error: Invalid value (at line 3, column 9)"),
    ]
    assert format_errors(errors) == (
        "a.toml: drama.title: the required key 'title' is missing\n"
        "b.toml: TOML syntax error: Invalid value (at line 3, column 9)"
    )
    assert format_errors([]) == ""
