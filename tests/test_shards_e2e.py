"""Two bot processes (`python -m bot run`, shards 0 and 1 of 2) against one offline Discord
with four guilds on each shard and one PostgreSQL database.

Every interaction is answered by the process that owns its guild (the fake records which
shard it sent each interaction to and which connection each answer came on; /proc says
which process holds that connection); a quiz runs in a guild of each shard at once; the
global leaderboard is the same from either process; killing one process stops only its
guilds; after its restart its old game's buttons say the game ended and every point scored
is still there. Only shard 0's process syncs commands.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from benchmarks.procs import BotProcess, bot_environment, running
from bot.config import REPO_ROOT
from bot.offline import NoResponse, OfflineDiscord, Reply, ShardLimits, World
from bot.quiz.questions import generate, load_material
from bot.shards import shard_of
from bot.store.facts import FactStore
from bot.store.state import StateStore
from tests.procnet import owner_of_port

COUNT = 2
PER_SHARD = 4
PLAYERS = ("fan1", "fan2", "fan3", "fan4")
START_SECONDS = 60.0  # a cold start of a bot process on a busy machine
QUIZ_SECONDS = 10  # the shortest a question may be open
BOT_COMMAND = (sys.executable, "-m", "bot", "run")


def world() -> World:
    found = World.empty()
    for name in ("owner", *PLAYERS):
        found.add_user(name)
    for shard in range(COUNT):
        for n in range(PER_SHARD):
            guild = found.add_guild(f"s{shard}-g{n}", owner="owner",
                                    channels=("general", "quiz"), shard=(shard, COUNT))
            for name in PLAYERS:
                found.add_member(guild, name)
    return found


def tag(shard: int) -> str:
    return f"dramabot-shards/{shard}/{COUNT}"


@pytest.fixture
async def fake() -> AsyncIterator[OfflineDiscord]:
    # Two buckets, so the two processes may identify at the same moment, and a short
    # interval, so a restart does not wait Discord's 5 s.
    discord = OfflineDiscord(world(), shards=ShardLimits(max_concurrency=2,
                                                         identify_interval=0.05))
    await discord.start()
    yield discord
    await discord.stop()


@pytest.fixture
async def answers(built_fact_store: Path) -> dict[str, str]:
    """Every quiz prompt's right answer for the default drama, from the same fact store."""
    facts = await FactStore.open(built_fact_store)
    try:
        material = await load_material(facts, "soundtrack1", seed=0)
        assert material is not None
        return {q.prompt: q.answer for up_to in (None, *range(1, 20))
                for q in generate(material, random.Random(0), up_to_episode=up_to)}
    finally:
        await facts.close()


class Cluster:
    """The bot processes of one sharded bot: one per shard, sharing a database."""

    def __init__(self, discord: OfflineDiscord, database: str, root: Path,
                 facts: Path) -> None:
        self.discord, self.database, self.root, self.facts = discord, database, root, facts
        self.stack = AsyncExitStack()
        self.procs: dict[int, BotProcess] = {}
        self.session_pids: dict[int, int | None] = {}  # the process behind each shard
        self.starts = 0

    def env(self, shard: int, data_dir: Path) -> dict[str, str]:
        return bot_environment({
            **self.discord.environ(), "DATABASE_URL": self.database,
            "SHARD_COUNT": str(COUNT), "SHARD_IDS": str(shard),
            "DRAMABOT_DATA_DIR": str(data_dir), "DRAMABOT_PACKS": str(REPO_ROOT / "data/packs"),
            "LOG_LEVEL": "INFO"})

    async def start(self, shard: int) -> BotProcess:
        """Start the shard's process (each machine has its own data folder and fact
        store) and wait until it is connected and ready."""
        self.starts += 1
        data_dir = self.root / f"shard{shard}" / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.facts, data_dir / "facts.sqlite3")
        identifies = self.discord.server.gateway.identifies
        proc = await self.stack.enter_async_context(running(
            f"shard{shard}-{self.starts}", BOT_COMMAND, self.env(shard, data_dir),
            self.root / f"shard{shard}"))
        self.procs[shard] = proc
        await self.until(lambda: self.discord.server.gateway.identifies > identifies
                         and self.discord.server.gateway.shard_ready(shard)
                         and "Ready as" in proc.log_tail(200), proc)
        session = self.discord.server.gateway.sessions[shard]
        self.session_pids[shard] = owner_of_port(session.peer[1], [proc.pid])
        return proc

    async def until(self, done: Callable[[], bool], proc: BotProcess,
                    timeout: float = START_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            if proc.process.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"{proc.name} did not get ready:\n{proc.log_tail()}")
            await asyncio.sleep(0.05)

    async def kill(self, shard: int) -> None:
        """SIGKILL, as a crash or a lost machine: no clean shutdown, no goodbye."""
        process = self.procs[shard].process
        process.kill()
        await process.wait()
        await self.discord.server.notifier.wait_for(
            lambda: self.discord.server.gateway.sessions[shard].ws is None, 5.0)


@asynccontextmanager
async def cluster(discord: OfflineDiscord, database: str, root: Path, facts: Path
                  ) -> AsyncIterator[Cluster]:
    found = Cluster(discord, database, root, facts)
    async with found.stack:
        yield found


def assert_owner_answered(bots: Cluster, reply: Reply, guild_id: int) -> None:
    """Sent to the guild's shard only, whose session is that shard's process, and every
    answer came from that process."""
    shard = shard_of(guild_id, COUNT)
    assert reply.interaction is not None and reply.interaction.shard == shard
    owner = bots.procs[shard].pid
    pids = [p.pid for p in bots.procs.values() if p.process.returncode is None]
    assert bots.session_pids[shard] == owner
    answered = [owner_of_port(port, pids) for _, port in reply.interaction.peers]
    assert answered and set(answered) == {owner}, (answered, owner)


async def message_in(discord: OfflineDiscord, guild: str, predicate: Callable[[Reply], bool],
                     timeout: float) -> Reply:
    """The first message in the guild's #quiz that matches (polled: the bot posts it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for message in discord.messages("quiz", guild=guild):
            if predicate(message):
                return message
        if loop.time() > deadline:
            raise AssertionError(f"no such message in {guild} #quiz within {timeout:g} s")
        await asyncio.sleep(0.05)


def is_question(reply: Reply) -> bool:
    return bool(reply.embeds) and bool(reply.buttons) and not reply.embed.get("fields")


def is_revealed(reply: Reply) -> bool:
    return bool(reply.embeds) and any(f["name"] == "Right"
                                      for f in reply.embed.get("fields", []))


def is_final(reply: Reply) -> bool:
    return bool(reply.embeds) and reply.embed.get("title", "").startswith("Quiz over")


async def points(database: str) -> list[tuple[object, ...]]:
    state = await StateStore.open(database)
    try:
        return await state.fetchall(
            "SELECT game_id, user_id, points FROM quiz_players ORDER BY game_id, user_id")
    finally:
        await state.close()


async def play(bots: Cluster, guild: str, questions: int, right: str, wrong: str,
               answers: dict[str, str]) -> Reply:
    """Start a game in the guild's #quiz and answer its first question (one right, one
    wrong); returns the question message."""
    discord = bots.discord
    start = await discord.invoke(f"/quiz start questions:{questions} seconds:{QUIZ_SECONDS}",
                                 user=right, channel="quiz", guild=guild)
    assert_owner_answered(bots, start, discord.guild(guild).id)
    question = await message_in(discord, guild, is_question, 10.0)
    correct = next(b.number for b in question.buttons
                   if b.label == answers[question.embed["title"]])
    for user, button in ((right, correct), (wrong, correct % len(question.buttons) + 1)):
        press = await discord.click(question.message_id, button, user=user)
        assert press.ephemeral and press.content.startswith("Your answer"), press.text
        assert_owner_answered(bots, press, discord.guild(guild).id)
    return question


async def test_two_shard_processes_share_one_postgres_store(
        fake: OfflineDiscord, new_state_target: Callable[[str], str | Path],
        built_fact_store: Path, answers: dict[str, str], tmp_path: Path) -> None:
    database = str(new_state_target("postgres"))
    guilds = {g.name: g for g in fake.world.guilds.values()}
    async with cluster(fake, database, tmp_path, built_fact_store) as bots:
        await asyncio.gather(bots.start(0), bots.start(1))
        assert len(fake.syncs) == 1 and tag(0) in fake.syncs[0].agent

        # Every guild is answered by its own shard's process.
        for name, guild in guilds.items():
            reply = await fake.invoke("/ost track 7", user="fan1", guild=name)
            assert reply.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"
            assert_owner_answered(bots, reply, guild.id)

        # A quiz in a guild of each shard, at the same time: 1 question on shard 0, 2 on
        # shard 1 (still running when its process is killed).
        q0, q1 = await asyncio.gather(
            play(bots, "s0-g0", 1, "fan1", "fan3", answers),
            play(bots, "s1-g0", 2, "fan2", "fan4", answers))
        for question in (q0, q1):
            await fake.server.notifier.wait_for(lambda q=question: is_revealed(q.latest()),
                                                QUIZ_SECONDS + 10)
            assert is_revealed(question.latest())
        await message_in(fake, "s0-g0", is_final, 10.0)  # its win is recorded too

        # The global board is the same from either process, with both games' players.
        boards = [await fake.invoke("/quiz leaderboard scope:global", user="fan3",
                                    guild=name) for name in ("s0-g1", "s1-g1")]
        for board, name in zip(boards, ("s0-g1", "s1-g1"), strict=True):
            assert_owner_answered(bots, board, guilds[name].id)
        text = boards[0].embed["description"]
        assert text == boards[1].embed["description"]
        assert all(f"Fan{n}" in text for n in range(1, 5)), text
        scored = await points(database)
        assert sum(int(str(p)) for *_, p in scored) > 0 and len(scored) == 4

        # Killing shard 1's process stops its guilds only.
        await bots.kill(1)
        with pytest.raises(NoResponse):
            await fake.invoke("/ost track 7", user="fan1", guild="s1-g2")
        alive = await fake.invoke("/ost track 7", user="fan1", guild="s0-g2")
        assert_owner_answered(bots, alive, guilds["s0-g2"].id)

        # After its restart its old game is over and every point is still there.
        await bots.start(1)
        ended = await fake.click(q1.message_id, 1, user="fan3")
        assert ended.ephemeral and "ended when the bot restarted" in ended.content
        assert_owner_answered(bots, ended, guilds["s1-g0"].id)
        after = await fake.invoke("/quiz leaderboard scope:global", user="fan3",
                                  guild="s1-g3")
        assert after.embed["description"] == text
        assert await points(database) == scored
        assert len(fake.syncs) == 1  # the restarted shard-1 process did not sync
