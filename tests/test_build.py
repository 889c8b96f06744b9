"""Building the fact store: fingerprints, needs_build, the atomic swap, and the real packs."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from bot.packs.loader import check_packs, load_packs
from bot.packs.model import Fact, PackLoadError, Person, Reading
from bot.store import build as build_module
from bot.store.build import (
    build_fact_store,
    needs_build,
    packs_fingerprint,
    stored_fingerprint,
    stored_pack_files,
    write_fact_store,
)
from bot.store.facts import FactStore, FactStoreError

FIXTURE_PACKS = Path(__file__).parent / "store_fixtures" / "packs"
REAL_PACKS = Path(__file__).resolve().parents[1] / "data" / "packs"


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """A private, editable copy of the fixture packs."""
    folder = tmp_path / "packs"
    shutil.copytree(FIXTURE_PACKS, folder)
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- fingerprint / needs_build -------------------------------------------------------------

def test_fingerprint_is_stable_and_tracks_every_change(packs: Path) -> None:
    first = packs_fingerprint(packs)
    assert packs_fingerprint(packs) == first
    (packs / "notes.txt").write_text("not a pack")
    assert packs_fingerprint(packs) == first  # only *.toml count

    pack = packs / "soundtrack2.toml"
    original = pack.read_bytes()
    pack.write_bytes(original + b"\n# a comment\n")
    edited = packs_fingerprint(packs)
    assert edited != first
    pack.write_bytes(original)
    assert packs_fingerprint(packs) == first

    pack.rename(packs / "renamed.toml")
    assert packs_fingerprint(packs) != first


def test_needs_build(packs: Path, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite3"
    assert needs_build(packs, db)  # no store yet
    result = build_fact_store(packs, db)
    assert not needs_build(packs, db)
    assert stored_fingerprint(db) == result.fingerprint == packs_fingerprint(packs)

    pack = packs / "soundtrack2.toml"
    pack.write_text(pack.read_text().replace("Love Again", "Love Again and Again"))
    assert needs_build(packs, db)  # a pack edit
    build_fact_store(packs, db)
    assert not needs_build(packs, db)

    db.write_bytes(b"garbage" * 1000)
    assert needs_build(packs, db)  # an unreadable store


def test_schema_change_forces_rebuild(packs: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    monkeypatch.setattr(build_module, "SCHEMA_VERSION", 999)
    assert needs_build(packs, db)


def settle(packs: Path) -> None:
    """Date every pack a minute back, like files not edited while the store was built."""
    old = time.time_ns() - 60 * 10**9
    for path in packs.glob("*.toml"):
        os.utime(path, ns=(old, old))


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the pack files hashed from now on."""
    names: list[str] = []
    real = build_module._sha256

    def counting(path: Path) -> str:
        names.append(path.name)
        return real(path)
    monkeypatch.setattr(build_module, "_sha256", counting)
    return names


@pytest.fixture
def built(packs: Path, tmp_path: Path) -> Path:
    """A store built from settled packs."""
    settle(packs)
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    return db


def test_a_start_hashes_only_the_changed_packs(packs: Path, built: Path,
                                               hashed: list[str]) -> None:
    assert not needs_build(packs, built)
    assert hashed == []
    pack = packs / "soundtrack2.toml"
    pack.write_text(pack.read_text().replace("Love Again", "Love Agaim"))  # same size
    assert needs_build(packs, built)
    assert hashed == ["soundtrack2.toml"]


def test_a_touched_but_unchanged_pack_is_hashed_not_rebuilt(packs: Path, built: Path,
                                                            hashed: list[str]) -> None:
    (packs / "soundtrack1.toml").touch()
    assert not needs_build(packs, built)
    assert hashed == ["soundtrack1.toml"]


def test_the_cache_leaves_the_fingerprint_a_content_fingerprint(packs: Path,
                                                                built: Path) -> None:
    known = stored_pack_files(built)
    assert set(known) == {"soundtrack1.toml", "soundtrack2.toml"}
    first = packs_fingerprint(packs)
    assert packs_fingerprint(packs, known) == first == stored_fingerprint(built)
    extra = packs / "extra.toml"
    shutil.copyfile(packs / "soundtrack1.toml", extra)
    assert packs_fingerprint(packs, known) != first  # added
    extra.unlink()
    assert packs_fingerprint(packs, known) == first
    (packs / "soundtrack2.toml").rename(packs / "renamed.toml")
    assert packs_fingerprint(packs, known) != first  # renamed
    (packs / "renamed.toml").unlink()
    assert packs_fingerprint(packs, known) != first  # removed


@pytest.mark.parametrize("record", [
    "not json", "[1, 2]", '{"soundtrack1.toml": [1, "x", "y"]}', "{}", "[" * 100_000])
def test_a_corrupt_cache_means_hashing_again(packs: Path, built: Path, hashed: list[str],
                                             record: str) -> None:
    conn = sqlite3.connect(built)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'pack_files'", (record,))
    conn.close()
    assert stored_pack_files(built) == {}
    assert not needs_build(packs, built)
    assert sorted(hashed) == ["soundtrack1.toml", "soundtrack2.toml"]


def test_an_unreadable_pack_means_a_build_not_a_crash(packs: Path, built: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's loader then names the file ("cannot read the file")."""
    def denied(path: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(build_module, "_sha256", denied)
    assert not needs_build(packs, built)  # unchanged files are not read
    (packs / "soundtrack1.toml").touch()
    assert needs_build(packs, built)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_records_the_files_as_a_check_hashes_them(packs: Path, tmp_path: Path,
                                                          workers: int) -> None:
    """The build hashes each pack where it is parsed, and the files the loader skips
    (a draft named _*) on their own: the record and the fingerprint are those of
    `pack_files`, in its order."""
    (packs / "_draft.toml").write_text("not even TOML [")
    settle(packs)
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db, workers=workers)
    expected = build_module.pack_files(packs, {})
    assert [f.name for f in expected] == ["_draft.toml", "soundtrack1.toml",
                                          "soundtrack2.toml"]
    assert list(stored_pack_files(db).values()) == expected
    assert stored_fingerprint(db) == packs_fingerprint(packs)
    assert not needs_build(packs, db)


def test_packs_edited_just_before_a_build_are_not_cached(packs: Path, tmp_path: Path) -> None:
    """A second same-size edit within the same mtime tick would go unseen."""
    settle(packs)
    (packs / "soundtrack2.toml").touch()
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    assert set(stored_pack_files(db)) == {"soundtrack1.toml"}
    assert not needs_build(packs, db)


# -- building --------------------------------------------------------------------------------

def test_build_result(packs: Path, tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "facts.sqlite3"  # folders are created
    result = build_fact_store(packs, db)
    assert result.path == db and db.is_file()
    assert (result.packs, result.dramas, result.people, result.tracks) == (2, 2, 10, 4)
    assert result.sources == 8 and result.names > 20
    assert leftovers(db.parent) == []


async def test_rebuild_replaces_the_store(packs: Path, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    (packs / "soundtrack2.toml").unlink()
    build_fact_store(packs, db)
    store = await FactStore.open(db)
    try:
        assert [d.slug for d in await store.dramas()] == ["soundtrack1"]
    finally:
        await store.close()


async def test_an_open_store_keeps_answering_across_a_rebuild(packs: Path,
                                                                tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    store = await FactStore.open(db)
    try:
        (packs / "soundtrack2.toml").unlink()
        build_fact_store(packs, db)
        assert await store.drama("soundtrack2") is not None  # still the file it opened
        fresh = await FactStore.open(db)
        try:
            assert await fresh.drama("soundtrack2") is None
        finally:
            await fresh.close()
    finally:
        await store.close()


async def test_failed_build_keeps_the_working_store(packs: Path, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    before = db.read_bytes()

    pack = packs / "soundtrack1.toml"
    pack.write_text(pack.read_text().replace('person = "doyoung"', 'person = "nobody"'))
    with pytest.raises(PackLoadError) as caught:
        build_fact_store(packs, db)
    assert any("nobody" in str(e) for e in caught.value.errors)

    assert db.read_bytes() == before
    assert leftovers(tmp_path) == []
    store = await FactStore.open(db)
    try:
        seven = await store.track("soundtrack1", 7)
        assert seven is not None and seven.artists[0].id == "doyoung"
    finally:
        await store.close()


def test_broken_toml_fails_cleanly(packs: Path, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    before = db.read_bytes()
    (packs / "soundtrack2.toml").write_text("format = 1\n[drama\nslug = ")
    with pytest.raises(PackLoadError):
        build_fact_store(packs, db)
    assert db.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_failure_while_writing_removes_the_temp_file(
        packs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    before = db.read_bytes()

    def explode(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(build_module, "_insert_meta", explode)
    with pytest.raises(OSError, match="disk full"):
        build_fact_store(packs, db)
    assert db.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_stale_temp_files_are_cleaned(packs: Path, tmp_path: Path) -> None:
    db = tmp_path / "facts.sqlite3"
    stale = tmp_path / ".facts.sqlite3.abc123.tmp"
    fresh = tmp_path / ".facts.sqlite3.def456.tmp"  # maybe another build, running now
    stale.write_bytes(b"half a build")
    fresh.write_bytes(b"another build")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    build_fact_store(packs, db)
    assert leftovers(tmp_path) == [fresh.name]


def test_dangling_reference_is_refused(packs: Path, tmp_path: Path) -> None:
    """The loader rejects these; the builder's own foreign-key check is the second line."""
    packset = load_packs(packs)
    pack = packset.packs[0]
    ghost_cast = (dataclasses.replace(pack.cast[0], person="ghost"),)
    broken = dataclasses.replace(
        packset, packs=(dataclasses.replace(pack, cast=ghost_cast), *packset.packs[1:]))
    db = tmp_path / "facts.sqlite3"
    with pytest.raises(FactStoreError, match="dangling"):
        write_fact_store(broken, db)
    assert not db.exists()
    assert leftovers(tmp_path) == []


# -- the bundled packs -------------------------------------------------------------------------

def test_real_packs_load() -> None:
    assert check_packs(REAL_PACKS) == [], "the bundled packs must load"


async def test_real_packs_soundtrack1_ost(bundled_store: FactStore) -> None:
    seven = await bundled_store.track("soundtrack1", 7)
    assert seven is not None and seven.track.title is not None
    assert seven.track.title.value == "Just A Little Bit More"
    assert [a.name for a in seven.artists] == ["Doyoung"]
    six = await bundled_store.track("soundtrack1", 6)
    assert six is not None and six.track.title is None  # no source names it


async def test_real_packs_names(bundled_store: FactStore) -> None:
    drama = (await bundled_store.resolve_drama("Why Did You Come To My House")).match
    assert drama is not None and drama.key == "soundtrack1"
    person = (await bundled_store.resolve_person("한소희")).match
    assert person is not None and person.key == "han-so-hee"
    for text in ("Han SoHwee", "han sohee", "Park Hyeong-sik", "park hyungsik", "박형식",
                 "kim jongkook", "DoYoung"):
        assert (await bundled_store.resolve_person(text)).match is not None, text


async def test_real_packs_every_drama_opens(bundled_store: FactStore) -> None:
    refs = await bundled_store.dramas()
    assert len(refs) == len(list(REAL_PACKS.glob("*.toml")))
    for ref in refs:
        info = await bundled_store.drama(ref.slug)
        assert info is not None
        # every source any fact cites is there to render
        for member in info.cast:
            assert set(member.entry.sources) <= set(info.sources)


# -- pack by pack, and in worker processes ----------------------------------------------

def table_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but `meta` (build time, fingerprint), in rowid order."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'meta'")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                if t not in ("sources",) else conn.execute(f"SELECT * FROM {t}").fetchall()
                for t in tables}
    finally:
        conn.close()


@pytest.mark.parametrize("folder", [FIXTURE_PACKS, REAL_PACKS], ids=["fixtures", "bundled"])
def test_workers_build_the_same_store(folder: Path, tmp_path: Path) -> None:
    """Parsing in worker processes changes nothing in the store, nor does writing pack by
    pack from the folder instead of from a loaded PackSet."""
    here, pooled, loaded = (tmp_path / f"{n}.sqlite3" for n in ("here", "pooled", "loaded"))
    build_fact_store(folder, here, workers=1)
    build_fact_store(folder, pooled, workers=2)
    write_fact_store(load_packs(folder), loaded)
    assert table_rows(pooled) == table_rows(here) == table_rows(loaded)


def test_workers_report_the_same_errors(packs: Path, tmp_path: Path) -> None:
    """Errors in single files and across packs (a person whose name differs between packs,
    a duplicated slug) come out of a build in the words and order check_packs gives."""
    one = packs / "soundtrack1.toml"
    two = packs / "soundtrack2.toml"
    one.write_text(one.read_text().replace('person = "doyoung"', 'person = "nobody"'))
    text = two.read_text()
    two.write_text(text.replace('[people.kim-hee-won]\nname = "Kim Hee-won"',
                                '[people.kim-hee-won]\nname = "Kim Heewon"'))
    (packs / "copy.toml").write_text(two.read_text())
    expected = check_packs(packs)
    assert len(expected) >= 3
    assert any("already used" in e.message for e in expected)
    assert any("must agree" in e.message for e in expected)
    for workers in (1, 2):
        with pytest.raises(PackLoadError) as caught:
            build_fact_store(packs, tmp_path / "facts.sqlite3", workers=workers)
        assert caught.value.errors == expected
    assert leftovers(tmp_path) == []


async def test_a_store_made_by_other_model_code_is_refused(packs: Path, tmp_path: Path) -> None:
    """Each drama's parts are stored pickled, which ties a store to the dataclasses that
    made it: a store recording another model hash is rebuilt, never read."""
    db = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = 'other' WHERE key = 'model_hash'")
    conn.close()
    with pytest.raises(FactStoreError, match="model hash other"):
        await FactStore.open(db)


@pytest.mark.parametrize("folder", [FIXTURE_PACKS, REAL_PACKS], ids=["fixtures", "bundled"])
def test_the_stored_index_is_the_one_sorting_the_rows_gives(folder: Path,
                                                             tmp_path: Path) -> None:
    """The build has SQLite sort the names for each stored NameIndex: the index must be
    byte for byte the one NameIndex makes by sorting the rows itself."""
    from bot.store.build import name_index
    from bot.store.facts import index_rows
    from bot.store.names import NameIndex

    db = tmp_path / "facts.sqlite3"
    build_fact_store(folder, db)
    conn = sqlite3.connect(db)
    try:
        for kind in ("drama", "person"):
            sorted_here = NameIndex(kind, index_rows(conn, kind)).to_parts()
            assert name_index(conn, kind).to_parts() == sorted_here
    finally:
        conn.close()


def test_the_index_of_names_out_of_one_run_of_rowids_is_the_same(tmp_path: Path) -> None:
    """Names of a kind whose rowids have gaps are numbered by their order, as NameIndex
    numbers the rows it is given."""
    from bot.store.build import name_index
    from bot.store.facts import index_rows
    from bot.store.names import NameIndex

    db = tmp_path / "facts.sqlite3"
    build_fact_store(REAL_PACKS, db)
    conn = sqlite3.connect(db)
    try:
        for kind in ("drama", "person"):
            (middle,) = conn.execute("SELECT min(rowid) + 3 FROM names WHERE kind = ?",
                                     (kind,)).fetchone()
            conn.execute("DELETE FROM names WHERE rowid IN (?, ?)", (middle, middle + 2))
            sorted_here = NameIndex(kind, index_rows(conn, kind)).to_parts()
            assert name_index(conn, kind).to_parts() == sorted_here
    finally:
        conn.close()


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_dramas_stored_refs_are_the_merged_peoples(tmp_path: Path, workers: int) -> None:
    """Each drama's stored person refs give the merged record's Hangul name, also where
    its own pack left the name out and a later pack gives it."""
    folder = tmp_path / "packs"
    shutil.copytree(REAL_PACKS, folder)
    first = folder / "soundtrack1.toml"
    text = first.read_text(encoding="utf-8")
    assert '[people.kim-hee-won]\nname = "Kim Hee-won"\nhangul = "김희원"\n' in text
    first.write_text(text.replace('[people.kim-hee-won]\nname = "Kim Hee-won"\nhangul = "김희원"\n',
                                  '[people.kim-hee-won]\nname = "Kim Hee-won"\n'),
                     encoding="utf-8")
    db = tmp_path / "facts.sqlite3"
    build_fact_store(folder, db, workers=workers)
    loaded = tmp_path / "loaded.sqlite3"
    write_fact_store(load_packs(folder), loaded)
    assert table_rows(loaded) == table_rows(db)
    store = await FactStore.open(db)
    try:
        for ref in await store.dramas():
            info = await store.drama(ref.slug)
            assert info is not None
            used = [*(c.person for c in info.cast), *(c.person for c in info.crew),
                    *(a for t in info.tracks for a in t.artists)]
            merged = await store.person_refs(r.id for r in used)
            assert used == [merged[r.id] for r in used], ref.slug
            assert all(t.drama == ref for t in info.tracks)
        info = await store.drama("soundtrack1")
        assert info is not None
        assert {c.person.hangul for c in info.crew if c.person.id == "kim-hee-won"} == {"김희원"}
    finally:
        await store.close()


def test_a_check_reads_the_record_along_the_folder(packs: Path, built: Path,
                                                   hashed: list[str]) -> None:
    """A file added before the others in name order is hashed, the rest are not; the
    record then matches again once it is gone."""
    extra = packs / "aaa.toml"
    shutil.copyfile(packs / "soundtrack1.toml", extra)
    assert needs_build(packs, built)
    assert hashed == ["aaa.toml"]
    extra.unlink()
    hashed.clear()
    assert not needs_build(packs, built)
    assert hashed == []


def test_the_pack_files_are_the_folders_toml_files_in_path_order(tmp_path: Path) -> None:
    """What a build parses: every `*.toml` file but drafts, hidden files and folders,
    in the order their Paths sort."""
    from bot.packs.loader import pack_paths

    folder = tmp_path / "packs"
    folder.mkdir()
    for name in ("b.toml", "a-2.toml", "a.toml", "C.toml", "_draft.toml", ".hidden.toml",
                 "notes.txt", "é.toml"):
        (folder / name).write_text("")
    (folder / "dir.toml").mkdir()
    paths, errors = pack_paths(folder)
    assert errors == []
    assert paths == sorted(p for p in folder.glob("*.toml")
                           if p.is_file() and not p.name.startswith(("_", ".")))
    assert len(paths) == 5


def test_an_artists_keys_are_those_of_their_texts() -> None:
    """The people's rows take an artist's search keys from their name rows; they are the
    keys of `_artist_texts` (name, Hangul, aliases, groups) all the same."""
    def group(value: str, *also: str) -> Fact:
        return Fact(Reading(value, ("s",)), also=tuple(Reading(a, ("s",)) for a in also))
    people = [*load_packs(REAL_PACKS).people.values(),
              Person("x", "Doyoung", ("s",)),
              Person("y", "Kim Se-jeong", ("s",), hangul="김세정",
                     aliases=("Sejeong", "Kim Sejeong", "..."), groups=(group("gugudan"),)),
              Person("z", "Hee", ("s",), hangul="", aliases=("hee",),
                     groups=(group("NCT", "NCT 127"), group("Hee")))]
    assert any(p.groups for p in people)
    for p in people:
        named = list(build_module._person_names({p.id: p}))
        expected = build_module._search_keys(build_module._artist_texts(p), {})
        assert list(build_module._artist_keys(p, named)) == list(expected), p.id
