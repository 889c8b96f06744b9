"""The state store: what the bot writes at run time (guild settings, and the quiz's tables).

Unlike the fact store it is never rebuilt: its schema grows through numbered migrations in
`bot/store/migrations/NNNN_name.sql`, each applied once, in order, in its own transaction,
and recorded in `schema_migrations`. WAL lets readers run beside a writer;
`synchronous=FULL` because a committed quiz score must survive a power cut.

One aiosqlite connection in autocommit mode is shared by the whole bot. Write through
`async with state.transaction():` so that several statements commit together and
concurrent tasks never interleave inside one another's transaction.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.store.health import set_busy_timeout

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_RE = re.compile(r"^(\d{4})_[A-Za-z0-9_-]+\.sql$")
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


class StateStoreError(Exception):
    """A migration folder or file is malformed (two files with one number, say)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def discover_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every `NNNN_*.sql` in the folder, by number; other files are ignored."""
    found: dict[int, Migration] = {}
    for path in sorted(Path(folder).glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if not m:
            continue
        version = int(m.group(1))
        if version in found:
            raise StateStoreError(
                f"two migrations numbered {version:04d}: {found[version].name}, {path.name}")
        found[version] = Migration(version, path.name, path)
    return [found[v] for v in sorted(found)]


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


class StateStore:
    """Guild settings (and, through its own migrations, the quiz's state)."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._depth = 0
        self._default_dramas: dict[int, str | None] = {}

    @classmethod
    async def open(cls, path: Path | str,
                   migrations_dir: Path = MIGRATIONS_DIR) -> StateStore:
        """Open (creating if needed) the store and apply every pending migration."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        store = cls(db, path)
        try:
            await set_busy_timeout(db)  # first: the pragmas below may wait for a lock
            for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
                await db.execute(f"PRAGMA {pragma}")
            await store.migrate(discover_migrations(migrations_dir))
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self.db.close()

    # -- transactions ---------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block of statements as one transaction (BEGIN IMMEDIATE ... COMMIT, or
        ROLLBACK on any exception). Transactions from different tasks queue up; a nested
        `transaction()` in the same task becomes a SAVEPOINT."""
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            async with self._savepoint():
                yield self.db
            return
        async with self._lock:
            self._owner = task
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                    await self.db.execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        await self.db.execute("ROLLBACK")
                    raise
            finally:
                self._owner = None

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        self._depth += 1
        name = f"sp_{self._depth}"
        try:
            await self.db.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                await self.db.execute(f"ROLLBACK TO {name}")
                await self.db.execute(f"RELEASE {name}")
                raise
            await self.db.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    # -- migrations -----------------------------------------------------------------------

    async def migrate(self, migrations: list[Migration]) -> list[int]:
        """Apply the migrations not yet recorded, in order, each in one transaction.
        Returns the versions applied now."""
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            f" name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT ({_NOW}))")
        applied: list[int] = []
        for migration in migrations:
            async with self.transaction():
                if migration.version in await self.applied_migrations():
                    continue  # checked inside the lock: another process may have won
                for statement in split_sql(migration.path.read_text(encoding="utf-8")):
                    await self.db.execute(statement)
                await self.db.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    (migration.version, migration.name))
            applied.append(migration.version)
        return applied

    async def applied_migrations(self) -> list[int]:
        rows = await self.db.execute_fetchall(
            "SELECT version FROM schema_migrations ORDER BY version")
        return [int(r[0]) for r in rows]

    # -- guild settings -------------------------------------------------------------------

    async def get_default_drama(self, guild_id: int) -> str | None:
        """The drama slug commands in this guild use when none is given, if set. Read
        once per guild, then from memory: every command without a drama asks, and only
        this store (one bot process) ever changes it."""
        if guild_id in self._default_dramas:
            return self._default_dramas[guild_id]
        async with self.db.execute(
                "SELECT default_drama FROM guild_settings WHERE guild_id = ?",
                (guild_id,)) as cursor:
            row = await cursor.fetchone()
        slug = None if row is None else row[0]
        self._default_dramas[guild_id] = slug
        return slug

    async def set_default_drama(self, guild_id: int, slug: str | None) -> None:
        """Set (or with None clear) the guild's default drama. The slug is not checked
        here: the state store does not know the fact store; the caller validates."""
        async with self.transaction():
            await self.db.execute(
                "INSERT INTO guild_settings (guild_id, default_drama, updated_at)"
                f" VALUES (?, ?, {_NOW}) ON CONFLICT (guild_id) DO UPDATE SET"
                " default_drama = excluded.default_drama, updated_at = excluded.updated_at",
                (guild_id, slug))
        self._default_dramas.pop(guild_id, None)  # read again after any change
