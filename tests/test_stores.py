"""The two SQLite files' promises: the state store is migrated forward once and keeps
what it holds across restarts (on both engines: `state_target`); the fact store is
replaced only by a complete build."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.packs.model import PackLoadError
from bot.store.build import build_fact_store, needs_build
from bot.store.facts import FactStore
from bot.store.state import StateStore, StateStoreError, discover_migrations
from tests.support import PACKS_DIR

GUILD = 123456789012345678


async def inspect_store(target: str | Path) -> tuple[set[str], list[int]]:
    """The tables and applied migrations of a store, read without StateStore (which
    would try to migrate it)."""
    if isinstance(target, Path):
        with sqlite3.connect(target) as db:
            return ({r[0] for r in db.execute("SELECT name FROM sqlite_master")},
                    [r[0] for r in db.execute("SELECT version FROM schema_migrations")])
    import asyncpg

    connection = await asyncpg.connect(target)
    try:
        rows = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        versions = await connection.fetch("SELECT version FROM schema_migrations")
        return {r[0] for r in rows}, [r[0] for r in versions]
    finally:
        await connection.close()


async def test_migrations_apply_once_and_settings_survive_a_restart(
        state_target: str | Path) -> None:
    path = state_target
    store = await StateStore.open(path)
    versions = [m.version for m in discover_migrations()]
    assert versions[:2] == [1, 2]
    assert await store.applied_migrations() == versions
    await store.set_default_drama(GUILD, "soundtrack2")
    await store.close()

    store = await StateStore.open(path)  # a restart: nothing re-applied, nothing lost
    try:
        assert await store.migrate(discover_migrations()) == []
        assert await store.get_default_drama(GUILD) == "soundtrack2"
        assert await store.get_default_drama(GUILD + 1) is None
        await store.set_default_drama(GUILD, None)
        assert await store.get_default_drama(GUILD) is None
    finally:
        await store.close()


async def test_state_store_is_durable_by_configuration(state_target: str | Path) -> None:
    store = await StateStore.open(state_target)
    try:
        if store.dialect == "postgres":  # COMMIT returns once the WAL is on disk
            assert await store.fetchval("SHOW synchronous_commit") == "on"
            return
        (mode,) = (await store.fetchall("PRAGMA journal_mode"))[0]
        (sync,) = (await store.fetchall("PRAGMA synchronous"))[0]
        assert str(mode).lower() == "wal"
        assert int(sync) == 2  # FULL: a committed score survives a power cut
    finally:
        await store.close()


async def test_a_failing_migration_changes_nothing(tmp_path: Path,
                                                    state_target: str | Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_ok.sql").write_text("CREATE TABLE kept (x INTEGER);")
    (migrations / "0002_bad.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;")
    syntax_error: type[Exception] = sqlite3.OperationalError
    if isinstance(state_target, str):
        import asyncpg

        syntax_error = asyncpg.PostgresSyntaxError
    with pytest.raises(syntax_error):
        await StateStore.open(state_target, migrations)
    tables, applied = await inspect_store(state_target)
    assert "kept" in tables and "half_done" not in tables
    assert applied == [1]


def test_two_migrations_with_one_number_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0001_b.sql").write_text("")
    with pytest.raises(StateStoreError, match="two migrations numbered 0001"):
        discover_migrations(tmp_path)


async def test_a_failed_build_leaves_the_old_store_and_no_litter(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    db_path = tmp_path / "facts.sqlite3"
    build_fact_store(packs, db_path)
    assert not needs_build(packs, db_path)
    before = db_path.read_bytes()
    (packs / "vincenzo.toml").write_text("format = 1\n[drama]\nslug = 'vincenzo'\n")
    assert needs_build(packs, db_path)
    with pytest.raises(PackLoadError):
        build_fact_store(packs, db_path)
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facts.sqlite3", "packs"]
    store = await FactStore.open(db_path)
    try:
        drama = await store.drama("vincenzo")
        assert drama is not None and drama.drama.title.value == "Vincenzo"
    finally:
        await store.close()


async def test_every_fact_keeps_its_sources_through_the_store(built_fact_store: Path) -> None:
    store = await FactStore.open(built_fact_store)
    try:
        info = await store.drama("soundtrack1")
        assert info is not None
        heroine = next(c for c in info.cast if c.person.id == "han-so-hee")
        assert heroine.entry.character.contested
        cited = {*heroine.entry.character.sources,
                 *(s for r in heroine.entry.character.also for s in r.sources)}
        assert cited <= set(info.sources)  # every cited source comes with the answer
        track6 = await store.track("soundtrack1", 6)
        assert track6 is not None and track6.track.title is None
        assert [a.name for a in track6.artists] == ["Standing Egg"]
        assert [t.track.number for t in await store.tracks("soundtrack1")] == list(range(1, 8))
        assert await store.track("soundtrack1", 8) is None
        found = await store.search_tracks("doyoung")
        assert [(t.drama.slug, t.track.number) for t in found] == [("soundtrack1", 7)]
    finally:
        await store.close()
