"""Sharding: the offline Discord shards as Discord does (guilds by `(id >> 22) % count`,
4010, 4011, the identify rate per concurrency bucket), the bot runs the shards it is told
to (or as many as Discord recommends), only shard 0's process syncs, and the quiz's
start-up clean-up touches only its own shards' games."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import load_settings
from bot.offline import OfflineDiscord, ShardLimits, World
from bot.quiz.scores import GameRecord, ScoreBook
from bot.shards import ShardScope, format_ids, parse_ids, shard_of
from bot.store.state import StateStore
from tests.support import run_dramabot

JSON = dict[str, Any]


def sharded_world(per_shard: int = 2, count: int = 2) -> World:
    """`per_shard` guilds on each of `count` shards, named "s<shard>-g<n>"; fan1 and fan2
    are members everywhere."""
    world = World.empty()
    for name in ("owner", "fan1", "fan2"):
        world.add_user(name)
    for shard in range(count):
        for n in range(per_shard):
            guild = world.add_guild(f"s{shard}-g{n}", owner="owner",
                                    channels=("general", "quiz"), shard=(shard, count))
            for name in ("fan1", "fan2"):
                world.add_member(guild, name)
    return world


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[OfflineDiscord]:
    limits: ShardLimits = getattr(request, "param", ShardLimits(identify_interval=0.05))
    discord = OfflineDiscord(sharded_world(), shards=limits)
    await discord.start()
    yield discord
    await discord.stop()


class Raw:
    """A bare gateway client: what a bot sends, frame by frame."""

    def __init__(self, discord: OfflineDiscord, session: aiohttp.ClientSession) -> None:
        self.discord = discord
        self.session = session

    async def identify(self, shard: list[int] | None) -> tuple[list[JSON], int | None]:
        """IDENTIFY; returns the frames received until READY's guilds arrived (or the
        socket closed) and the close code."""
        frames: list[JSON] = []
        async with self.session.ws_connect(self.discord.gateway_url) as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10
            body: JSON = {"token": self.discord.token, "intents": 1, "properties": {}}
            if shard is not None:
                body["shard"] = shard
            await ws.send_json({"op": 2, "d": body})
            expected: int | None = None
            while expected is None or len(frames) < expected:
                message = await ws.receive(timeout=3)
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(message.data)
                frames.append(frame)
                if frame.get("t") == "READY":
                    expected = 1 + len(frame["d"]["guilds"])
                if frame.get("op") == 9:
                    break
            return frames, ws.close_code


@pytest.fixture
async def raw(fake: OfflineDiscord) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(fake, session)


def guild_ids(frames: list[JSON]) -> set[int]:
    return {int(f["d"]["id"]) for f in frames if f.get("t") == "GUILD_CREATE"}


# -- shard arithmetic and settings ---------------------------------------------------------

def test_shard_ids_parse_and_format() -> None:
    assert parse_ids("0-3", 8) == (0, 1, 2, 3)
    assert parse_ids("1-2, 6,0", 8) == (0, 1, 2, 6)
    assert format_ids((0, 1, 2, 6)) == "0-2,6"
    for bad in ("8", "3-1", "a", "1-"):
        with pytest.raises(ValueError):
            parse_ids(bad, 8)
    scope = ShardScope((0, 1, 2, 3), 8)
    assert scope.label == "0-3/8" and scope.syncs_commands
    assert not ShardScope((4, 5), 8).syncs_commands
    assert scope.owns(5 << 22) is False and scope.owns(3 << 22) and scope.owns(11 << 22)


def test_shard_settings() -> None:
    settings = load_settings({"SHARD_COUNT": "8", "SHARD_IDS": "4-7"})
    assert settings.shard_scope == ShardScope((4, 5, 6, 7), 8)
    assert load_settings({"SHARD_COUNT": "2"}).shard_scope == ShardScope((0, 1), 2)
    assert load_settings({}).shard_scope is None  # all shards, as Discord recommends


def test_guilds_can_be_placed_on_a_shard() -> None:
    world = sharded_world(per_shard=3, count=4)
    for guild in world.guilds.values():
        assert shard_of(guild.id, 4) == int(guild.name[1])


# -- the offline Discord -------------------------------------------------------------------

async def test_gateway_bot_says_how_to_shard(fake: OfflineDiscord) -> None:
    fake.server.gateway.limits.recommended_shards = 3
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.api_base}/gateway/bot", headers=headers) as response:
            body = await response.json()
        async with session.get(f"{fake.api_base}/gateway/bot") as response:
            assert response.status == 401
    assert body["url"] == fake.gateway_url and body["shards"] == 3
    assert body["session_start_limit"]["max_concurrency"] == 1
    assert body["session_start_limit"]["remaining"] == 1000


@pytest.mark.parametrize("fake", [ShardLimits(max_concurrency=2)], indirect=True)
async def test_each_shard_gets_only_its_guilds(fake: OfflineDiscord, raw: Raw) -> None:
    by_shard = {s: {g.id for g in fake.world.guilds.values() if g.name.startswith(f"s{s}")}
                for s in (0, 1)}
    frames0, _ = await raw.identify([0, 2])
    frames1, _ = await raw.identify([1, 2])  # another bucket: no wait
    assert frames0[0]["d"]["shard"] == [0, 2]
    assert guild_ids(frames0) == by_shard[0] and guild_ids(frames1) == by_shard[1]
    assert {int(g["id"]) for g in frames1[0]["d"]["guilds"]} == by_shard[1]


async def test_a_bad_shard_is_closed_with_4010(raw: Raw) -> None:
    for bad in ([2, 2], [-1, 2], [0, 0], [0], ["0", "2"]):
        frames, code = await raw.identify(bad)
        assert code == 4010 and frames == []


@pytest.mark.parametrize("fake", [ShardLimits(max_guilds_per_shard=3, identify_interval=0)],
                         indirect=True)
async def test_too_many_guilds_for_one_shard_is_4011(raw: Raw) -> None:
    _, code = await raw.identify(None)  # 4 guilds on one shard
    assert code == 4011
    frames, code = await raw.identify([1, 2])  # 2 guilds: fine
    assert len(guild_ids(frames)) == 2 and code is None


@pytest.mark.parametrize("fake", [ShardLimits()], indirect=True)  # Discord's: 5 s, 1 bucket
async def test_identify_rate_is_one_per_bucket(fake: OfflineDiscord, raw: Raw) -> None:
    first, _ = await raw.identify([0, 2])
    assert first[0]["t"] == "READY"
    second, _ = await raw.identify([1, 2])  # same bucket (1 % 1), at once: refused
    assert second == [{"op": 9, "s": None, "t": None, "d": False}]
    assert fake.server.gateway.rate_limited == 1


# -- the bot's shards ----------------------------------------------------------------------

@pytest.mark.parametrize("fake", [ShardLimits(recommended_shards=2, max_concurrency=2)],
                         indirect=True)
async def test_unset_the_bot_runs_the_recommended_shards(fake: OfflineDiscord,
                                                         data_dir: Path) -> None:
    async with run_dramabot(fake, data_dir) as bot:
        assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
        assert len(bot.guilds) == 4
        for guild in fake.world.guilds.values():
            reply = await fake.invoke("/ost track 7", user="fan1", guild=guild.name)
            assert reply.interaction is not None
            assert reply.interaction.shard == shard_of(guild.id, 2)
            assert reply.embed["title"] == "Soundtrack #1 (사운드트랙 #1)"
    assert len(fake.syncs) == 1


async def test_a_process_runs_only_its_shards_and_never_syncs(
        fake: OfflineDiscord, data_dir: Path) -> None:
    env = {"SHARD_COUNT": "2", "SHARD_IDS": "1"}
    async with run_dramabot(fake, data_dir, env=env) as bot:
        assert bot.shard_ids == [1] and not bot.syncs_commands
        assert {g.name for g in bot.guilds} == {"s1-g0", "s1-g1"}
        assert "dramabot-shards/1/2" in bot.http.user_agent
    assert fake.syncs == []  # shard 0's process syncs, not this one
    async with run_dramabot(fake, data_dir, env={"SHARD_COUNT": "2", "SHARD_IDS": "0"}):
        pass
    assert len(fake.syncs) == 1 and "dramabot-shards/0/2" in fake.syncs[0].agent


async def test_start_up_interrupts_only_this_processes_games(state_target: str | Path
                                                            ) -> None:
    state = await StateStore.open(state_target)
    try:
        book = ScoreBook(state)
        guilds = {shard: (shard << 22) + 1 for shard in range(4)}  # guild on shard s of 4
        for shard, guild in guilds.items():
            await book.start_game(GameRecord(f"g{shard}", guild, 7, 1, "d", 5, 20, None,
                                             "running", 0))
        state.scope = ShardScope((1, 3), 4)
        assert await book.interrupt_running() == 2
        status = {s: (await book.game(f"g{s}")).status for s in guilds}  # type: ignore[union-attr]
        assert status == {0: "running", 1: "interrupted", 2: "running", 3: "interrupted"}
    finally:
        await state.close()
