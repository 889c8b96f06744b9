"""Reports of bad questions, and the facts a server took out of its games.

A player reports a revealed question (what is wrong, in their words); the report keeps
the question as it was asked, with its fact and sources, so a pack author can find the
fact to fix. A server manager then hides the question's fact in the server (it leaves
every later game there) or dismisses the report. `export()` gives every report as plain
data for `dramabot reports export`. Schema: `bot/store/migrations/0003_quiz_facts.sql`;
the SQL is portable and all of it is here.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bot.quiz.scores import AskedRecord, iso
from bot.store.state import StateStore

OPEN, HIDDEN, DISMISSED = "open", "hidden", "dismissed"
REASON_MAX = 500

_COLUMNS = ("id, guild_id, channel_id, game_id, question, question_key, fact_key, prompt,"
            " answer, sources, reporter_id, reason, status, created_at")
_INSERT = f"INSERT INTO quiz_reports ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_OPEN = (f"SELECT {_COLUMNS} FROM quiz_reports WHERE guild_id = ? AND status = 'open'"
         " ORDER BY created_at, id LIMIT ?")
_ONE = f"SELECT {_COLUMNS} FROM quiz_reports WHERE id = ? AND guild_id = ?"
_ALL = f"SELECT {_COLUMNS} FROM quiz_reports ORDER BY created_at, id"
_RESOLVE = ("UPDATE quiz_reports SET status = ?, resolved_by = ?, resolved_at = ?"
            " WHERE id = ? AND guild_id = ? AND status = 'open'")
_HIDE = ("INSERT INTO quiz_hidden (guild_id, fact_key, report_id, hidden_by, hidden_at)"
         " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, fact_key) DO NOTHING")
_HIDDEN = "SELECT fact_key FROM quiz_hidden WHERE guild_id = ?"


@dataclass(frozen=True)
class Report:
    id: str
    guild_id: int
    channel_id: int
    game_id: str
    question: int
    question_key: str
    fact_key: str
    prompt: str
    answer: str
    sources: tuple[str, ...]
    reporter_id: int
    reason: str
    status: str
    created_at: str


def _report(row: Any) -> Report:
    values = list(row)
    values[9] = tuple(json.loads(values[9]))
    return Report(*values)


class ReportBook:
    """Reads and writes the reports and hidden facts through the bot's StateStore."""

    def __init__(self, state: StateStore, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.clock = clock

    async def add(self, asked: AskedRecord, reporter_id: int, reason: str) -> Report:
        report = Report(
            secrets.token_hex(4), asked.guild_id, asked.channel_id, asked.game_id,
            asked.question, asked.question_key, asked.fact_key, asked.prompt, asked.answer,
            asked.sources, reporter_id, reason.strip()[:REASON_MAX], OPEN, iso(self.clock()))
        values = list(asdict(report).values())
        values[9] = json.dumps(list(report.sources))
        async with self.state.transaction() as db:
            await db.execute(_INSERT, values)
        return report

    async def open_reports(self, guild_id: int, limit: int) -> list[Report]:
        rows = await self.state.fetchall(_OPEN, (guild_id, limit))
        return [_report(r) for r in rows]

    async def resolve(self, report_id: str, guild_id: int, status: str, by: int
                      ) -> Report | None:
        """Hide the report's fact in its server (HIDDEN) or dismiss it; None when there is
        no such open report in this server (already handled, or another server's)."""
        async with self.state.transaction() as db:
            rows = await db.fetchall(_ONE, (report_id, guild_id))
            row = rows[0] if rows else None
            if row is None or row[12] != OPEN:
                return None
            report = _report(row)
            now = iso(self.clock())
            await db.execute(_RESOLVE, (status, by, now, report_id, guild_id))
            if status == HIDDEN:
                await db.execute(_HIDE, (guild_id, report.fact_key, report_id, by, now))
        return report

    async def hidden_facts(self, guild_id: int) -> set[str]:
        rows = await self.state.fetchall(_HIDDEN, (guild_id,))
        return {str(r[0]) for r in rows}

    async def export(self) -> list[dict[str, Any]]:
        """Every report, oldest first, for pack authors: the question, its fact and
        sources, what was said and what became of it (no user ids)."""
        rows = await self.state.fetchall(_ALL)
        keep = ("id", "guild_id", "fact_key", "question_key", "prompt", "answer", "sources",
                "reason", "status", "created_at")
        return [{k: v for k, v in asdict(_report(r)).items() if k in keep} for r in rows]
