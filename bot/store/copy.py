"""`dramabot state copy`: move a bot's state (settings, games, scores, reports) from one
state store to another: SQLite to PostgreSQL when a bot starts sharding, and back.

Both stores are opened (and so migrated to the same schema) first. The copy runs in one
transaction on the target and is verified before it commits: every table's row count and
the totals of its numeric columns must match the source's, or nothing is written. A
target that already holds state is refused unless `replace` is given (its rows are then
deleted first, in the same transaction).

A migration that adds a table or column adds it to TABLES too; a test compares TABLES
with the schema of both engines, so a forgotten one fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.store.backends import Executor
from bot.store.state import StateStore

BATCH = 1000  # rows per executemany


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    totals: tuple[str, ...] = ()  # numeric columns whose sums are compared


# In dependency order: a table comes after the tables its foreign keys point to. Totals are
# sums of small counters (never of ids: SQLite's SUM stops at 2**63).
TABLES: tuple[Table, ...] = (
    Table("guild_settings", ("guild_id", "default_drama", "updated_at", "language")),
    Table("quiz_games", ("id", "guild_id", "channel_id", "starter_id", "drama", "questions",
                         "seconds", "up_to_episode", "status", "asked", "started_at",
                         "ended_at", "mode"), ("questions", "asked")),
    Table("quiz_players", ("game_id", "user_id", "guild_id", "points", "correct", "answers",
                           "best_streak", "won", "played_at"),
          ("points", "correct", "answers", "won", "best_streak")),
    Table("quiz_answers", ("game_id", "question", "user_id", "choice", "correct", "points",
                           "elapsed"), ("points", "correct")),
    Table("quiz_names", ("user_id", "name", "updated_at")),
    Table("quiz_asked", ("game_id", "question", "guild_id", "channel_id", "turn",
                         "question_key", "fact_key", "kind", "prompt", "answer", "sources",
                         "asked_at"), ("question", "turn")),
    Table("quiz_hidden", ("guild_id", "fact_key", "report_id", "hidden_by", "hidden_at")),
    Table("quiz_reports", ("id", "guild_id", "channel_id", "game_id", "question",
                           "question_key", "fact_key", "prompt", "answer", "sources",
                           "reporter_id", "reason", "status", "created_at", "resolved_by",
                           "resolved_at"), ("question",)),
)


class CopyError(Exception):
    """The copy was refused or did not verify; the target is unchanged."""


@dataclass(frozen=True)
class TableReport:
    name: str
    rows: int
    totals: dict[str, int]


@dataclass(frozen=True)
class CopyReport:
    tables: tuple[TableReport, ...]

    def lines(self) -> list[str]:
        out = []
        for table in self.tables:
            totals = ", ".join(f"{k} {v}" for k, v in table.totals.items())
            out.append(f"{table.name}: {table.rows} row(s)" + (f" ({totals})" if totals else ""))
        return out


async def measure(db: StateStore | Executor, table: Table) -> TableReport:
    """A table's row count and column totals (sums as whole numbers on both engines)."""
    sums = "".join(f", COALESCE(SUM({c}), 0)" for c in table.totals)
    rows = await db.fetchall(f"SELECT COUNT(*){sums} FROM {table.name}")
    count, *totals = rows[0]
    return TableReport(table.name, int(count),
                       {c: int(v) for c, v in zip(table.totals, totals, strict=True)})


async def copy_state(source: Path | str, target: Path | str, *, replace: bool = False
                     ) -> CopyReport:
    """Copy every table of TABLES from `source` to `target` (SQLite paths or PostgreSQL
    URLs) and verify it. Raises CopyError, leaving the target unchanged."""
    if str(source) == str(target):
        raise CopyError("the source and the target are the same store")
    src = await StateStore.open(source)
    try:
        dst = await StateStore.open(target)
        try:
            return await _copy(src, dst, replace)
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(src: StateStore, dst: StateStore, replace: bool) -> CopyReport:
    if await src.applied_migrations() != await dst.applied_migrations():
        raise CopyError("the two stores are at different schema versions; upgrade the "
                        "older bot first")
    expected = [await measure(src, t) for t in TABLES]
    async with dst.transaction() as db:
        held = [t.name for t in TABLES if (await measure(db, t)).rows]
        if held and not replace:
            raise CopyError(f"the target already holds state ({', '.join(held)}); "
                            "pass --replace to overwrite it")
        for table in reversed(TABLES):  # children first: foreign keys
            await db.execute(f"DELETE FROM {table.name}")
        for table in TABLES:
            await _copy_table(src, db, table)
        found = [await measure(db, t) for t in TABLES]
        if found != expected:  # raising rolls the whole copy back
            raise CopyError("the copy does not verify: " + "; ".join(
                f"{e.name}: expected {e.rows} rows {e.totals}, found {f.rows} {f.totals}"
                for e, f in zip(expected, found, strict=True) if e != f))
    return CopyReport(tuple(expected))


async def _copy_table(src: StateStore, db: Executor, table: Table) -> None:
    columns = ", ".join(table.columns)
    marks = ", ".join("?" for _ in table.columns)
    insert = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"
    rows = await src.fetchall(f"SELECT {columns} FROM {table.name}")
    for start in range(0, len(rows), BATCH):
        await db.executemany(insert, rows[start:start + BATCH])
