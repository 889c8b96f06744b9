"""The state store: durability settings, numbered migrations applied once and atomically,
guild settings surviving a restart, and transactions. Every test runs on both engines
(`state_target`: a SQLite file, then a PostgreSQL database of its own)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.state import (
    StateStore,
    StateStoreError,
    discover_migrations,
    migrations_dir,
    split_sql,
)

Target = str | Path


@pytest.fixture
async def state(state_target: Target) -> AsyncIterator[StateStore]:
    store = await StateStore.open(state_target)
    yield store
    await store.close()


async def scalar(store: StateStore, sql: str) -> object:
    return await store.fetchval(sql)


async def tables(store: StateStore) -> set[str]:
    return await table_names(store)


async def table_names(store: StateStore) -> set[str]:
    sql = ("SELECT name FROM sqlite_master WHERE type = 'table'" if store.dialect == "sqlite"
           else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {str(r[0]) for r in await store.fetchall(sql)}


async def guild_ids(store: StateStore) -> str:
    """group_concat(guild_id) in id order, on either engine."""
    rows = await store.fetchall("SELECT guild_id FROM guild_settings ORDER BY guild_id")
    return ",".join(str(r[0]) for r in rows)


# -- durability and the bundled migrations ---------------------------------------------------

async def test_pragmas(state: StateStore) -> None:
    if state.dialect == "postgres":  # a commit returns once the WAL is flushed to disk
        assert await scalar(state, "SHOW synchronous_commit") == "on"
        assert await scalar(state, "SHOW fsync") == "on"
        return
    assert await scalar(state, "PRAGMA journal_mode") == "wal"
    assert await scalar(state, "PRAGMA synchronous") == 2  # FULL: no lost scores
    assert await scalar(state, "PRAGMA foreign_keys") == 1


def test_every_dialect_has_the_same_migrations() -> None:
    """One .sql file per dialect for every number: a migration added to one engine only
    would leave the other's stores behind."""
    sqlite = [m.name for m in discover_migrations(migrations_dir("sqlite"))]
    postgres = [m.name for m in discover_migrations(migrations_dir("postgres"))]
    assert sqlite == postgres and sqlite[:2] == ["0001_initial.sql", "0002_quiz.sql"]


async def test_bundled_migrations_apply_once(state_target: Target) -> None:
    path = state_target
    expected = [m.version for m in discover_migrations()]
    assert expected[0] == 1
    store = await StateStore.open(path)
    assert await store.applied_migrations() == expected
    assert "guild_settings" in await tables(store)
    await store.close()

    store = await StateStore.open(path)  # a restart applies nothing again
    try:
        assert await store.migrate(discover_migrations()) == []
        assert await scalar(store, "SELECT count(*) FROM schema_migrations") == len(expected)
    finally:
        await store.close()


# -- the migration runner ----------------------------------------------------------------------

@pytest.fixture
def migrations(tmp_path: Path, state_target: Target) -> Path:
    """A migrations folder of the target's dialect: its bundled 0001, then test ones."""
    dialect = "sqlite" if isinstance(state_target, Path) else "postgres"
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(migrations_dir(dialect) / "0001_initial.sql", folder)
    (folder / "0002_scores.sql").write_text(
        "CREATE TABLE scores (guild_id INTEGER NOT NULL REFERENCES guild_settings (guild_id),"
        " user_id INTEGER NOT NULL, points INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (guild_id, user_id));\n"
        "-- a note; with a semicolon\n"
        "CREATE INDEX scores_by_points ON scores (guild_id, points)")
    (folder / "README.md").write_text("not a migration")
    (folder / "12_bad_name.sql").write_text("this is ignored")
    return folder


async def test_migrations_apply_in_order_and_later_ones_too(state_target: Target,
                                                            migrations: Path) -> None:
    path = state_target
    store = await StateStore.open(path, migrations)
    assert await store.applied_migrations() == [1, 2]
    await store.set_default_drama(1, "soundtrack1")
    async with store.transaction() as db:
        await db.execute("INSERT INTO scores (guild_id, user_id, points) VALUES (1, 2, 30)")
    await store.close()

    (migrations / "0003_streaks.sql").write_text(
        "ALTER TABLE scores ADD COLUMN streak INTEGER NOT NULL DEFAULT 0;")
    store = await StateStore.open(path, migrations)
    try:
        assert await store.applied_migrations() == [1, 2, 3]
        assert await scalar(store, "SELECT points + streak FROM scores") == 30  # data kept
        assert await store.get_default_drama(1) == "soundtrack1"
    finally:
        await store.close()


async def test_a_failing_migration_is_all_or_nothing(state_target: Target,
                                                     migrations: Path) -> None:
    path = state_target
    bad = migrations / "0003_bad.sql"
    bad.write_text("CREATE TABLE half_done (x INTEGER);\nCREATE TABLE oops (;\n")
    with pytest.raises(Exception, match="syntax error"):
        await StateStore.open(path, migrations)

    bad.write_text("CREATE TABLE half_done (x INTEGER);\n")  # fixed
    store = await StateStore.open(path, migrations)
    try:
        assert await store.applied_migrations() == [1, 2, 3]
        assert "half_done" in await tables(store)
        assert "oops" not in await tables(store)
    finally:
        await store.close()


async def test_failed_migration_leaves_no_partial_table(state_target: Target,
                                                        migrations: Path) -> None:
    (migrations / "0003_bad.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO missing_table VALUES (1);\n")
    path = state_target
    with pytest.raises(Exception, match="missing_table"):
        await StateStore.open(path, migrations)
    (migrations / "0003_bad.sql").unlink()
    store = await StateStore.open(path, migrations)
    try:
        assert await store.applied_migrations() == [1, 2]
        assert "half_done" not in await tables(store)
    finally:
        await store.close()


def test_duplicate_migration_numbers(migrations: Path) -> None:
    (migrations / "0002_again.sql").write_text("SELECT 1;")
    with pytest.raises(StateStoreError, match="two migrations numbered 0002"):
        discover_migrations(migrations)


def test_discover_ignores_other_files(migrations: Path) -> None:
    assert [m.name for m in discover_migrations(migrations)] == [
        "0001_initial.sql", "0002_scores.sql"]


def test_split_sql() -> None:
    script = """
        -- comment; with a semicolon
        CREATE TABLE a (x TEXT DEFAULT 'semi;colon');
        CREATE TRIGGER t AFTER INSERT ON a BEGIN
            UPDATE a SET x = 'y;' WHERE rowid = new.rowid;
        END;
        /* block; comment */ INSERT INTO a VALUES ('z');
        SELECT 1
    """
    statements = split_sql(script)
    assert len(statements) == 4
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    assert statements[-1] == "SELECT 1"
    assert split_sql("-- only a comment\n") == ["-- only a comment"]
    assert split_sql("") == []


# -- guild settings --------------------------------------------------------------------------

async def test_default_drama(state: StateStore) -> None:
    guild = 1_056_478_987_654_321_012  # a real-sized snowflake
    assert await state.get_default_drama(guild) is None
    await state.set_default_drama(guild, "soundtrack1")
    assert await state.get_default_drama(guild) == "soundtrack1"
    await state.set_default_drama(guild, "soundtrack2")
    assert await state.get_default_drama(guild) == "soundtrack2"
    assert await state.get_default_drama(guild + 1) is None  # per guild
    await state.set_default_drama(guild, None)
    assert await state.get_default_drama(guild) is None


async def test_settings_survive_close_and_reopen(state_target: Target) -> None:
    path = state_target
    store = await StateStore.open(path)
    await store.set_default_drama(42, "soundtrack1")
    await store.close()
    store = await StateStore.open(path)
    try:
        assert await store.get_default_drama(42) == "soundtrack1"
        assert await scalar(store, "SELECT updated_at FROM guild_settings") is not None
    finally:
        await store.close()


# -- transactions ----------------------------------------------------------------------------

async def test_transaction_commits_or_rolls_back(state: StateStore) -> None:
    async with state.transaction() as db:
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (1)")
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (2)")
    with pytest.raises(RuntimeError):
        async with state.transaction() as db:
            await db.execute("INSERT INTO guild_settings (guild_id) VALUES (3)")
            raise RuntimeError("boom")
    assert await guild_ids(state) == "1,2"
    assert not state.in_transaction


async def test_nested_transaction_is_a_savepoint(state: StateStore) -> None:
    async with state.transaction() as db:
        await db.execute("INSERT INTO guild_settings (guild_id) VALUES (1)")
        with pytest.raises(ValueError):
            async with state.transaction():
                await db.execute("INSERT INTO guild_settings (guild_id) VALUES (2)")
                raise ValueError
        async with state.transaction():
            await db.execute("INSERT INTO guild_settings (guild_id) VALUES (3)")
    assert await guild_ids(state) == "1,3"


async def test_concurrent_transactions_do_not_interleave(state: StateStore) -> None:
    await state.set_default_drama(7, "0")

    async def bump() -> None:
        for _ in range(20):
            async with state.transaction() as db:
                rows = await db.fetchall(
                    "SELECT default_drama FROM guild_settings WHERE guild_id = 7")
                row = rows[0] if rows else None
                assert row is not None
                await asyncio.sleep(0)  # let the other tasks try to get in
                await db.execute("UPDATE guild_settings SET default_drama = ? WHERE guild_id = 7",
                                 (str(int(row[0]) + 1),))

    await asyncio.gather(*(bump() for _ in range(5)))
    assert await state.get_default_drama(7) == "100"


async def test_a_second_connection_sees_committed_writes(state_target: Target) -> None:
    path = state_target
    writer = await StateStore.open(path)
    reader = await StateStore.open(path)
    try:
        await writer.set_default_drama(5, "soundtrack2")
        assert await reader.get_default_drama(5) == "soundtrack2"
    finally:
        await writer.close()
        await reader.close()


async def test_two_processes_starting_together_migrate_once(state_target: Target) -> None:
    """Two stores (two connections, as two processes would have) open a new store at the
    same moment: the lock (BEGIN IMMEDIATE, or pg_advisory_lock) lets one migrate, and
    the other finds everything applied."""
    expected = [m.version for m in discover_migrations()]
    first, second = await asyncio.gather(StateStore.open(state_target),
                                         StateStore.open(state_target))
    try:
        assert await first.applied_migrations() == expected
        assert await second.applied_migrations() == expected
        assert await scalar(first, "SELECT count(*) FROM schema_migrations") == len(expected)
    finally:
        await first.close()
        await second.close()
