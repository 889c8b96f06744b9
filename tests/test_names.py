"""Name normalisation and matching (bot.store.names), without SQLite: the index is built
from NameRows in memory, the way FactStore.open builds it from the `names` table."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from bot.store import names
from bot.store.models import Match
from bot.store.names import (
    FUZZY_POOL,
    MAX_INPUT,
    NameIndex,
    clip,
    fold,
    loose,
    name_row,
    search_key,
    word_starts,
)

PEOPLE = {
    "park-hyung-sik": ("Park Hyung-sik", ["박형식", "Park Hyung Sik", "Park HyungSik", "Hyungsik"]),
    "han-so-hee": ("Han So-hee", ["한소희", "Han So Hee", "Han SoHwee"]),
    "kim-jong-kook": ("Kim Jong-kook", ["Kim Jong Kook", "Kim JongKook"]),
    "doyoung": ("Doyoung", ["도영", "DoYoung"]),
    "han-sun-woo": ("Han Sun-woo", []),  # stands in for a person with a variant name
    "kim-ji-won-actress": ("Kim Ji-won", ["김지원"]),
    "kim-ji-won-singer": ("Kim Ji-won", ["Jiwon"]),
    "park-hoon": ("Park Hoon", ["박훈"]),
    "park-bo-ram": ("Park Bo-ram", ["Park BoRam"]),
    "kyuhyun": ("Kyuhyun", ["KyuHyun"]),
    "standing-egg": ("Standing Egg", []),
}
DRAMAS = {
    "soundtrack1": ("Soundtrack #1", ["사운드트랙 #1", "Why Did You Come To My House?",
                                      "Soundtrack 1", "사운드트랙#1", "Soundtrack Series"]),
    "soundtrack2": ("Soundtrack #2", ["사운드트랙 #2", "Soundtrack 2", "Soundtrack Series"]),
    "vincenzo": ("Vincenzo", ["빈센조"]),
    "my-name": ("My Name", ["마이 네임"]),
}


def make_index(kind: str, entities: dict[str, tuple[str, list[str]]]) -> NameIndex:
    rows = [name_row(key, label, name)
            for key, (label, names) in entities.items()
            for name in [label, *names, key]]
    return NameIndex(kind, rows)


@pytest.fixture(scope="module")
def people() -> NameIndex:
    return make_index("person", PEOPLE)


@pytest.fixture(scope="module")
def dramas() -> NameIndex:
    return make_index("drama", DRAMAS)


# -- fold / loose ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Han So-hee", "hansohee"),
    ("  HAN   SO-HEE ", "hansohee"),
    ("Soundtrack #1", "soundtrack1"),
    ("Why did you come to my house?", "whydidyoucometomyhouse"),
    ("Café Crème", "cafecreme"),  # accents dropped
    ("ＳＯＵＮＤＴＲＡＣＫ１", "soundtrack1"),  # full-width forms (NFKD)
    ("Straße", "strasse"),  # casefold, not just lower
    ("사운드트랙 #1", "사운드트랙1"),
    ("🎵 Soundtrack #1 🎵", "soundtrack1"),  # emoji are not letters
    ("**Doyoung**", "doyoung"),  # markdown
    ("'; DROP TABLE dramas; --", "droptabledramas"),
    ("", ""),
    ("   ", ""),
    ("?!#-", ""),
])
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_keeps_hangul_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "한소희")
    assert len(decomposed) > 3
    assert fold(decomposed) == "한소희"  # NFC again after dropping marks
    assert len(fold("한소희")) == 3


def test_search_key_is_fold_in_nfd() -> None:
    assert search_key("Han So-hee") == "hansohee"
    assert search_key("한소희") == unicodedata.normalize("NFD", "한소희")
    assert search_key("사운드").startswith(search_key("사우"))  # a syllable being typed


@pytest.mark.parametrize(("a", "b"), [
    ("Han Sun-woo", "Han Seon-woo"),  # eo / u
    ("Park Hyung-sik", "Park Hyeong-sik"),
    ("Park Hyung-sik", "Park Hyung Shik"),  # sh / s
    ("Kim Joo-heon", "Kim Ju-heon"),  # oo / u
    ("Kim Jong-kook", "Kim Jong-kuk"),
    ("Doyoung", "Doyeong"),  # ou / u and eo / u
    ("Han So-hee", "Han So-hi"),  # ee / i
    ("Jeong Hye-seung", "Jung Hye-seung"),
    ("Lee Hi", "Li Hi"),
])
def test_loose_merges_romanisation_variants(a: str, b: str) -> None:
    assert fold(a) != fold(b)
    assert loose(a) == loose(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Soundtrack #1", "Soundtrack #11"),  # digits never collapse
    ("Park Hyung-sik", "Park Hoon"),
    ("Kim Ji-won", "Kim Hee-won"),
    ("Park", "Bak"),  # consonant variants are left to pack aliases
])
def test_loose_keeps_different_names_apart(a: str, b: str) -> None:
    assert loose(a) != loose(b)


def test_loose_is_composed_like_fold() -> None:
    assert loose("한소희") == fold("한소희") == "한소희"
    assert loose(unicodedata.normalize("NFD", "사운드트랙 #1")) == "사운드트랙1"


def test_word_starts() -> None:
    assert word_starts("Park Hyung-sik") == (4, 9)
    assert word_starts("Soundtrack #1") == (10,)
    assert word_starts("Doyoung") == ()
    assert word_starts("") == ()


def test_clip() -> None:
    assert clip("x" * 5000) == "x" * MAX_INPUT
    assert clip("short") == "short"


# -- resolve: the variant table -----------------------------------------------------------

# The variant table runs against the bundled packs in test_name_matching.py; these
# are the rules it does not show, on the fixture packs (ids, spelling variants of the
# vowels, markdown and emoji around a name, namesakes told apart by Hangul, a typo).
PERSON_VARIANTS = [
    ("han-so-hee", "han-so-hee"), ("Han Sun-woo", "han-sun-woo"),
    ("Han Seon-woo", "han-sun-woo"), ("Kim Jong Kuk", "kim-jong-kook"),
    ("도영", "doyoung"), ("Doyeong", "doyoung"), ("**Doyoung**", "doyoung"),
    ("🎤 doyoung", "doyoung"), ("김지원", "kim-ji-won-actress"),
    ("Jiwon", "kim-ji-won-singer"),
    ("Han Sohe", "han-so-hee"),  # a typo, one clear winner
]


@pytest.mark.parametrize(("text", "key"), PERSON_VARIANTS)
def test_person_variants_resolve(people: NameIndex, text: str, key: str) -> None:
    result = people.resolve(text)
    assert result.match is not None, result
    assert result.match.key == key
    assert result.match.kind == "person"


DRAMA_VARIANTS = [
    ("SOUNDTRACK#1", "soundtrack1"), ("why-did-you-come-to-my-house", "soundtrack1"),
    ("사운드트랙 #2", "soundtrack2"), ("vincenzo", "vincenzo"), ("빈센조", "vincenzo"),
    ("Vincenso", "vincenzo"), ("마이 네임", "my-name"), ("my-name", "my-name"),
]


@pytest.mark.parametrize(("text", "key"), DRAMA_VARIANTS)
def test_drama_variants_resolve(dramas: NameIndex, text: str, key: str) -> None:
    result = dramas.resolve(text)
    assert result.match is not None, result
    assert result.match.key == key


def test_exact_match_reports_the_name_hit(dramas: NameIndex) -> None:
    match = dramas.resolve("why did you come to my house").match
    assert match is not None
    assert match.label == "Soundtrack #1"
    assert match.matched == "Why Did You Come To My House?"
    assert match.score == 100.0


def test_loose_match_scores_below_exact(people: NameIndex) -> None:
    match = people.resolve("Park Hyeong-sik").match
    assert match is not None and 85.0 < match.score < 100.0


# -- resolve: outcomes -----------------------------------------------------------------------

def test_shared_name_is_ambiguous(people: NameIndex) -> None:
    result = people.resolve("kim ji-won")
    assert result.match is None
    assert {m.key for m in result.ambiguous} == {"kim-ji-won-actress", "kim-ji-won-singer"}


def test_shared_alias_is_ambiguous(dramas: NameIndex) -> None:
    result = dramas.resolve("soundtrack series")
    assert [m.key for m in result.ambiguous] == ["soundtrack1", "soundtrack2"]


@pytest.mark.parametrize("text", ["park", "soundtrack", "soundtrack 3", "sondtrack"])
def test_unclear_text_gives_suggestions(people: NameIndex, dramas: NameIndex,
                                        text: str) -> None:
    index = people if text == "park" else dramas
    result = index.resolve(text)
    assert result.match is None and not result.ambiguous
    assert 2 <= len(result.suggestions) <= 3


def test_typo_suggests(dramas: NameIndex) -> None:
    assert "soundtrack1" in {m.key for m in dramas.resolve("sondtrack").suggestions}


def test_a_number_never_fuzzes_into_another(dramas: NameIndex) -> None:
    only_one = make_index("drama", {"soundtrack1": DRAMAS["soundtrack1"]})
    result = only_one.resolve("Soundtrack #3")
    assert result.match is None
    assert [m.key for m in result.suggestions] == ["soundtrack1"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "🎵🎵", "?!", "zzqqxxvv"])
def test_nothing_close(people: NameIndex, text: str) -> None:
    result = people.resolve(text)
    assert result.match is None and not result.ambiguous and not result.suggestions


@pytest.mark.parametrize("text", [
    "x" * 5000,
    "Han So-hee " * 500,
    "🎵" * 3000,
    "'; DROP TABLE people; -- " * 10,
    "**bold** _it_ `code` [link](http://x) > quote",
    "\x00\x01\u200b\ufeff",
    "한" * 5000,
])
def test_hostile_input_is_clipped_and_safe(people: NameIndex, dramas: NameIndex,
                                           text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever its length, only the first MAX_INPUT characters of a text are ever matched
    (so its cost is bounded; what it costs is measured by `make bench`, not here)."""
    scored = scorings(monkeypatch)
    for index in (people, dramas):
        index.resolve(text)
        index.complete(text)
    # a Hangul syllable is three letters in a search key (decomposed)
    assert all(len(query) <= 3 * MAX_INPUT for query, _names in scored)


def scorings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(text, how many names) of every fuzzy scoring the name indexes make from now on."""
    calls: list[tuple[str, int]] = []
    extract = names.process.extract

    def counted(query: str, choices: Any, **kwargs: Any) -> Any:
        choices = list(choices)
        calls.append((query, len(choices)))
        return extract(query, choices, **kwargs)

    monkeypatch.setattr(names.process, "extract", counted)
    return calls


# -- autocomplete ----------------------------------------------------------------------------

def keys(matches: list[Match]) -> list[str]:
    return [m.key for m in matches]


def test_complete_empty_lists_by_label(dramas: NameIndex) -> None:
    assert keys(dramas.complete("")) == ["my-name", "soundtrack1", "soundtrack2", "vincenzo"]
    assert keys(dramas.complete("  ", limit=2)) == ["my-name", "soundtrack1"]


def test_complete_prefix(dramas: NameIndex) -> None:
    assert keys(dramas.complete("sound"))[:2] == ["soundtrack1", "soundtrack2"]
    assert keys(dramas.complete("Soundtrack #2"))[0] == "soundtrack2"


def test_complete_exact_first(dramas: NameIndex) -> None:
    found = dramas.complete("soundtrack 1")
    assert found[0].key == "soundtrack1" and found[0].score == 100.0


def test_complete_word_prefix(people: NameIndex, dramas: NameIndex) -> None:
    assert keys(people.complete("hyung"))[0] == "park-hyung-sik"
    assert "soundtrack1" in keys(dramas.complete("come to my"))


def test_complete_substring(people: NameIndex) -> None:
    assert "han-so-hee" in keys(people.complete("sohee"))


def test_complete_hangul(dramas: NameIndex, people: NameIndex) -> None:
    assert keys(dramas.complete("사운"))[:2] == ["soundtrack1", "soundtrack2"]
    assert keys(dramas.complete("사우"))[:2] == ["soundtrack1", "soundtrack2"]  # mid-syllable
    assert keys(people.complete("한소"))[0] == "han-so-hee"
    assert keys(people.complete("ㅎ"))[0] == "han-so-hee"  # one consonant
    match = dramas.complete("사운드트랙 #2")[0]
    assert (match.key, match.matched, match.label) == (
        "soundtrack2", "사운드트랙 #2", "Soundtrack #2")


def test_complete_typo(dramas: NameIndex) -> None:
    assert "soundtrack1" in keys(dramas.complete("sondtrack"))


def test_complete_forgives_typos_only_in_a_name_not_typed_whole() -> None:
    index = make_index("drama", {"vincenzo": ("Vincenzo", []),
                                 "vincenso": ("Vincenso", [])})
    assert keys(index.complete("vincenz")) == ["vincenzo", "vincenso"]  # prefix, fuzzy
    assert keys(index.complete("vincenzo")) == ["vincenzo"]  # typed whole: no guesses
    assert keys(index.complete("vincenzoo")) == ["vincenzo", "vincenso"]  # a typo: fuzzy


def test_complete_limit_and_uniqueness(people: NameIndex) -> None:
    found = people.complete("k", limit=3)
    assert len(found) == 3
    assert len(set(keys(people.complete("k")))) == len(people.complete("k"))
    assert people.complete("k", limit=0) == []


def test_complete_nothing(people: NameIndex) -> None:
    assert people.complete("zzqqxxvv") == []


def test_complete_scores_a_bounded_pool_on_a_large_index(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """However large the index, a keystroke scores at most FUZZY_POOL names fuzzily, and
    still forgives a typo. (What a keystroke costs is measured by `make bench`, never
    asserted in a test.)"""
    words = ["Secret", "Hidden", "Last", "Golden", "Midnight", "Lovely", "Kitchen",
             "Garden", "Station", "Letter", "Summer", "Winter", "Prince", "Doctor"]
    rows = [name_row(f"d{i}", title, name)
            for i in range(20_000)
            for title in [f"{words[i % 14]} {words[i // 14 % 14]} {words[i // 196 % 14]} {i}"]
            for name in (title, f"d{i}")]
    index = NameIndex("drama", rows)
    assert len(index) == 20_000
    scored = scorings(monkeypatch)
    for text in ["", "s", "se", "secret", "secret gar", "kitchn", "zzz", "zzzz", "12345",
                 "midnigt", "station 19", "사운", "golden summer prince 7"]:
        index.complete(text)
    assert scored and max(count for _query, count in scored) <= FUZZY_POOL
    for typo, meant in (("kitchn", "Kitchen"), ("midnigt", "Midnight")):
        found = index.complete(typo)
        assert found and all(meant in m.label for m in found), (typo, found)


@pytest.mark.parametrize("kind, entities", [("person", PEOPLE), ("drama", DRAMAS)])
def test_stored_index_answers_as_the_built_one(kind: str,
                                               entities: dict[str, tuple[str, list[str]]]) -> None:
    """The fact store keeps each index in its stored form (`to_parts`) and a start reads it
    back (`from_parts`): the index read back must answer every query as the one built."""
    built = make_index(kind, entities)
    parts = {name: bytes(data) for name, data in built.to_parts().items()}
    stored = NameIndex.from_parts(kind, parts)
    assert len(stored) == len(built) and stored.keys() == built.keys()
    queries = ["", "s", "so", "sound", "soundtrack 1", "사운", "사운드트랙", "han", "hansohee",
               "han sun woo", "han seon-woo", "kim ji-won", "jiwon", "hyung", "Park Hyeong-sik",
               "vincenzo", "vincezo", "my nam", "zzz", "12", "doyoung", "standng egg"]
    for text in queries:
        assert stored.resolve(text) == built.resolve(text), text
        assert stored.complete(text) == built.complete(text), text
        assert stored.complete(text, limit=2) == built.complete(text, limit=2), text
    with pytest.raises(KeyError):
        NameIndex.from_parts(kind, {k: v for k, v in parts.items() if k != "_by_skey"})
