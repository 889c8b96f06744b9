"""Faults, end to end: the real bot against the offline Discord while its state store is
locked by a second process or out of space, its files are damaged, Discord answers 429,
and members flood it. What must hold: no answered point is lost, every interaction is
answered within Discord's 3 s or deliberately dropped, and the channel always learns how a
game ended. docs/reliability.md lists each fault and the test here that shows it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.offline import OfflineDiscord
from cogs.quiz.session import UNSAVED
from tests.test_quiz_commands import (  # noqa: F401  (data_dir: a fixture)
    Quiz,
    board_lines,
    data_dir,
    field_value,
    run_bot,
    steps,
)

LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


@contextmanager
def write_lock(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the store's write lock (an open write transaction) until the
    block ends: what a backup tool or a second bot does to it."""
    proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        release(proc)


def release(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def eventually(check: object, sql: str, path: Path, timeout: float = 10.0) -> None:
    """Poll the store (from outside, as an operator would) until `sql` returns `check`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while rows(path, sql) != check:
        assert loop.time() < deadline, f"{sql} gave {rows(path, sql)}, not {check}"
        await asyncio.sleep(0.05)


def store_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "bot.quiz.writeback" and r.levelno >= logging.WARNING]


# -- a state store locked by another process -----------------------------------------------

async def test_a_locked_store_delays_no_reveal_and_loses_no_answer(
        offline_discord: OfflineDiscord, data_dir: Path,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    state = data_dir / "state.sqlite3"
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        await quiz.start("/quiz start questions:2")
        q1 = await quiz.question()
        with write_lock(state) as locker:
            await quiz.press(q1, quiz.right(q1), "fan1", at=2)
            await quiz.press(q1, quiz.wrong(q1), "fan2", at=3)
            revealed = await quiz.time_up(q1)  # shown though its write waits for the lock
            assert field_value(revealed, "Right") == "Fan1 **+145** (45 speed)"
            await quiz.pause()
            q2 = await quiz.question()
            await quiz.press(q2, quiz.right(q2), "fan2", at=0)
            await quiz.time_up(q2)
            final = await quiz.final()
            assert UNSAVED in final.content  # the channel is told the scores wait
            assert board_lines(final) == [
                "**1.** Fan2: **150** pts · 1/2 right · best streak 1",
                "**2.** Fan1: **145** pts · 1/1 right · best streak 1"]
            late = await quiz.press(q2, 1, "fan3")
            assert "This quiz is over" in late and "restarted" not in late
            assert rows(state, "SELECT count(*) FROM quiz_answers") == [(0,)]
            release(locker)
            await eventually([("finished", 2)], "SELECT status, asked FROM quiz_games", state)
        stats = await offline_discord.invoke("/quiz stats member:fan2", user="fan1")
        values = {f["name"]: f["value"] for f in stats.embed["fields"]}
        assert values["Points"] == "150" and values["Right answers"] == "1 of 2"
        assert values["Games"] == "1 (1 win)"
    assert rows(state, "SELECT count(*) FROM quiz_answers") == [(3,)]
    warned = store_warnings(caplog)
    assert len(warned) == 2, warned  # one line when the outage starts, one when it ends
    assert "database is locked" in warned[0] and "takes writes again" in warned[1]


async def test_settings_on_a_locked_store_defer_then_answer(
        offline_discord: OfflineDiscord, data_dir: Path) -> None:  # noqa: F811
    state = data_dir / "state.sqlite3"
    async with run_bot(offline_discord, data_dir):
        with write_lock(state) as locker:
            asking = asyncio.create_task(offline_discord.invoke(
                "/settings default-drama drama:soundtrack2", user="admin"))
            server = offline_discord.server
            await server.notifier.wait_for(
                lambda: any(r.response_type == 5 for r in server.interactions.values()), 5.0)
            release(locker)
            reply = await asking
        assert steps(reply) == ["callback 5", "edit"]  # "thinking..." while the lock lasted
        assert "default drama is now **Soundtrack #2**" in reply.content
        assert not reply.ephemeral
    assert rows(state, "SELECT default_drama FROM guild_settings") == [("soundtrack2",)]
