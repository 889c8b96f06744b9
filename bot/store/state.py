"""The state store: what the bot writes at run time (guild settings, and the quiz's tables).

Two engines, one interface (`bot.store.backends`): a SQLite file (`state.sqlite3`, the
embedded default for one process) or PostgreSQL (`DATABASE_URL`), which every shard
process on every machine shares. Unlike the fact store it is never rebuilt: its schema
grows through numbered migrations, one `.sql` file per dialect
(`bot/store/migrations/<dialect>/NNNN_name.sql`), each applied once, in order, in its own
transaction, recorded in `schema_migrations`, under a lock so that two processes starting
together migrate once.

Write through `async with state.transaction():` so that several statements commit together
and concurrent tasks never interleave inside one another's transaction. Statements the
store runs for a task that holds a transaction (`state.execute`, `state.fetchall`) run
inside that transaction, on either engine.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.shards import ShardScope
from bot.store.backends import (
    Backend,
    Executor,
    Params,
    PoolSettings,
    PostgresBackend,
    Row,
    SqliteBackend,
    split_sql,
)

__all__ = ["MIGRATIONS_DIR", "Migration", "PoolSettings", "StateStore", "StateStoreError",
           "discover_migrations", "is_database_url", "migrations_dir", "split_sql"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")  # one folder per dialect
_MIGRATION_RE = re.compile(r"^(\d{4})_[A-Za-z0-9_-]+\.sql$")
_URL_SCHEMES = ("postgresql://", "postgres://")
SETTINGS_CHANNEL = "dramabot_settings"  # NOTIFY channel of guild settings changes


class StateStoreError(Exception):
    """A migration folder or file is malformed (two files with one number, say)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def migrations_dir(dialect: str) -> Path:
    """The bundled migrations of a dialect ("sqlite" or "postgres")."""
    return MIGRATIONS_DIR / dialect


def discover_migrations(folder: Path | None = None) -> list[Migration]:
    """Every `NNNN_*.sql` in the folder (default: the SQLite ones), by number; other files
    are ignored."""
    found: dict[int, Migration] = {}
    for path in sorted(Path(folder or migrations_dir("sqlite")).glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if not m:
            continue
        version = int(m.group(1))
        if version in found:
            raise StateStoreError(
                f"two migrations numbered {version:04d}: {found[version].name}, {path.name}")
        found[version] = Migration(version, path.name, path)
    return [found[v] for v in sorted(found)]


def is_database_url(target: Path | str) -> bool:
    """A PostgreSQL URL, as opposed to a SQLite file path."""
    return isinstance(target, str) and target.startswith(_URL_SCHEMES)


def utc_now() -> str:
    """The time as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') writes it, on both engines."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class StateStore:
    """Guild settings (and, through its own migrations, the quiz's state).

    `scope` is the shards this process runs (None: all of them); start-up clean-up of
    live state (a quiz left running by a crash) touches only their guilds, never a game
    another process is playing."""

    def __init__(self, backend: Backend, target: Path | str) -> None:
        self.backend = backend
        self.target = target
        self.scope: ShardScope | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._executor: Executor | None = None  # the owner's transaction
        self._depth = 0
        self._settings: dict[int, dict[str, str | None]] = {}  # guild -> column -> value
        self._generation = 0  # bumped by every settings change, here or notified
        self._caching = True  # False while a PostgreSQL listener is lost
        self._token = secrets.token_hex(8)  # this process, in its own NOTIFY payloads

    @classmethod
    async def open(cls, target: Path | str, migrations: Path | None = None, *,
                   pool: PoolSettings | None = None) -> StateStore:
        """Open (creating if needed) the store and apply every pending migration.

        `target` is a SQLite file path or a `postgresql://` URL; `migrations` is a folder
        of that dialect's migrations (default: the bundled ones)."""
        backend: Backend
        if is_database_url(target):
            backend = await PostgresBackend.open(str(target), pool or PoolSettings())
        else:
            backend = await SqliteBackend.open(Path(target))
        store = cls(backend, target)
        try:
            await store.migrate(discover_migrations(migrations or migrations_dir(
                backend.dialect)))
            await store.listen_for_settings()
        except BaseException:
            await backend.close()
            raise
        return store

    @property
    def dialect(self) -> str:
        return self.backend.dialect

    async def close(self) -> None:
        await self.backend.close()

    # -- statements -------------------------------------------------------------------------

    def _current(self) -> Executor:
        """The calling task's transaction if it holds one, else the idle connection(s)."""
        if self._executor is not None and self._owner is asyncio.current_task():
            return self._executor
        return self.backend.idle

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns how many rows it changed."""
        return await self._current().execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._current().executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._current().fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    # -- transactions ---------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self.backend.in_transaction

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """Run a block of statements as one transaction (COMMIT, or ROLLBACK on any
        exception). Transactions from different tasks of this process queue up, on
        either engine, so a read-then-write never interleaves with another task's; a
        nested `transaction()` in the same task becomes a SAVEPOINT."""
        task = asyncio.current_task()
        if task is not None and self._owner is task and self._executor is not None:
            async with self._savepoint(self._executor):
                yield self._executor
            return
        async with self._lock:
            self._owner = task
            try:
                async with self.backend.begin() as executor:
                    self._executor = executor
                    yield executor
            finally:
                self._owner = None
                self._executor = None

    @asynccontextmanager
    async def _savepoint(self, executor: Executor) -> AsyncIterator[None]:
        self._depth += 1
        name = f"sp_{self._depth}"
        try:
            await executor.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                await executor.execute(f"ROLLBACK TO SAVEPOINT {name}")
                await executor.execute(f"RELEASE SAVEPOINT {name}")
                raise
            await executor.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1

    # -- migrations -----------------------------------------------------------------------

    async def migrate(self, migrations: list[Migration]) -> list[int]:
        """Apply the migrations not yet recorded, in order, each in one transaction.
        Returns the versions applied now."""
        applied: list[int] = []
        async with self.backend.migration_lock():
            await self.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for migration in migrations:
                async with self.transaction() as db:
                    if migration.version in await self.applied_migrations():
                        continue  # checked inside the lock: another process may have won
                    script = migration.path.read_text(encoding="utf-8")
                    await self.backend.run_script(db, script)
                    await db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at)"
                        " VALUES (?, ?, ?)", (migration.version, migration.name, utc_now()))
                applied.append(migration.version)
        return applied

    async def applied_migrations(self) -> list[int]:
        rows = await self.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        return [int(r[0]) for r in rows]

    # -- guild settings -------------------------------------------------------------------
    #
    # Every command without a drama asks for the server's default drama, and every public
    # reply for its language, so both are kept in memory per guild (`_settings`): read
    # once, then answered without a round trip. A write in this process drops the guild's
    # entry when it commits (read again once: the one round trip per change also sees a
    # statement run on the table by hand). What another process writes:
    #
    # - PostgreSQL (several shard processes share one database): each write also sends
    #   NOTIFY on SETTINGS_CHANNEL in its transaction, delivered when it commits; every
    #   process LISTENs on a connection of its own and drops the guild's entry. If that
    #   connection is lost (notices may be missed), the cache is emptied and bypassed
    #   until it listens again. A change is seen by the other processes within the time a
    #   notice takes to arrive (milliseconds), never later.
    # - SQLite: the state file belongs to one process (docs/deploy.md: several processes
    #   need PostgreSQL), so its own writes are all there is.
    #
    # A read that started before a write committed must not put the older value back:
    # each read remembers the generation it began in and stores its result only if no
    # change (here or notified) came in since.

    def _cached(self, guild_id: int, column: str) -> tuple[bool, str | None]:
        entry = self._settings.get(guild_id)
        if entry is None or column not in entry:
            return False, None
        return True, entry[column]

    async def _setting(self, guild_id: int, column: str) -> str | None:
        hit, value = self._cached(guild_id, column)
        if hit:
            return value
        generation = self._generation
        value = await self.fetchval(
            f"SELECT {column} FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if self._caching and generation == self._generation:
            self._settings.setdefault(guild_id, {})[column] = value
        return value

    async def _set_setting(self, guild_id: int, column: str, value: str | None) -> None:
        async with self.transaction() as db:
            await db.execute(
                f"INSERT INTO guild_settings (guild_id, {column}, updated_at)"
                f" VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET"
                f" {column} = excluded.{column}, updated_at = excluded.updated_at",
                (guild_id, value, utc_now()))
            if self.dialect == "postgres":
                await db.execute("SELECT pg_notify(?, ?)",
                                 (SETTINGS_CHANNEL, f"{self._token}:{guild_id}"))
        self._generation += 1  # a read begun before the commit must not store its value
        self._settings.pop(guild_id, None)  # read again, once, after any change

    def _settings_changed(self, payload: str | None) -> None:
        """A NOTIFY from any process (None: notices may have been missed)."""
        self._generation += 1
        if payload is None:
            self._settings.clear()
            # lost: bypass the cache until the listener is back; back: cache again
            self._caching = bool(getattr(self.backend, "listening", True))
            return
        token, _, guild = payload.partition(":")
        if token == self._token:
            return  # this process's own write: its entry was dropped when it committed
        try:
            self._settings.pop(int(guild), None)
        except ValueError:
            self._settings.clear()

    async def listen_for_settings(self) -> None:
        """On PostgreSQL, hear other processes' settings changes (see above)."""
        listen = getattr(self.backend, "listen", None)
        if listen is None:
            return
        await listen(SETTINGS_CHANNEL, self._settings_changed)

    async def get_default_drama(self, guild_id: int) -> str | None:
        """The drama slug commands in this guild use when none is given, if set; from
        memory once read (see above)."""
        return await self._setting(guild_id, "default_drama")

    async def set_default_drama(self, guild_id: int, slug: str | None) -> None:
        """Set (or with None clear) the guild's default drama. The slug is not checked
        here: the state store does not know the fact store; the caller validates."""
        await self._set_setting(guild_id, "default_drama", slug)

    async def get_language(self, guild_id: int) -> str | None:
        """The language the guild chose for its public messages, if any; from memory
        once read, like the default drama."""
        return await self._setting(guild_id, "language")

    async def set_language(self, guild_id: int, language: str | None) -> None:
        """Set (or with None clear: follow Discord's guild_locale) the guild's language."""
        await self._set_setting(guild_id, "language", language)
