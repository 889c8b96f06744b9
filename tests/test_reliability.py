"""Faults, end to end: the real bot against the offline Discord while its state store is
locked by a second process or out of space, its files are damaged, Discord answers 429,
and members flood it. What must hold: no answered point is lost, every interaction is
answered within Discord's 3 s or deliberately dropped, and the channel always learns how a
game ended. docs/reliability.md lists each fault and the test here that shows it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.client import DramaBot
from bot.config import (
    AUTOCOMPLETE_RATE,
    LOOKUP_RATE,
    QUIZ_CHANNEL_RATE,
    QUIZ_GAMES_PER_SERVER,
    QUIZ_START_RATE,
    Rate,
)
from bot.offline import NoResponse, OfflineDiscord
from bot.offline.state import InteractionRecord
from bot.quiz.clock import ManualClock
from bot.store.health import quick_check
from cogs.quiz.session import CANNOT_POST, UNSAVED
from cogs.utils.checks import RateBuckets
from tests.support import PACKS_DIR, run_dramabot
from tests.test_cli import TOKEN, run_cli
from tests.test_quiz_commands import (
    SECONDS,
    Quiz,
    board_lines,
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
        offline_discord: OfflineDiscord, data_dir: Path,
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
            assert field_value(revealed, "Right") == "Fan1 **+145**: 100 right, 45 speed"
            await quiz.pause()
            q2 = await quiz.question()
            await quiz.press(q2, quiz.right(q2), "fan2", at=0)
            await quiz.time_up(q2)
            final = await quiz.final()
            assert UNSAVED in final.content  # the channel is told the scores wait
            assert board_lines(final) == [
                "**1.** Fan2: **150** pts · 1/2 right · best streak 1",
                "**2.** Fan1: **145** pts · 1/2 right · best streak 1"]
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
        offline_discord: OfflineDiscord, data_dir: Path) -> None:
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


# -- damaged, unreadable and full stores at start ------------------------------------------

def garble_middle(path: Path) -> None:
    """Random bytes over whole pages in the middle of a SQLite file, its header intact:
    what a bad sector or a half-copied file leaves."""
    size = path.stat().st_size
    page = 4096
    start = (size // page // 3) * page
    with path.open("r+b") as file:
        file.seek(start)
        file.write(random.Random(15).randbytes(min(size - start, page * 4)))


def start_cli(folder: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`dramabot run` as an operator starts it, on data folder `folder`; any Discord it would reach
    is on a closed port, so only what happens before connecting is tested."""
    return run_cli("run", cwd=tmp_path, env={
        "DISCORD_TOKEN": TOKEN, "DRAMABOT_DATA_DIR": str(folder),
        "DRAMABOT_PACKS": str(PACKS_DIR), "LOG_LEVEL": "WARNING",
        "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway"})


async def test_a_damaged_fact_store_is_set_aside_and_rebuilt(
        offline_discord: OfflineDiscord, data_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    facts = data_dir / "facts.sqlite3"
    garble_middle(facts)
    assert quick_check(facts) is not None  # the damage is real: SQLite itself sees it
    with caplog.at_level(logging.WARNING):
        async with run_bot(offline_discord, data_dir):
            for text in ("/drama soundtrack1", "/person name:han sohee", "/ost track 7",
                         "/ost list", "/ost search query:love", "/drama vincenzo"):
                reply = await offline_discord.invoke(text, user="fan1")
                assert "Something went wrong" not in reply.text, (text, reply.text)
            assert "started a quiz" in (await offline_discord.invoke(
                "/quiz start questions:1", channel="quiz")).content
    aside = [p.name for p in data_dir.iterdir() if p.name.startswith("facts.sqlite3.damaged-")]
    assert len(aside) == 1  # kept for a look, never deleted
    assert any("is damaged" in r.getMessage() and aside[0] in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("damage", ["garbage", "garbled", "a folder"])
def test_a_bad_state_store_stops_the_start_with_one_line(
        data_dir: Path, tmp_path: Path, damage: str) -> None:
    state = data_dir / "state.sqlite3"
    shutil.copyfile(data_dir / "facts.sqlite3", state)  # any real SQLite file to damage
    if damage == "garbage":
        state.write_bytes(random.Random(2).randbytes(50_000))
    elif damage == "garbled":
        garble_middle(state)
    else:
        state.unlink()
        state.mkdir()
    before = state.read_bytes() if state.is_file() else None
    result = start_cli(data_dir, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dramabot: "), result.stderr
    assert str(state) in lines[0] and "Traceback" not in result.stderr
    if before is not None:
        assert "backup" in lines[0]
        assert state.read_bytes() == before  # never overwritten


@contextmanager
def full_disk(folder: Path, size_kb: int) -> Iterator[Path]:
    """A real tmpfs of `size_kb` at `folder` (needs root; skipped where mounting is not
    allowed), unmounted afterwards."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                              str(folder)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Write until the disk refuses."""
    with (folder / "filler").open("wb", buffering=0) as file:
        try:
            while True:
                file.write(b"\0" * 4096)
        except OSError:
            pass


@pytest.mark.parametrize("what", ["facts.sqlite3", "state.sqlite3"])
def test_starting_on_a_full_disk_is_one_line_and_exit_2(
        tmp_path: Path, built_fact_store: Path, what: str) -> None:
    with full_disk(tmp_path / "disk", 1024) as disk:
        if what == "state.sqlite3":  # the fact store is there; the state store is new
            shutil.copyfile(built_fact_store, disk / "facts.sqlite3")
        fill(disk)
        result = start_cli(disk, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(disk / what) in lines[0], result.stderr
    assert "Traceback" not in result.stderr


# -- a full disk during a game -------------------------------------------------------------

def small_pages(path: Path) -> None:
    """Create the state store with 512-byte pages, so a few answers fill a page and the
    next write needs a new one: the moment a full disk shows."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA page_size = 512")
        db.execute("VACUUM")


def points_by_name(final_lines: list[str]) -> dict[str, int]:
    found = (re.match(r"\*\*\d+\.\*\* (\w+): \*\*([\d,]+)\*\* pts", line)
             for line in final_lines)  # "1,013": thousands are grouped
    return {m.group(1).lower(): int(m.group(2).replace(",", "")) for m in found if m}


async def test_a_full_disk_during_a_game_loses_no_answer(
        offline_discord: OfflineDiscord, data_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    state = data_dir / "state.sqlite3"
    small_pages(state)
    players = ("fan1", "fan2", "fan3", "admin")
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        await quiz.start("/quiz start questions:20")
        # SQLite itself now answers SQLITE_FULL to any write that needs one more page.
        [(pages,)] = await bot.state.fetchall("PRAGMA page_count")
        await bot.state.execute(f"PRAGMA max_page_count = {pages}")
        asked = 0
        while not any("full" in w for w in store_warnings(caplog)):
            assert asked < 15, "the store never filled up"
            if asked:
                await quiz.pause()
            question = await quiz.question()
            for second, user in enumerate(players):
                await quiz.press(question, quiz.right(question), user, at=second)
            await quiz.time_up(question)
            asked += 1
        await quiz.pause()  # the game goes on with the disk full
        question = await quiz.question()
        await quiz.press(question, quiz.wrong(question), "fan1", at=1)
        await quiz.press(question, quiz.right(question), "fan3", at=5)
        await quiz.time_up(question)
        asked += 1
        await offline_discord.invoke("/quiz stop", user="fan1", channel="quiz")
        final = await quiz.final()
        assert UNSAVED in final.content
        expected = points_by_name(board_lines(final))
        assert len(expected) == 4, board_lines(final)
        answers = rows(state, "SELECT count(*) FROM quiz_answers")[0][0]
        assert isinstance(answers, int) and answers < 4 * (asked - 1) + 2  # some still held
        await bot.state.execute("PRAGMA max_page_count = 1073741823")  # space again
        await eventually([("stopped", asked)], "SELECT status, asked FROM quiz_games", state)
    assert rows(state, "SELECT count(*) FROM quiz_answers") == [(4 * (asked - 1) + 2,)]
    ids = {offline_discord.user(name).id: name for name in players}
    saved = {ids[int(str(user))]: points for user, points in
             rows(state, "SELECT user_id, points FROM quiz_players")}
    assert saved == expected
    full = [w for w in store_warnings(caplog) if "full" in w]
    assert len(full) == 1 and "database or disk is full" in full[0]


# -- 429s: on a reply callback, on the quiz's channel posts ----------------------------------

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
MESSAGES = "/channels/{channel_id}/messages"


async def test_a_429_on_a_reply_is_waited_out_or_the_answer_dropped(
        dramabot: OfflineDiscord, caplog: pytest.LogCaptureFixture) -> None:
    short = dramabot.rate_limit("POST", CALLBACK, retry_after=1.0)
    reply = await dramabot.invoke("/drama soundtrack1", user="fan1")
    assert short.served == 1 and "Soundtrack #1" in reply.embed["title"]  # waited, in time
    dramabot.rate_limit("POST", CALLBACK, retry_after=4.0)  # past the 3 s deadline
    with caplog.at_level(logging.INFO), pytest.raises(NoResponse):
        await dramabot.invoke("/drama soundtrack1", user="fan2")
    record = list(dramabot.server.interactions.values())[-1]
    await asyncio.sleep(1.5)  # past the moment discord.py would have tried again
    assert record.bodies == []  # no late answer: Discord would refuse it (10062)
    dropped = [r.getMessage() for r in caplog.records if "Dropped the answer" in r.getMessage()]
    assert len(dropped) == 1 and "/drama" in dropped[0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    again = await dramabot.invoke("/drama soundtrack1", user="fan2")
    assert "Soundtrack #1" in again.embed["title"]


async def test_429s_on_question_posts_delay_the_question_not_its_time(
        offline_discord: OfflineDiscord, data_dir: Path) -> None:
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        eight = offline_discord.rate_limit("POST", MESSAGES, times=8, retry_after=0.05)
        await quiz.start("/quiz start questions:2")
        q1 = await quiz.question()  # discord.py gives up after 5; the session tries again
        assert eight.served == 8
        await quiz.press(q1, quiz.right(q1), "fan1", at=1)
        await quiz.time_up(q1)
        slow = offline_discord.rate_limit("POST", MESSAGES, retry_after=1.0)
        await quiz.pause()
        await offline_discord.server.notifier.wait_for(lambda: slow.served == 1, 5.0)
        clock.advance(8)  # game time passes while Discord keeps the question back
        q2 = await quiz.question()
        assert (await quiz.press(q2, quiz.right(q2), "fan2", at=SECONDS - 1)).startswith(
            "Your answer")  # every second of it, counted from when it was visible
        revealed = await quiz.time_up(q2)
        assert field_value(revealed, "Right").startswith("Fan2 **+102**")
        final = await quiz.final()
        assert board_lines(final)[0].startswith("**1.** Fan1: **148** pts")


@pytest.mark.parametrize(("locale", "says"), [
    ("en-US", CANNOT_POST), ("ko", "디스코드가 계속 거부해서 다음 문제를 여기에 올리지 못했어요")])
async def test_a_game_that_cannot_post_ends_with_a_message_once_it_can(
        offline_discord: OfflineDiscord, data_dir: Path, locale: str, says: str) -> None:
    state = data_dir / "state.sqlite3"
    offline_discord.guild().locale = locale  # the server's language, as Discord sends it
    async with run_dramabot(offline_discord, data_dir, quiz_clock=ManualClock(),
                            quiz_post_budget=1.0):
        refused = offline_discord.rate_limit("POST", MESSAGES, times=10**6, retry_after=0.05)
        start = await offline_discord.invoke("/quiz start questions:3", channel="quiz")
        assert not start.ephemeral and start.buttons  # started, with its Stop button
        await offline_discord.server.notifier.wait_for(lambda: refused.served > 20, 5.0)
        refused.times = refused.served  # Discord takes posts again
        final = await offline_discord.wait_for_message("quiz", timeout=10.0)
        assert says in final.content
        assert final.embed["description"]
        await eventually([("stopped",)], "SELECT status FROM quiz_games", state)
        again = await offline_discord.invoke("/quiz start questions:1", channel="quiz")
        assert not again.ephemeral and again.buttons  # the channel is free again


# -- floods from one member ----------------------------------------------------------------

DEFAULT_RATES = {"LOOKUP_RATE": str(LOOKUP_RATE), "AUTOCOMPLETE_RATE": str(AUTOCOMPLETE_RATE),
                 "QUIZ_START_RATE": str(QUIZ_START_RATE),
                 "QUIZ_CHANNEL_RATE": str(QUIZ_CHANNEL_RATE),
                 "QUIZ_GAMES_PER_SERVER": str(QUIZ_GAMES_PER_SERVER)}
SLOW_DOWN = re.compile(r"^Slow down a little: try again in (\d+) s \(<t:\d+:R>\)\.$")


@pytest.fixture
async def strict_bot(offline_discord: OfflineDiscord, data_dir: Path
                     ) -> AsyncIterator[tuple[OfflineDiscord, DramaBot]]:
    """The bot with its default flood limits (the other tests relax them)."""
    async with run_dramabot(offline_discord, data_dir, env=DEFAULT_RATES,
                            quiz_clock=ManualClock()) as bot:
        yield offline_discord, bot


async def test_a_member_flooding_lookups_is_told_when_to_try_again(
        strict_bot: tuple[OfflineDiscord, DramaBot]) -> None:
    discord, _ = strict_bot
    replies = await asyncio.gather(*(discord.invoke("/drama soundtrack1", user="fan1")
                                     for _ in range(60)))  # each answered within 3 s
    served = [r for r in replies if not r.ephemeral]
    refused = [r for r in replies if r.ephemeral]
    assert len(served) == LOOKUP_RATE.count
    assert all(SLOW_DOWN.match(r.content) for r in refused), refused[0].content
    waits = {int(m.group(1)) for r in refused if (m := SLOW_DOWN.match(r.content))}
    assert min(waits) >= 1 and max(waits) <= LOOKUP_RATE.per
    other = await discord.invoke("/drama soundtrack1", user="fan2")  # per member
    assert not other.ephemeral and "Soundtrack #1" in other.embed["title"]


def test_rate_buckets_forget_idle_members_once_a_period() -> None:
    buckets = RateBuckets("member")
    rate = Rate(2, 10.0)
    for member in range(1000):  # a flood of members, each once
        assert buckets.over(member, rate, 100.0) is None
    assert buckets.over(1, rate, 100.5) is None  # member 1's second use: still allowed
    refused = buckets.over(1, rate, 101.0)
    assert refused is not None and refused[0].scope == "member"
    assert 0 < refused[1] <= rate.per
    assert len(buckets) == 1000  # not walked per use within the period
    assert buckets.over(2000, rate, 111.0) is None  # a period on: the idle are dropped
    assert len(buckets) == 1  # member 1's window (from 100.0) is over too
    assert buckets.over(1, Rate(5, 10.0), 111.5) is None  # a new rate, a new bucket


async def test_the_flood_refusal_speaks_the_readers_language(
        strict_bot: tuple[OfflineDiscord, DramaBot]) -> None:
    discord, _ = strict_bot
    discord.user("fan1").locale = "ko"
    replies = await asyncio.gather(*(discord.invoke("/drama soundtrack1", user="fan1")
                                     for _ in range(LOOKUP_RATE.count + 3)))
    refused = [r for r in replies if r.ephemeral]
    assert refused and all(re.fullmatch(r"조금만 천천히 해 주세요\. \d+초 뒤\(<t:\d+:R>\)에 "
                                        r"다시 해 주세요\.", r.content) for r in refused), \
        refused[0].content


async def stop(discord: OfflineDiscord, user: str, channel: str) -> None:
    """/quiz stop, and wait for the game's final message: then the channel is free."""
    def finals() -> int:
        return sum(1 for m in discord.messages(channel) if m.embeds
                   and m.embed.get("title", "").startswith("Quiz over"))

    before = finals()
    await discord.invoke("/quiz stop", user=user, channel=channel)
    assert await discord.server.notifier.wait_for(lambda: finals() > before, 5.0)


async def test_quiz_starts_are_limited_per_member_per_channel_and_per_server(
        strict_bot: tuple[OfflineDiscord, DramaBot]) -> None:
    discord, _ = strict_bot
    guild = discord.guild()
    for index in range(QUIZ_GAMES_PER_SERVER + 1):
        discord.world.add_channel(guild, f"games-{index}")
    # The channel's limit: members taking turns in one channel.
    for user in ("fan1", "fan2", "fan3", "admin")[:QUIZ_CHANNEL_RATE.count]:
        start = await discord.invoke("/quiz start questions:1", user=user, channel="quiz")
        assert not start.ephemeral, start.content
        await stop(discord, user, "quiz")
    busy_channel = await discord.invoke("/quiz start", user="owner", channel="quiz")
    assert busy_channel.ephemeral
    assert busy_channel.content.startswith("Quizzes were started here several times")
    # The member's limit: start/stop cycles as fast as one member can.
    outcomes = []
    for _ in range(10):
        start = await discord.invoke("/quiz start questions:1", user="owner",
                                     channel="quiz-2")
        outcomes.append(start.ephemeral)
        if not start.ephemeral:
            await stop(discord, "owner", "quiz-2")
    assert outcomes.count(False) == QUIZ_START_RATE.count
    refused = await discord.invoke("/quiz start", user="owner", channel="general")
    assert refused.ephemeral and SLOW_DOWN.match(refused.content)
    # Games at once in one server, started by members who have starts left.
    starters = ["fan1", "fan1", "fan2", "fan2", "fan3", "fan3"]
    replies = [await discord.invoke("/quiz start", user=user, channel=f"games-{index}")
               for index, user in enumerate(starters)]
    assert [r.ephemeral for r in replies] == [False] * QUIZ_GAMES_PER_SERVER + [True]
    assert "already has 5 quizzes running" in replies[-1].content
    assert "when one of them ends" in replies[-1].content


async def test_an_autocomplete_flood_is_answered_in_time_or_dropped_quietly(
        strict_bot: tuple[OfflineDiscord, DramaBot], caplog: pytest.LogCaptureFixture
        ) -> None:
    discord, _ = strict_bot
    server = discord.server

    async def send(user: str, text: str) -> InteractionRecord:
        invocation = discord.parse(text, user=user, autocomplete=True)
        return await server.create_interaction(
            kind=4, user=discord.user(user), channel=discord.channel("general"),
            guild=discord.guild(), data=invocation.data, label=f"flood {text!r} by {user}")

    caplog.set_level(logging.DEBUG, logger="bot.client")
    records = [await send("fan1", f"/drama name:{'sound'[: 1 + i % 5]}") for i in range(300)]
    records += [await send(user, "/person name:han") for user in ("fan2", "fan3", "admin")
                for _ in range(150)]
    await server.notifier.wait_for(lambda: False, server.deadline + 0.5)  # let all play out
    answered = [r for r in records[:300] if r.acknowledged]
    assert 1 <= len(answered) <= AUTOCOMPLETE_RATE.count  # the member's rate, no more
    assert all(not r.rejections for r in records)  # nothing late, nothing refused
    dropped = [r for r in caplog.records if "Autocomplete by" in r.getMessage()]
    assert dropped and all(r.levelno == logging.DEBUG for r in dropped)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await discord.autocomplete("/drama name:sound", user="owner")  # others served


# -- a gateway frame orjson refuses ---------------------------------------------------------

async def test_the_process_survives_a_frame_orjson_refuses(dramabot: OfflineDiscord) -> None:
    gateway = dramabot.server.gateway
    identified = gateway.identifies
    invocation = dramabot.parse("/drama name:x", user="fan1")
    invocation.data["options"][0]["value"] = "\ud800 soundtrack"  # a lone surrogate
    record = await dramabot.server.create_interaction(
        kind=2, user=dramabot.user("fan1"), channel=dramabot.channel("general"),
        guild=dramabot.guild(), data=invocation.data, label="a lone surrogate")
    assert await dramabot.server.notifier.wait_for(lambda: record.acknowledged, 3.5)
    await gateway.send_raw('{"op": 0, "t": "MESSAGE_CREATE", "d": {')  # not JSON at all
    reply = await dramabot.invoke("/drama soundtrack1", user="fan2")
    assert "Soundtrack #1" in reply.embed["title"]
    assert gateway.identifies == identified  # the same session: nothing restarted
    answered = dramabot.message(record.response_message_id or 0)
    assert "\ufffd soundtrack" in answered.content


# -- many presses at once, and a gateway drop mid-game ---------------------------------------

async def test_fifty_members_pressing_at_once_each_count_once_through_a_gateway_drop(
        offline_discord: OfflineDiscord, data_dir: Path) -> None:
    guild = offline_discord.guild()
    players = [f"player{n}" for n in range(50)]
    for name in players:
        offline_discord.world.add_user(name)
        offline_discord.world.add_member(guild, name)
    async with run_bot(offline_discord, data_dir) as (bot, clock):
        quiz = Quiz(offline_discord, bot, clock)
        await quiz.start("/quiz start questions:1")
        question = await quiz.question()
        right = quiz.right(question)
        twice = players + players[:10]  # ten of them press a second time
        texts = await asyncio.gather(*(quiz.press(question, right, name) for name in twice))
        assert sum(t.startswith("Your answer") for t in texts) == 50
        assert sum("already answered" in t for t in texts) == 10
        await offline_discord.drop_gateway()  # RESUMEd: the game goes on
        revealed = await quiz.time_up(question)
        assert field_value(revealed, "Right").endswith("...and 24 more")  # 26 + 24 shown
        await quiz.final()
    assert rows(data_dir / "state.sqlite3",
                "SELECT count(*), sum(points) FROM quiz_players") == [(50, 50 * 150)]
