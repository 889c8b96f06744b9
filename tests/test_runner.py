"""Start-up as an operator lives it: the fact store built when the packs change, a broken
pack never taking a working bot down, and command sync only when the commands changed."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import shutil
import sqlite3
import weakref
from pathlib import Path

import pytest

from bot import runner
from bot.client import DramaBot
from bot.config import Settings, load_settings
from bot.offline import OfflineDiscord
from bot.packs.model import PackLoadError
from bot.runner import prepare_fact_store
from bot.store.build import build_fact_store
from bot.store.facts import FactStore, FactStoreError
from bot.store.health import StoreProblem, quick_check
from tests.support import PACKS_DIR, run_dramabot
from tests.test_cli import TOKEN


def copy_packs(tmp_path: Path) -> Path:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    return packs


def break_a_pack(packs: Path) -> None:
    pack = packs / "soundtrack1.toml"
    pack.write_text(pack.read_text(encoding="utf-8").replace(
        'sources = ["wowtv", "mhns"', 'sources = ["no-such-source", "mhns"', 1),
        encoding="utf-8")


def settings_for(tmp_path: Path, packs: Path) -> Settings:
    return load_settings({"DRAMABOT_DATA_DIR": str(tmp_path / "data"),
                          "DRAMABOT_PACKS": str(packs)})


async def test_a_broken_pack_keeps_the_previous_store(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    packs = copy_packs(tmp_path)
    settings = settings_for(tmp_path, packs)
    assert prepare_fact_store(settings) is True
    assert prepare_fact_store(settings) is False  # unchanged packs: no rebuild
    break_a_pack(packs)
    with caplog.at_level(logging.ERROR):
        assert prepare_fact_store(settings) is False
    assert "no-such-source" in caplog.text
    assert "serving the previous fact store" in caplog.text
    store = await FactStore.open(settings.fact_db)
    try:
        track = await store.track("soundtrack1", 7)
        assert track is not None and track.track.title is not None
        assert track.track.title.value == "Just A Little Bit More"
    finally:
        await store.close()


def test_a_broken_pack_without_a_previous_store_is_an_error(tmp_path: Path) -> None:
    packs = copy_packs(tmp_path)
    break_a_pack(packs)
    settings = settings_for(tmp_path, packs)
    with pytest.raises(PackLoadError) as caught:
        prepare_fact_store(settings)
    assert any(e.file == "soundtrack1.toml" for e in caught.value.errors)
    assert not settings.fact_db.exists()


def test_an_edited_pack_is_rebuilt(tmp_path: Path) -> None:
    packs = copy_packs(tmp_path)
    settings = settings_for(tmp_path, packs)
    prepare_fact_store(settings)
    pack = packs / "vincenzo.toml"
    pack.write_text(pack.read_text(encoding="utf-8") + "\n# an author's comment\n",
                    encoding="utf-8")
    assert prepare_fact_store(settings) is True


async def test_the_bot_serves_the_old_store_when_a_pack_breaks(
        offline_discord: OfflineDiscord, tmp_path: Path) -> None:
    packs = copy_packs(tmp_path)
    prepare_fact_store(settings_for(tmp_path, packs))
    break_a_pack(packs)
    async with run_dramabot(offline_discord, tmp_path / "data", packs):
        reply = await offline_discord.invoke("/ost track 7", user="fan1")
    assert "Just A Little Bit More" in reply.text


async def test_global_commands_are_synced_only_when_they_change(
        offline_discord: OfflineDiscord, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with run_dramabot(offline_discord, data_dir):
        pass
    assert [s.guild_id for s in offline_discord.syncs] == [None]
    async with run_dramabot(offline_discord, data_dir):  # a restart, same commands
        pass
    assert len(offline_discord.syncs) == 1
    (data_dir / "commands.sha256").write_text("something older\n")
    async with run_dramabot(offline_discord, data_dir):  # definitions changed
        pass
    assert len(offline_discord.syncs) == 2


async def test_dev_guild_commands_sync_at_every_start(
        offline_discord: OfflineDiscord, tmp_path: Path) -> None:
    guild = offline_discord.guild()
    env = {"DEV_GUILD_ID": str(guild.id)}
    for _ in range(2):
        async with run_dramabot(offline_discord, tmp_path / "data", env=env):
            pass
    assert [s.guild_id for s in offline_discord.syncs] == [guild.id, guild.id]
    reply = await _invoke_after_restart(offline_discord, tmp_path / "data", env)
    assert "Soundtrack #1" in reply


async def _invoke_after_restart(discord: OfflineDiscord, data_dir: Path,
                                env: dict[str, str]) -> str:
    async with run_dramabot(discord, data_dir, env=env):
        reply = await discord.invoke("/drama soundtrack1", user="fan2")
    return reply.text


# -- a start serves the store it has, and checks the packs in the background ---------------

class Gated:
    """`bot.runner`'s background build and store switch, held until the test lets the
    build go, and telling when the bot has switched (the real functions do the work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.go = asyncio.Event()
        self.built = asyncio.Event()  # the check (and build) ended
        self.switched = asyncio.Event()
        self.said: dict[str, object] | None = None
        build, switch = runner.build_in_background, runner.switch_fact_store

        async def gated_build(settings: Settings) -> dict[str, object] | None:
            await self.go.wait()
            try:
                self.said = await build(settings)
                return self.said
            finally:
                self.built.set()

        def signalled_switch(bot: DramaBot, store: FactStore) -> None:
            switch(bot, store)
            self.switched.set()
        monkeypatch.setattr(runner, "BACKGROUND_CHECK_MIN", 1)  # as for a large store
        monkeypatch.setattr(runner, "build_in_background", gated_build)
        monkeypatch.setattr(runner, "switch_fact_store", signalled_switch)


def built_then_changed(tmp_path: Path) -> Path:
    """Packs with a store built from them, then one fact changed: the packs' folder."""
    packs = copy_packs(tmp_path)
    prepare_fact_store(settings_for(tmp_path, packs))
    change_the_platform(packs)
    return packs


def change_the_platform(packs: Path) -> None:
    pack = packs / "soundtrack1.toml"
    text = pack.read_text(encoding="utf-8")
    pack.write_text(text.replace('platform = { value = "Disney+"',
                                 'platform = { value = "Disney Plus"', 1), encoding="utf-8")


async def test_changed_packs_are_rebuilt_in_the_background_and_served(
        offline_discord: OfflineDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    packs = built_then_changed(tmp_path)
    gate = Gated(monkeypatch)
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        async with run_dramabot(offline_discord, tmp_path / "data", packs) as bot:
            old = bot.facts
            before = await offline_discord.invoke("/drama soundtrack1", user="fan1")
            assert "Disney+" in before.text and "Disney Plus" not in before.text
            gate.go.set()
            await asyncio.wait_for(gate.switched.wait(), 120)
            assert bot.facts is not old
            after = await offline_discord.invoke("/drama soundtrack1", user="fan1")
            assert "Disney Plus" in after.text
            again = await offline_discord.invoke("/ost track 7", user="fan2")
            assert "Just A Little Bit More" in again.text
    assert "rebuilding it in the background" in caplog.text
    assert "Now serving the rebuilt fact store" in caplog.text
    assert not list((tmp_path / "data").glob(".facts.sqlite3.*.tmp"))
    # the next start finds the store current: nothing to rebuild
    assert prepare_fact_store(settings_for(tmp_path, packs)) is False


async def test_names_are_resolved_and_suggested_afresh_in_a_switched_store(
        offline_discord: OfflineDiscord, data_dir: Path, tmp_path: Path) -> None:
    packs = copy_packs(tmp_path)
    (packs / "soundtrack1.toml").unlink()
    smaller = tmp_path / "smaller.sqlite3"
    build_fact_store(packs, smaller)
    async with run_dramabot(offline_discord, data_dir) as bot:
        for _ in range(2):  # the second from what the first resolved and suggested
            found = await offline_discord.invoke('/drama name:"Soundtrack #1"', user="fan1")
            assert found.embed["title"].startswith("Soundtrack #1"), found.text
            suggested = await offline_discord.autocomplete("/drama name:soundtrack")
            assert "soundtrack1" in [c["value"] for c in suggested]
        runner.switch_fact_store(bot, await FactStore.open(smaller))
        gone = await offline_discord.invoke('/drama name:"Soundtrack #1"', user="fan1")
        suggested = await offline_discord.autocomplete("/drama name:soundtrack")
    assert gone.ephemeral and "Soundtrack #2" in gone.text, gone.text
    assert "soundtrack1" not in [c["value"] for c in suggested]
    assert "soundtrack2" in [c["value"] for c in suggested]


async def test_broken_packs_found_in_the_background_keep_the_store_served(
        offline_discord: OfflineDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    packs = built_then_changed(tmp_path)
    break_a_pack(packs)
    gate = Gated(monkeypatch)
    gate.go.set()
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        async with run_dramabot(offline_discord, tmp_path / "data", packs) as bot:
            old = bot.facts
            await asyncio.wait_for(gate.built.wait(), 120)
            reply = await offline_discord.invoke("/drama soundtrack1", user="fan1")
            assert "Disney+" in reply.text
            assert bot.facts is old and not gate.switched.is_set()
    assert "serving the previous fact store until they are fixed" in caplog.text
    assert "no-such-source" in caplog.text


async def test_a_current_store_is_served_without_a_rebuild(
        offline_discord: OfflineDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    packs = copy_packs(tmp_path)
    prepare_fact_store(settings_for(tmp_path, packs))
    built = (tmp_path / "data" / "facts.sqlite3").stat().st_mtime_ns
    gate = Gated(monkeypatch)
    gate.go.set()
    async with run_dramabot(offline_discord, tmp_path / "data", packs):
        reply = await offline_discord.invoke("/drama soundtrack1", user="fan1")
        assert "Disney+" in reply.text
        await asyncio.wait_for(gate.built.wait(), 120)  # the packs were checked
    assert gate.said == {"built": False} and not gate.switched.is_set()
    assert (tmp_path / "data" / "facts.sqlite3").stat().st_mtime_ns == built


async def test_start_up_is_frozen_once_ready_and_a_switched_out_store_still_freed(
        offline_discord: OfflineDiscord, data_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "OLD_STORE_GRACE", 0.0)
    other = tmp_path / "other.sqlite3"
    build_fact_store(PACKS_DIR, other)
    try:
        async with run_dramabot(offline_discord, data_dir, settle_heap=True) as bot:
            for _ in range(100):
                if gc.get_freeze_count():
                    break
                await asyncio.sleep(0.05)
            assert gc.get_freeze_count() > 0
            old_names = weakref.ref(bot.facts.drama_names)
            assert old_names() is not None
            assert "Disney+" in (await offline_discord.invoke("/drama soundtrack1")).text
            runner.switch_fact_store(bot, await FactStore.open(other))
            for _ in range(100):  # reference counting frees it, frozen or not
                if old_names() is None:
                    break
                await asyncio.sleep(0.05)
            assert old_names() is None
            assert "Disney+" in (await offline_discord.invoke("/drama soundtrack1")).text
    finally:
        gc.unfreeze()  # this test process starts many bots


# -- a large store's damage, found in the background -----------------------------------------

def garble_table(path: Path, table: str) -> None:
    """Random bytes over the root page of one table of a SQLite file (a bad sector)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                          (table,)).fetchone()[0]
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(random.Random(17).randbytes(page_size))


def damaged_aside(data: Path) -> list[str]:
    return [p.name for p in data.iterdir() if p.name.startswith("facts.sqlite3.damaged-")]


async def test_a_large_damaged_store_is_served_at_once_then_rebuilt_in_the_background(
        offline_discord: OfflineDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """quick_check reads the whole store (1-2 s at 100,000 dramas): a large store is
    served at once and checked once the bot is ready; damage found then is rebuilt from
    the packs in a process of its own and the bot switches onto the new store."""
    packs = copy_packs(tmp_path)
    prepare_fact_store(settings_for(tmp_path, packs))
    data = tmp_path / "data"
    garble_table(data / "facts.sqlite3", "track_search")  # only /ost search reads it
    assert quick_check(data / "facts.sqlite3") is not None
    damaged = (data / "facts.sqlite3").stat().st_ino
    gate = Gated(monkeypatch)
    with caplog.at_level(logging.INFO, logger="bot.runner"):
        async with run_dramabot(offline_discord, data, packs) as bot:
            old = bot.facts
            served = await offline_discord.invoke("/drama soundtrack1", user="fan1")
            assert "Disney+" in served.text
            assert damaged_aside(data) == []  # not checked before serving
            gate.go.set()
            await asyncio.wait_for(gate.switched.wait(), 120)
            assert bot.facts is not old
            found = await offline_discord.invoke("/ost search query:love", user="fan1")
            assert "Something went wrong" not in found.text, found.text
            assert "Just A Little Bit More" in (
                await offline_discord.invoke("/ost track 7", user="fan1")).text
    aside = damaged_aside(data)
    assert len(aside) == 1 and quick_check(data / "facts.sqlite3") is None
    assert (data / aside[0]).stat().st_ino == damaged  # the damaged file itself, kept
    assert "is damaged" in caplog.text and aside[0] in caplog.text
    assert "in the background" in caplog.text


async def test_a_large_store_too_damaged_to_open_is_rebuilt_before_serving(
        offline_discord: OfflineDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    packs = copy_packs(tmp_path)
    prepare_fact_store(settings_for(tmp_path, packs))
    data = tmp_path / "data"
    garble_table(data / "facts.sqlite3", "name_index")  # read by every start
    with pytest.raises((FactStoreError, sqlite3.DatabaseError)):
        await FactStore.open(data / "facts.sqlite3")
    gate = Gated(monkeypatch)
    gate.go.set()
    with caplog.at_level(logging.WARNING, logger="bot.runner"):
        async with run_dramabot(offline_discord, data, packs):
            reply = await offline_discord.invoke("/drama soundtrack1", user="fan1")
            assert "Disney+" in reply.text
    assert len(damaged_aside(data)) == 1 and quick_check(data / "facts.sqlite3") is None
    assert "could not be opened" in caplog.text and "is damaged" in caplog.text


async def test_a_store_too_damaged_to_open_and_broken_packs_stop_the_start_with_a_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packs = copy_packs(tmp_path)
    prepare_fact_store(settings_for(tmp_path, packs))
    data = tmp_path / "data"
    garble_table(data / "facts.sqlite3", "name_index")
    break_a_pack(packs)
    monkeypatch.setattr(runner, "BACKGROUND_CHECK_MIN", 1)
    settings = load_settings({"DRAMABOT_DATA_DIR": str(data), "DRAMABOT_PACKS": str(packs),
                              "DISCORD_TOKEN": TOKEN})
    with pytest.raises(StoreProblem, match="cannot be rebuilt") as raised:
        await runner.serve(settings)  # stops before it would connect
    assert "no-such-source" in str(raised.value)
    assert len(damaged_aside(data)) == 1
