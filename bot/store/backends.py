"""The state store's two engines behind one small interface: SQLite (aiosqlite, one
connection, the embedded default) and PostgreSQL (asyncpg, a pool, for several processes).

SQL is written once, in the subset both engines understand, with SQLite's parameter styles
(`?` or `:name`); `postgres_sql` rewrites them to asyncpg's `$1`. What differs (BEGIN
IMMEDIATE or BEGIN, how a migration script runs, how two processes are kept from
migrating at once) is here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from bot.store.health import BUSY_TIMEOUT_MS

Params = Sequence[Any] | Mapping[str, Any]
Row = tuple[Any, ...]

# pg_advisory_lock key for migrations: any constant shared by every dramabot process.
MIGRATION_LOCK_KEY = 0x6472616D61  # "drama"


@dataclass(frozen=True)
class PoolSettings:
    """PostgreSQL connection pool: sizes per process, and timeouts in seconds."""

    min_size: int = 1
    max_size: int = 10
    connect_timeout: float = 10.0
    query_timeout: float = 30.0


class Executor(Protocol):
    """Statements on one connection (a transaction's) or on the store (outside one)."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Backend(Protocol):
    dialect: str

    @property
    def idle(self) -> Executor:
        """Where statements outside a transaction go."""
        ...

    @property
    def in_transaction(self) -> bool: ...

    def begin(self) -> Any:
        """`async with backend.begin() as executor:` one outermost transaction."""
        ...

    def migration_lock(self) -> Any:
        """`async with backend.migration_lock():` held while migrations are applied."""
        ...

    async def run_script(self, executor: Executor, script: str) -> None: ...

    async def close(self) -> None: ...


# -- SQLite ---------------------------------------------------------------------------------

def split_sql(script: str) -> list[str]:
    """Split a script into statements, using SQLite's own tokenizer (complete_statement),
    so semicolons in strings, comments and trigger bodies do not split. Needed because
    sqlite3's executescript commits any open transaction, which would break
    one-transaction-per-migration."""
    statements: list[str] = []
    buffer = ""
    parts = script.split(";")
    for i, part in enumerate(parts):
        buffer += part
        if i == len(parts) - 1:
            break
        buffer += ";"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():  # a last statement without ";", or only comments: both run fine
        statements.append(buffer.strip())
    return statements


class SqliteExecutor:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self.db.execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.db.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return [tuple(r) for r in await self.db.execute_fetchall(sql, params)]


async def _pragma(db: aiosqlite.Connection, pragma: str, attempts: int = 50) -> None:
    """Run a PRAGMA, waiting out a lock: SQLite can answer the switch to WAL of a file
    that another process is opening at that moment with SQLITE_BUSY at once, without its
    busy handler."""
    for attempt in range(attempts):
        try:
            await db.execute(f"PRAGMA {pragma}")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))


class SqliteBackend:
    """One aiosqlite connection in autocommit mode, shared by the whole process. WAL lets
    readers run beside a writer; `synchronous=FULL` because a committed quiz score must
    survive a power cut."""

    dialect = "sqlite"
    # busy_timeout first: switching a new file to WAL takes a lock that a second process
    # opening it at the same moment must wait for, not fail on.
    PRAGMAS = (f"busy_timeout = {BUSY_TIMEOUT_MS}", "journal_mode = WAL",
               "synchronous = FULL", "foreign_keys = ON")

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._executor = SqliteExecutor(db)

    @classmethod
    async def open(cls, path: Path) -> SqliteBackend:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            for pragma in cls.PRAGMAS:
                await _pragma(db, pragma)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    @property
    def idle(self) -> Executor:
        return self._executor

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Executor]:
        # IMMEDIATE takes the write lock at once: two processes on one file queue up here
        # instead of failing later on a lock upgrade.
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self._executor
            await self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                await self.db.execute("ROLLBACK")
            raise

    @asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        # Each migration's BEGIN IMMEDIATE already excludes other processes, and the runner
        # re-reads what is applied inside it: nothing more to lock.
        yield

    async def run_script(self, executor: Executor, script: str) -> None:
        for statement in split_sql(script):
            await executor.execute(statement)

    async def close(self) -> None:
        await self.db.close()


# -- PostgreSQL -----------------------------------------------------------------------------

# Strings, quoted names, comments and `::` casts are copied as they are; `:name` and `?`
# become $n.
_TOKENS = re.compile(
    r"""'(?:[^']|'')*'|"[^"]*"|--[^\n]*|/\*.*?\*/|::|(?<![\w:]):([A-Za-z_]\w*)|\?""", re.S)


@lru_cache(maxsize=1024)
def postgres_sql(sql: str) -> tuple[str, tuple[str, ...] | int]:
    """SQLite-style placeholders as asyncpg's: returns the query and either the parameter
    names in $n order (`:name` style, a name used twice is one $n) or how many `?` there
    were."""
    names: list[str] = []
    positional = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal positional
        name = match.group(1)
        if name is not None:
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"
        if match.group(0) == "?":
            positional += 1
            return f"${positional}"
        return match.group(0)

    query = _TOKENS.sub(replace, sql)
    if names and positional:
        raise ValueError("one statement uses both ? and :name parameters")
    return query, (tuple(names) if names else positional)


def postgres_args(sql: str, params: Params) -> tuple[str, list[Any]]:
    query, order = postgres_sql(sql)
    if isinstance(params, Mapping):
        if not isinstance(order, tuple):
            raise ValueError("named parameters given to a statement with ? placeholders")
        return query, [params[name] for name in order]
    return query, list(params)


def _rowcount(status: str) -> int:
    """asyncpg returns the command tag ("UPDATE 3", "INSERT 0 1"); its last number is the
    row count. Other commands ("CREATE TABLE") changed no rows."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresExecutor:
    """Statements on an asyncpg connection or pool (both have execute/fetch)."""

    def __init__(self, target: Any) -> None:
        self.target = target

    async def execute(self, sql: str, params: Params = ()) -> int:
        query, args = postgres_args(sql, params)
        return _rowcount(await self.target.execute(query, *args))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        query, _ = postgres_sql(sql)
        await self.target.executemany(query, [list(r) for r in rows])

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        query, args = postgres_args(sql, params)
        return [tuple(r) for r in await self.target.fetch(query, *args)]


class PostgresBackend:
    """An asyncpg pool. Statements outside a transaction take any pooled connection; a
    transaction holds one connection from BEGIN to COMMIT."""

    dialect = "postgres"

    def __init__(self, pool: Any, dsn: str | None = None, connect_timeout: float = 10.0
                 ) -> None:
        self.pool = pool
        self.dsn = dsn  # for the LISTEN connection, which is not the pool's
        self.connect_timeout = connect_timeout
        self._idle = PostgresExecutor(pool)
        self._held: Any = None  # the connection of the open transaction, if any
        self._pinned: Any = None  # the migration lock's connection, while it is held
        self._listening: tuple[str, Callable[[str | None], None]] | None = None
        self._listener: Any = None  # the LISTEN connection (`listen`)
        self._relisten: asyncio.Future[None] | None = None
        self._closing = False

    @classmethod
    async def open(cls, url: str, settings: PoolSettings) -> PostgresBackend:
        import asyncpg  # imported here: a SQLite-only bot never loads it

        pool = await asyncpg.create_pool(
            dsn=url, min_size=settings.min_size, max_size=settings.max_size,
            timeout=settings.connect_timeout, command_timeout=settings.query_timeout)
        return cls(pool, url, settings.connect_timeout)

    @property
    def idle(self) -> Executor:
        return self._idle

    @property
    def in_transaction(self) -> bool:
        return self._held is not None and self._held.is_in_transaction()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Executor]:
        # READ COMMITTED, PostgreSQL's default: every write the bot makes is an absolute
        # value or an upsert, so concurrent processes never lose each other's updates.
        async with self._connection() as connection:
            transaction = connection.transaction()
            await transaction.start()
            self._held = connection
            try:
                yield PostgresExecutor(connection)
            except BaseException:
                await transaction.rollback()
                raise
            else:
                await transaction.commit()
            finally:
                self._held = None

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """The migration lock's connection while it is held (a pool of one would
        otherwise wait for itself), else one from the pool."""
        if self._pinned is not None:
            yield self._pinned
            return
        async with self.pool.acquire() as connection:
            yield connection

    @asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        """A session-level advisory lock: a second process starting at the same moment
        waits here, then finds every migration applied. The migrations run on the same
        connection."""
        async with self.pool.acquire() as connection:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            self._pinned = connection
            try:
                yield
            finally:
                self._pinned = None
                await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)

    async def run_script(self, executor: Executor, script: str) -> None:
        # Without parameters asyncpg uses the simple query protocol, which runs a whole
        # script of statements in one go (inside the open transaction).
        assert isinstance(executor, PostgresExecutor)
        await executor.target.execute(script)

    @property
    def listening(self) -> bool:
        """Whether the LISTEN connection is up (see `listen`)."""
        return self._listener is not None

    async def listen(self, channel: str, on_payload: Callable[[str | None], None]) -> None:
        """Call `on_payload` with each NOTIFY on `channel`, on a connection of its own
        (a pooled one is reset when released, which drops its listeners). `on_payload(None)`
        means notifications may have been missed (the connection was lost): the listener
        reconnects in the background and says None again once it listens once more."""
        self._listening = (channel, on_payload)
        await self._listen_once()

    async def _listen_once(self) -> None:
        import asyncpg

        assert self._listening is not None
        channel, on_payload = self._listening
        if self.dsn is None:
            raise RuntimeError("this backend was opened without a URL: nothing to listen on")
        connection = await asyncpg.connect(dsn=self.dsn, timeout=self.connect_timeout)
        await connection.add_listener(
            channel, lambda _conn, _pid, _channel, payload: on_payload(payload))
        connection.add_termination_listener(lambda _conn: self._listener_lost())
        self._listener = connection

    def _listener_lost(self) -> None:
        if self._closing or self._listening is None:
            return
        self._listener = None
        self._listening[1](None)
        if self._relisten is None or self._relisten.done():
            self._relisten = asyncio.ensure_future(self._relisten_loop())

    async def _relisten_loop(self) -> None:
        delay = 0.5
        while not self._closing and self._listening is not None:
            try:
                await self._listen_once()
            except Exception:  # any failure to connect: tried again later
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            self._listening[1](None)  # listening again: cache from here on
            return

    async def close(self) -> None:
        self._closing = True
        if self._relisten is not None:
            self._relisten.cancel()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                await listener.close()
        await self.pool.close()
