"""The matching rules fans rely on, as a table, against the fact store built from the
bundled packs: every way of writing a name finds the one entity it means."""

from __future__ import annotations

import pytest

from bot.store.facts import FactStore

PEOPLE = [
    ("Han So-hee", "han-so-hee"), ("han sohee", "han-so-hee"), ("Han So Hee", "han-so-hee"),
    ("HAN SO-HEE", "han-so-hee"), ("Han SoHwee", "han-so-hee"), ("한소희", "han-so-hee"),
    ("  han   so-hee  ", "han-so-hee"), ("Hán Só-hée", "han-so-hee"),
    ("Park Hyung-sik", "park-hyung-sik"), ("park hyungsik", "park-hyung-sik"),
    ("Park Hyeong-sik", "park-hyung-sik"), ("Park Hyung Shik", "park-hyung-sik"),
    ("Hyungsik", "park-hyung-sik"), ("박형식", "park-hyung-sik"),
    ("Kim Jong-kook", "kim-jong-kook"), ("kim jongkook", "kim-jong-kook"),
    ("Kim Jong Kook", "kim-jong-kook"),
    ("Doyoung", "doyoung"), ("DoYoung", "doyoung"), ("doyoung!", "doyoung"),
    ("KyuHyun", "kyuhyun"), ("Lee Hi", "lee-hi"), ("LeeHi", "lee-hi"),
    ("Park BoRam", "park-bo-ram"), ("Kim JaeHwan", "kim-jae-hwan"),
    ("김희원", "kim-hee-won"), ("Kim Hee Won", "kim-hee-won"),
]

DRAMAS = [
    ("Soundtrack #1", "soundtrack1"), ("soundtrack 1", "soundtrack1"),
    ("soundtrack1", "soundtrack1"), ("SOUNDTRACK #1", "soundtrack1"),
    ("사운드트랙 #1", "soundtrack1"), ("사운드트랙#1", "soundtrack1"),
    ("Why Did You Come To My House", "soundtrack1"),
    ("why did you come to my house?", "soundtrack1"),
    ("Soundtrack #2", "soundtrack2"), ("soundtrack2", "soundtrack2"),
    ("Yumi's Cells", "yumis-cells"), ("yumis cells", "yumis-cells"),
    ("The World of the Married", "the-world-of-the-married"),
    ("To X Who Doesn't Love Me", "to-x-who-doesnt-love-me"),
]




@pytest.mark.parametrize(("typed", "person"), PEOPLE)
async def test_person_variants(bundled_store: FactStore, typed: str, person: str) -> None:
    resolution = await bundled_store.resolve_person(typed)
    assert resolution.match is not None, (typed, resolution)
    assert resolution.match.key == person


@pytest.mark.parametrize(("typed", "slug"), DRAMAS)
async def test_drama_variants(bundled_store: FactStore, typed: str, slug: str) -> None:
    resolution = await bundled_store.resolve_drama(typed)
    assert resolution.match is not None, (typed, resolution)
    assert resolution.match.key == slug


@pytest.mark.parametrize(("typed", "nearest"), [
    ("Han Sohe", "han-so-hee"), ("Doyong", "doyoung"), ("Park Hyungsk", "park-hyung-sik"),
])
async def test_typos_find_or_suggest_the_person(bundled_store: FactStore, typed: str,
                                                nearest: str) -> None:
    resolution = await bundled_store.resolve_person(typed)
    found = [resolution.match] if resolution.match else list(resolution.suggestions)
    assert nearest in [m.key for m in found if m is not None], resolution


@pytest.mark.parametrize("typed", ["sondtrack", "Soundtrak #1", "vincenso"])
async def test_typos_suggest_the_drama(bundled_store: FactStore, typed: str) -> None:
    resolution = await bundled_store.resolve_drama(typed)
    found = [resolution.match] if resolution.match else list(resolution.suggestions)
    assert found and found[0] is not None, resolution


@pytest.mark.parametrize("typed", [
    "", "   ", "x" * 5000, "🎵🎶", "'; DROP TABLE dramas; --", "**bold** @everyone",
    "Robert'); --", "%", "_",
])
async def test_junk_finds_nothing_and_does_not_fail(bundled_store: FactStore, typed: str) -> None:
    resolution = await bundled_store.resolve_person(typed)
    assert resolution.match is None
    drama = await bundled_store.resolve_drama(typed)
    assert drama.match is None


async def test_different_people_stay_apart(bundled_store: FactStore) -> None:
    """Folding must not merge distinct names: the Parks are different people."""
    keys = set()
    for name in ("Park Hyung-sik", "Park Hoon", "Park Min-jung", "Park Bo-ram"):
        resolution = await bundled_store.resolve_person(name)
        assert resolution.match is not None
        keys.add(resolution.match.key)
    assert len(keys) == 4


@pytest.mark.parametrize(("typed", "expected"), [
    ("sound", "soundtrack1"), ("사운", "soundtrack1"), ("why did", "soundtrack1"),
    ("house", "soundtrack1"), ("married", "the-world-of-the-married"),
])
async def test_autocomplete_offers_partial_names(bundled_store: FactStore, typed: str,
                                                 expected: str) -> None:
    matches = await bundled_store.complete_dramas(typed)
    assert expected in [m.key for m in matches]
    assert len(matches) <= 25


async def test_autocomplete_people_by_hangul_prefix(bundled_store: FactStore) -> None:
    matches = await bundled_store.complete_people("한소")
    assert [m.key for m in matches][:1] == ["han-so-hee"]
