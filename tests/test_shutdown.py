"""Stopping `dramabot run` the way systemd, Docker and deploys do: SIGTERM.

The real bot process against the offline Discord: a game is running when the signal
comes; the process must close Discord, mark the game interrupted (so its buttons say the
game ended), flush the state store and exit 0, not die at once with its queued writes."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import time
from pathlib import Path

from benchmarks.procs import BotProcess, bot_environment, running
from bot.config import REPO_ROOT
from bot.offline import OfflineDiscord

BOT_COMMAND = (sys.executable, "-m", "bot", "run")
START_SECONDS = 60.0  # a cold start on a busy machine
STOP_SECONDS = 20.0  # docs/deploy.md's TimeoutStopSec


async def until_logged(proc: BotProcess, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in proc.log_tail(400):
        assert proc.process.returncode is None, proc.log_tail(40)
        assert time.monotonic() < deadline, proc.log_tail(40)
        await asyncio.sleep(0.05)


def game_statuses(state: Path) -> list[str]:
    with sqlite3.connect(state) as conn:
        return [row[0] for row in conn.execute("SELECT status FROM quiz_games")]


async def test_sigterm_interrupts_the_games_closes_the_stores_and_exits_0(
        offline_discord: OfflineDiscord, data_dir: Path, tmp_path: Path) -> None:
    env = bot_environment({**offline_discord.environ(), "DRAMABOT_DATA_DIR": str(data_dir),
                           "DRAMABOT_PACKS": str(REPO_ROOT / "data" / "packs"),
                           "LOG_LEVEL": "INFO"})
    async with running("bot", BOT_COMMAND, env, tmp_path) as proc:
        await until_logged(proc, "Ready as", START_SECONDS)
        await offline_discord.invoke("/quiz start questions:5", user="fan1", channel="quiz")
        await offline_discord.wait_for_message(
            "quiz", predicate=lambda m: bool(m.buttons), timeout=10)
        assert game_statuses(data_dir / "state.sqlite3") == ["running"]

        proc.process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(proc.process.wait(), STOP_SECONDS)
        log = proc.log_tail(400)
    assert returncode == 0, log
    assert "SIGTERM received: closing" in log and "Stores closed; goodbye" in log, log
    assert "Traceback" not in log, log
    assert game_statuses(data_dir / "state.sqlite3") == ["interrupted"]
