"""The bot core's promises, end to end: a bug in a command still gets a polite, private
answer (and a logged traceback); a button nothing listens for says it expired; the
`dramabot sync` and `dramabot ask` commands work against the offline Discord."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest

from bot.client import EXTENSIONS
from bot.config import REPO_ROOT, load_settings
from bot.console import EXIT_ANSWERED, EXIT_ERROR_REPLY, EXIT_USAGE, ask
from bot.offline import OfflineDiscord
from cogs.utils.replies import EXPIRED as EXPIRED_COMPONENT
from cogs.utils.replies import FAILED as GENERIC_ERROR
from tests.support import run_dramabot

WITH_FAILING = (*EXTENSIONS, "tests.failing_cog")


async def test_a_failing_command_answers_privately_and_logs(
        offline_discord: OfflineDiscord, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        async with run_dramabot(offline_discord, tmp_path, extensions_to_load=WITH_FAILING):
            reply = await offline_discord.invoke("/boom", user="fan1")
            late = await offline_discord.invoke("/boom-late", user="fan2")
    assert reply.ephemeral and reply.content == GENERIC_ERROR
    assert late.content == GENERIC_ERROR or GENERIC_ERROR in [
        m.content for m in late.messages()]
    assert "a bug in a command" in caplog.text  # the traceback is logged
    assert "Traceback" in caplog.text


async def test_a_button_nothing_listens_for_says_it_expired(
        offline_discord: OfflineDiscord, tmp_path: Path) -> None:
    async with run_dramabot(offline_discord, tmp_path, extensions_to_load=WITH_FAILING):
        message = await offline_discord.invoke("/short-lived", user="fan1")
        pressed = await message.click("Press me", user="fan2")
    assert pressed.ephemeral
    assert pressed.content == EXPIRED_COMPONENT


async def test_dramabot_sync_forces_a_sync(offline_discord: OfflineDiscord,
                                          tmp_path: Path) -> None:
    for expected in (1, 2):  # forced: the second run syncs although nothing changed
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sync", cwd=tmp_path,
            env=offline_discord.environ(DRAMABOT_DATA_DIR=str(tmp_path), PATH="/usr/bin"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        assert b"Commands synced." in out
        assert len(offline_discord.syncs) == expected
    assert "drama" in offline_discord.syncs[-1].names


ASKS = [
    ("/drama soundtrack1", "fan1", EXIT_ANSWERED, "Kim Hee-won"),
    ("/person name:한소희", "fan1", EXIT_ANSWERED, "Han So-hee"),
    ("/ost track 7", "fan1", EXIT_ANSWERED, "Doyoung"),
    ("/ost list", "fan1", EXIT_ANSWERED, "Standing Egg"),
    ("/ost search query:love", "fan1", EXIT_ANSWERED, "Love Beyond Words"),
    ("/quiz leaderboard", "fan1", EXIT_ANSWERED, "eaderboard"),
    ("/quiz stats", "fan1", EXIT_ERROR_REPLY, "has not answered a quiz question"),
    ("/quiz start questions:1", "fan1", EXIT_ANSWERED, "uiz"),
    ("/quiz stop", "fan1", EXIT_ERROR_REPLY, "no quiz"),
    ("/settings default-drama drama:soundtrack2", "admin", EXIT_ANSWERED, "Soundtrack #2"),
    ("/ost track 12", "fan1", EXIT_ERROR_REPLY, "no track 12"),
    ("/settings default-drama drama:soundtrack2", "fan1", EXIT_USAGE, "Manage Server"),
    ("/nothing-like-this", "fan1", EXIT_USAGE, "nothing-like-this"),
]


@pytest.mark.parametrize(("invocation", "user", "status", "shown"), ASKS,
                         ids=[f"{a[0]} by {a[1]}" for a in ASKS])
async def test_ask_answers_every_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        invocation: str, user: str, status: int, shown: str) -> None:
    settings = load_settings({"DRAMABOT_DATA_DIR": str(tmp_path),
                              "DRAMABOT_PACKS": str(REPO_ROOT / "data" / "packs")})
    assert await ask(settings, invocation, user=user) == status
    captured = capsys.readouterr()
    assert shown.lower() in (captured.out + captured.err).lower()
