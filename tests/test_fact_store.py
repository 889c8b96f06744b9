"""FactStore queries over the fixture packs in tests/store_fixtures/packs (built once per
module with the real loader and builder)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import shutil
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.packs.loader import load_packs
from bot.packs.model import Drama, Fact, Pack, PackSet, Reading, Source
from bot.store.build import build_fact_store
from bot.store.facts import (
    INFO_CACHE_SIZE,
    SCHEMA_VERSION,
    FactStore,
    FactStoreError,
    InfoCache,
    cited_sources,
    dump_info,
    from_json,
    to_json,
)
from bot.store.models import DramaRef, PersonRef

PACKS = Path(__file__).parent / "store_fixtures" / "packs"


@pytest.fixture(scope="module")
def packset() -> PackSet:
    return load_packs(PACKS)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("facts") / "facts.sqlite3"
    build_fact_store(PACKS, path)
    return path


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[FactStore]:
    opened = await FactStore.open(db_path)
    yield opened
    await opened.close()


# -- codec -----------------------------------------------------------------------------------

def test_json_round_trip_keeps_every_reading(packset: PackSet) -> None:
    for pack in packset.packs:
        assert from_json(type(pack.drama), to_json(pack.drama)) == pack.drama
        for track in pack.ost:
            assert from_json(type(track), to_json(track)) == track
    fact = Fact(Reading(dt.date(2022, 3, 23), ("a",), "4 pm"),
                (Reading("2022-03-24", ("b", "c")), Reading(7, ("d",))), episode=2)
    assert from_json(Fact, to_json(fact)) == fact  # a date, a date-like string, an int


def test_cited_sources_walks_everything(packset: PackSet) -> None:
    pack = packset.packs[0]
    assert cited_sources(pack.drama) == {"seed-000", "seed-002", "nme", "wowtv"}
    assert "pinkvilla" in cited_sources(pack.credits)  # inside `also`


# -- dramas ----------------------------------------------------------------------------------

async def test_dramas_by_title(store: FactStore) -> None:
    assert await store.dramas() == (
        DramaRef("soundtrack1", "Soundtrack #1", "사운드트랙 #1"),
        DramaRef("soundtrack2", "Soundtrack #2", "사운드트랙 #2"),
    )


async def test_first_dramas_and_count(store: FactStore) -> None:
    assert await store.dramas(limit=1) == (await store.dramas())[:1]
    assert await store.dramas(limit=0) == ()
    assert await store.count_dramas() == len(await store.dramas()) == 2


async def test_count_people_counts_what_people_lists(store: FactStore) -> None:
    assert await store.count_people() == len(await store.people()) == 10  # groups too


async def test_counts_without_the_build_meta(db_path: Path, tmp_path: Path) -> None:
    """A store whose meta lacks the counts still counts its rows."""
    bare = tmp_path / "bare.sqlite3"
    shutil.copyfile(db_path, bare)
    with sqlite3.connect(bare) as conn:
        conn.execute("DELETE FROM meta WHERE key IN ('dramas', 'people')")
    opened = await FactStore.open(bare)
    try:
        assert (await opened.count_dramas(), await opened.count_people()) == (2, 10)
    finally:
        await opened.close()


async def test_drama_matches_the_pack_exactly(store: FactStore, packset: PackSet) -> None:
    pack = next(p for p in packset.packs if p.drama.slug == "soundtrack1")
    info = await store.drama("soundtrack1")
    assert info is not None
    assert info.drama == pack.drama
    assert tuple(c.entry for c in info.cast) == pack.cast
    assert tuple(c.credit for c in info.crew) == pack.credits
    assert info.episodes == pack.episodes
    assert tuple(t.track for t in info.tracks) == pack.ost
    assert info.trivia == pack.trivia
    assert info.questions == pack.questions


async def test_drama_details(store: FactStore) -> None:
    info = await store.drama("soundtrack1")
    assert info is not None
    assert info.ref == DramaRef("soundtrack1", "Soundtrack #1", "사운드트랙 #1")
    assert info.drama.premiere is not None
    assert info.drama.premiere.value == dt.date(2022, 3, 23)
    assert info.drama.premiere.primary.note == "4 pm KST"
    assert info.drama.episode_count is not None and info.drama.episode_count.value == 4
    assert [c.person for c in info.cast] == [
        PersonRef("park-hyung-sik", "Park Hyung-sik", "박형식"),
        PersonRef("han-so-hee", "Han So-hee", "한소희"),
        PersonRef("kim-ji-won-actress", "Kim Ji-won", "김지원"),
    ]
    heroine = info.cast[1].entry.character
    assert heroine.contested and heroine.also[0].value == "Seo Eun-soo"
    assert heroine.also[0].sources == ("seed-002", "nme")
    assert [(c.person.id, c.credit.job) for c in info.crew] == [
        ("kim-hee-won", "director"), ("ahn-sae-bom", "writer")]
    assert info.crew[1].credit.also[0].value == "Chae Yoon"
    assert [t.track.number for t in info.tracks] == [4, 6, 7]
    assert info.tracks[1].track.title is None  # unknown stays unknown
    assert info.trivia[1].fact.episode == 2
    assert info.questions[0].answer == "Doyoung"


async def test_drama_sources_are_every_cited_source(store: FactStore) -> None:
    info = await store.drama("soundtrack1")
    assert info is not None
    assert set(info.sources) == {"seed-000", "seed-002", "nme", "wowtv", "pinkvilla",
                                 "xportsnews", "wowkeren"}
    seed = info.sources["seed-002"]
    assert (seed.name, seed.kind, seed.file, seed.published) == (
        "seed 002", "article", "002_61108b1a3dd9b5a0.txt", dt.date(2022, 2, 17))


async def test_unknown_drama(store: FactStore) -> None:
    assert await store.drama("nope") is None
    assert await store.drama_ref("nope") is None
    assert await store.tracks("nope") == ()


async def test_resolve_drama(store: FactStore) -> None:
    for text in ("Why Did You Come To My House", "사운드트랙#1", "soundtrack1", "Soundtrack 1"):
        match = (await store.resolve_drama(text)).match
        assert match is not None and match.key == "soundtrack1", text
    assert len((await store.resolve_drama("Soundtrack Series")).ambiguous) == 2
    assert (await store.resolve_drama("")).suggestions == ()


async def test_complete_dramas(store: FactStore) -> None:
    assert [m.key for m in await store.complete_dramas("")] == ["soundtrack1", "soundtrack2"]
    assert (await store.complete_dramas("사운드트랙 #2"))[0].key == "soundtrack2"
    assert [m.key for m in await store.complete_dramas("why")] == ["soundtrack1"]
    assert len(await store.complete_dramas("s", limit=1)) == 1


# -- people ----------------------------------------------------------------------------------

async def test_person_across_dramas(store: FactStore) -> None:
    info = await store.person("kim-hee-won")
    assert info is not None
    assert info.ref == PersonRef("kim-hee-won", "Kim Hee-won", "김희원")
    assert [(c.drama.slug, c.credit.job) for c in info.crew] == [
        ("soundtrack1", "director"), ("soundtrack2", "director")]
    assert info.roles == () and info.tracks == ()
    assert set(info.sources) == {"xportsnews", "wowtv", "imbc"}


async def test_person_roles_and_tracks(store: FactStore) -> None:
    info = await store.person("keum-sae-rok")
    assert info is not None
    assert [(r.drama.slug, r.entry.character.value) for r in info.roles] == [
        ("soundtrack2", "Do Hyun-seo")]
    assert [(t.drama.slug, t.track.number) for t in info.tracks] == [("soundtrack2", 1)]
    doyoung = await store.person("doyoung")
    assert doyoung is not None
    assert [g.value for g in doyoung.person.groups] == ["NCT"]
    assert [t.track.number for t in doyoung.tracks] == [7]
    assert await store.person("nope") is None


async def test_resolve_person(store: FactStore) -> None:
    for text, key in [("한소희", "han-so-hee"), ("Han SoHwee", "han-so-hee"),
                      ("도영", "doyoung"), ("Park Hyeong-sik", "park-hyung-sik"),
                      ("kim jongkook", "kim-jong-kook")]:
        match = (await store.resolve_person(text)).match
        assert match is not None and match.key == key, text
    assert len((await store.resolve_person("Kim Ji-won")).ambiguous) == 2
    # characters are not people
    assert (await store.resolve_person("Lee Eun-soo")).match is None
    assert (await store.resolve_person("Han Seon-woo")).match is None


async def test_complete_people(store: FactStore) -> None:
    assert (await store.complete_people("hyung"))[0].key == "park-hyung-sik"
    assert [m.key for m in await store.complete_people("금")] == ["keum-sae-rok"]


async def test_people_and_refs(store: FactStore) -> None:
    everyone = await store.people()
    assert [p.name for p in everyone] == sorted((p.name for p in everyone), key=str.casefold)
    assert len(everyone) == 10  # Kim Hee-won, in both packs, is one person
    assert len(await store.people(limit=3)) == 3
    assert await store.people(kind="group") == (PersonRef("standing-egg", "Standing Egg"),)
    assert await store.person_ref("doyoung") == PersonRef("doyoung", "Doyoung", "도영")
    assert set(await store.person_refs(["doyoung", "nope"])) == {"doyoung"}


# -- tracks ----------------------------------------------------------------------------------

async def test_track(store: FactStore) -> None:
    seven = await store.track("soundtrack1", 7)
    assert seven is not None
    assert seven.track.title is not None
    assert seven.track.title.value == "Just A Little Bit More"
    assert seven.track.title.also[0].value == "A Little More"
    assert seven.artists == (PersonRef("doyoung", "Doyoung", "도영"),)
    assert seven.drama.slug == "soundtrack1"
    six = await store.track("soundtrack1", 6)
    assert six is not None and six.track.title is None
    assert await store.track("soundtrack1", 8) is None


async def test_tracks_keep_artist_order(store: FactStore) -> None:
    (duet,) = await store.tracks("soundtrack2")
    assert [a.id for a in duet.artists] == ["kim-ji-won-singer", "keum-sae-rok"]
    assert duet.track.artists[1].note == "duet"


@pytest.mark.parametrize(("query", "expected"), [
    ("doyoung", [("soundtrack1", 7)]),
    ("도영", [("soundtrack1", 7)]),
    ("NCT", [("soundtrack1", 7)]),
    ("아주 조금", [("soundtrack1", 7)]),
    ("a little more", [("soundtrack1", 7)]),  # the `also` reading
    ("Just a little bit more!", [("soundtrack1", 7)]),
    ("my love", [("soundtrack1", 4)]),
    ("kim jong kuk", [("soundtrack1", 4)]),  # loose romanisation
    ("standing egg", [("soundtrack1", 6)]),
    ("kim ji won", [("soundtrack2", 1)]),
    ("love", [("soundtrack2", 1), ("soundtrack1", 4)]),  # title prefix before substring
    ("", []),
    ("zzzz", []),
    ("'; DROP TABLE tracks; --", []),
])
async def test_search_tracks(store: FactStore, query: str,
                             expected: list[tuple[str, int]]) -> None:
    found = await store.search_tracks(query)
    assert [(t.drama.slug, t.track.number) for t in found] == expected


async def test_search_tracks_limit(store: FactStore) -> None:
    assert len(await store.search_tracks("o", limit=2)) == 2
    assert await store.search_tracks("o", limit=0) == ()


# -- sources, meta, errors -------------------------------------------------------------------

async def test_sources(store: FactStore) -> None:
    found = await store.sources(["nme", "unknown", "nme"])
    assert list(found) == ["nme"]
    assert found["nme"].name == "NME"
    assert await store.sources([]) == {}


async def test_meta(store: FactStore) -> None:
    meta = await store.meta()
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["dramas"] == "2"
    assert len(meta["fingerprint"]) == 64


async def test_open_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FactStoreError, match="dramabot db build"):
        await FactStore.open(tmp_path / "missing.sqlite3")


async def test_open_other_schema_version(db_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    shutil.copy(db_path, old)
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(FactStoreError, match="schema version 0"):
        await FactStore.open(old)


async def test_open_other_name_key_version(db_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    shutil.copy(db_path, old)
    with sqlite3.connect(old) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'key_version'")
    conn.close()
    with pytest.raises(FactStoreError, match="key version none"):
        await FactStore.open(old)


async def test_open_not_a_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(FactStoreError):
        await FactStore.open(junk)


# -- sources collected at build time, and the info caches -----------------------------------

async def test_build_time_sources_are_every_source_cited(bundled_store: FactStore) -> None:
    """The build collects each drama's and person's cited source ids once; they must be
    exactly what a walk over everything the lookup returns finds, for every bundled pack."""
    for ref in await bundled_store.dramas():
        info = await bundled_store.drama(ref.slug)
        assert info is not None
        walked = cited_sources(info.drama, [m.entry for m in info.cast],
                               [m.credit for m in info.crew], info.episodes,
                               [t.track for t in info.tracks], info.trivia,
                               info.questions)
        assert set(info.sources) == walked, ref.slug
    for person_ref in await bundled_store.people():
        person = await bundled_store.person(person_ref.id)
        assert person is not None
        walked = cited_sources(person.person, [r.entry for r in person.roles],
                               [c.credit for c in person.crew],
                               [t.track for t in person.tracks])
        assert set(person.sources) == walked, person_ref.id


async def test_lookups_are_cached_from_the_second_read_and_bounded(store: FactStore) -> None:
    once = await store.drama("soundtrack1")
    assert once is not None and "soundtrack1" not in store._dramas  # asked about once
    again = await store.drama("soundtrack1")
    assert again is not None and again is not once and again == once  # read again, kept
    assert await store.drama("soundtrack1") is again
    assert await store.drama("no-such-drama") is None
    assert await store.drama("no-such-drama") is None and "no-such-drama" not in store._dramas
    await store.person("han-so-hee")
    person = await store.person("han-so-hee")
    assert person is not None and await store.person("han-so-hee") is person
    for i in range(INFO_CACHE_SIZE + 5):  # misses are not cached, so fill it by hand
        store._dramas.offer(f"filler-{i}", again)
        store._dramas.offer(f"filler-{i}", again)
    await store.drama("soundtrack2")
    await store.drama("soundtrack2")  # a new entry evicts the least recently used
    assert len(store._dramas) == INFO_CACHE_SIZE
    assert "soundtrack2" in store._dramas and "filler-0" not in store._dramas


def test_info_cache_keeps_what_is_read_again_lately() -> None:
    cache: InfoCache[str] = InfoCache(size=2, seen=2)
    cache.offer("a", "a1")
    assert cache.get("a") is None and len(cache) == 0
    cache.offer("a", "a2")
    assert cache.get("a") == "a2"
    for key in ("b", "c", "d"):  # "b" is forgotten: only the last two keys read once count
        cache.offer(key, key)
    cache.offer("b", "b")
    assert cache.get("b") is None
    cache.offer("d", "d")
    cache.offer("b", "b")
    assert [k for k in "abd" if cache.get(k) is not None] == ["b", "d"]  # "a" evicted


def test_info_cache_holds_what_is_read_ahead_for_its_ask() -> None:
    cache: InfoCache[str] = InfoCache(size=2, seen=2, ahead=2)
    cache.offer("a", "a1", expected=True)
    assert len(cache) == 0  # held apart, not kept
    assert cache.get("a") == "a1"  # the ask it was read ahead of
    assert cache.get("a") is None  # taken: that ask was its first read
    cache.offer("a", "a2")
    assert cache.get("a") == "a2"  # read again: kept
    for key in ("b", "c", "d"):  # only the last two read ahead are held
        cache.offer(key, key, expected=True)
    assert [k for k in "bcd" if cache.get(k) is not None] == ["c", "d"]
    cache.offer("e", "e1")
    cache.offer("e", "e2", expected=True)  # read ahead after a read: a second read
    assert cache.get("e") == "e2" and cache.get("e") == "e2"


async def test_clear_caches_forgets_what_was_read_once(store: FactStore) -> None:
    await store.drama("soundtrack2")
    store.clear_caches()
    await store.drama("soundtrack2")  # a first read again: not kept
    assert "soundtrack2" not in store._dramas


def made_afresh(value: Any) -> Any:
    """`value` with every dataclass in it built again through its __init__ (each field in
    its dict, as the loader makes them), where the store's are read back lean."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: made_afresh(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, tuple):
        return tuple(made_afresh(v) for v in value)
    return value


async def test_lean_stored_parts_read_back_equal_and_smaller(bundled_store: FactStore) -> None:
    for ref in await bundled_store.dramas():
        info = await bundled_store.drama(ref.slug)
        assert info is not None
        parts = made_afresh((info.drama, info.cast, info.crew, info.episodes, info.tracks,
                             info.trivia, info.questions))
        plain = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
        lean = dump_info(parts)
        assert pickle.loads(lean) == parts, ref.slug
        assert len(lean) < len(plain), ref.slug


def test_lean_pickle_leaves_out_defaults_and_reads_them_back() -> None:
    reading = Reading("Netflix", ("kpopmap",))
    [back] = pickle.loads(dump_info((reading,)))
    assert "note" not in vars(back) and back.note is None and back == reading
    noted = Reading("Netflix", ("kpopmap",), "in some articles")
    assert pickle.loads(dump_info((noted,)))[0].note == "in some articles"
    drama = Drama("x", Fact(reading))
    pack = Pack("x.toml", drama)  # default_factory fields: pickled whole, as pickle does
    [back_pack] = pickle.loads(dump_info((pack,)))
    assert back_pack == pack and vars(back_pack).keys() == vars(pack).keys()


# -- quiz sampling ---------------------------------------------------------------------------

EXTRA_DRAMAS = 1000


@pytest.fixture(scope="module")
def big_db_path(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture store plus EXTRA_DRAMAS bare drama rows (sample_dramas reads only the
    dramas table), so drawing by rowid is exercised rather than the small-table read."""
    path = tmp_path_factory.mktemp("bigfacts") / "facts.sqlite3"
    shutil.copy(db_path, path)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO dramas (slug, title, korean_title, sort_key, data, cited)"
            " VALUES (?, ?, NULL, ?, '{}', '[]')",
            [(f"extra-{i:04d}", f"Extra {i:04d}", f"extra {i:04d}")
             for i in range(EXTRA_DRAMAS)])
    conn.close()
    return path


@pytest.fixture
async def big_store(big_db_path: Path) -> AsyncIterator[FactStore]:
    opened = await FactStore.open(big_db_path)
    yield opened
    await opened.close()


def count_rows(store: FactStore) -> list[int]:
    """Spy on the store's one query helper: the number of rows each query returned."""
    counts: list[int] = []
    run = store._all

    async def counting(sql: str, params: Sequence[object] = ()) -> list[Any]:
        rows = await run(sql, params)
        counts.append(len(rows))
        return rows

    store._all = counting  # type: ignore[method-assign]
    return counts


async def test_sample_dramas_small_store(store: FactStore) -> None:
    everything = await store.dramas()
    assert set(await store.sample_dramas(5, "seed")) == set(everything)
    assert await store.sample_dramas(5, "seed", exclude=["soundtrack1"]) == (
        DramaRef("soundtrack2", "Soundtrack #2", "사운드트랙 #2"),)
    assert len(await store.sample_dramas(1, 7)) == 1
    assert await store.sample_dramas(0, 7) == ()


async def test_sample_dramas_is_seeded_and_reads_only_what_it_picks(
        big_store: FactStore) -> None:
    counts = count_rows(big_store)
    first = await big_store.sample_dramas(24, "soundtrack1", exclude=["soundtrack1"])
    assert sum(counts) <= 1 + 24 + 1  # the rowid range, then the picks: never every row
    assert len(first) == 24 and len({r.slug for r in first}) == 24
    assert "soundtrack1" not in {r.slug for r in first}
    assert first == await big_store.sample_dramas(24, "soundtrack1", exclude=["soundtrack1"])
    second = await big_store.sample_dramas(24, "soundtrack2", exclude=["soundtrack1"])
    assert set(first) != set(second)
    for ref in first:
        assert ref == await big_store.drama_ref(ref.slug)


async def test_sample_dramas_reaches_every_drama(big_store: FactStore) -> None:
    """Every row can be drawn, the first and last rowids included (no off-by-one)."""
    picked = [ref.slug for seed in range(400) for ref in await big_store.sample_dramas(24, seed)]
    everything = {ref.slug for ref in await big_store.dramas()}
    assert set(picked) == everything
    counts = [picked.count(slug) for slug in everything]
    assert max(counts) < 4 * len(picked) / len(everything)  # about uniform


async def test_sample_dramas_with_gaps_in_the_rowids(big_db_path: Path,
                                                     tmp_path: Path) -> None:
    """Rows deleted (no build does that, but a sample must stay right): draws that miss
    are drawn again, and when too few rows remain the table is read instead."""
    path = tmp_path / "gaps.sqlite3"
    shutil.copy(big_db_path, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM dramas WHERE slug LIKE 'extra-%' AND rowid % 10 != 0")
        remaining = {r[0] for r in conn.execute("SELECT slug FROM dramas")}
    conn.close()
    store = await FactStore.open(path)
    try:
        for seed in range(20):
            found = await store.sample_dramas(24, seed, exclude=["soundtrack2"])
            slugs = [ref.slug for ref in found]
            assert len(slugs) == 24 and len(set(slugs)) == 24
            assert set(slugs) <= remaining - {"soundtrack2"}
            assert found == await store.sample_dramas(24, seed, exclude=["soundtrack2"])
        assert {r.slug for r in await store.sample_dramas(500, 1)} == remaining
    finally:
        await store.close()


async def test_person_records(store: FactStore) -> None:
    records = await store.person_records(["doyoung", "kim-hee-won", "nope", "doyoung"])
    assert list(records) == ["doyoung", "kim-hee-won"]
    for person_id, record in records.items():
        info = await store.person(person_id)
        assert info is not None and record == info.person
    assert [g.value for g in records["doyoung"].groups] == ["NCT"]
    assert await store.person_records([]) == {}


def test_decoding_a_row_missing_a_required_field_names_it() -> None:
    """The fast decoder builds instances without __init__; a row without a required field
    must still fail loudly (through __init__) rather than yield a half-built fact."""
    with pytest.raises(TypeError, match="name"):
        from_json(Source, '{"id": "nme"}')
    decoded = from_json(Source, '{"id": "nme", "name": "NME", "kind": "outlet"}')
    assert decoded == Source(id="nme", name="NME", kind="outlet")
    assert decoded.title is None  # defaults filled in
