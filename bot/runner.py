"""Starting the bot: point discord.py at the configured endpoints, make sure there is a fact
store to serve, then connect. `dramabot run`, the console, the tests and the benchmarks all
go through `serve`, so what is tested is what runs.

A start checks the fact store (SQLite's quick_check) and the packs against it, and
rebuilds it first if it is damaged or they changed, except with a large store: from
BACKGROUND_CHECK_MIN packs, a store of this bot's format is served at once, and both checks
are made in the background once the bot is ready (at 100,000 packs quick_check reads
1.3 GB, 1-2 s, and the packs' check takes a stat per file). If the store is damaged or the
packs changed, the store is rebuilt in a process of its own, to a new file swapped in
atomically, and the running bot switches onto it (`refresh_fact_store`). A first start with
no store, a store too damaged to open, a store of another format and `dramabot db build`
always build first."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import yarl
from discord import http
from discord.gateway import DiscordWebSocket

from bot.client import DramaBot, open_state_store
from bot.config import Settings
from bot.packs.loader import format_errors
from bot.packs.model import PackLoadError
from bot.store.build import PACK_ERRORS_EXIT, build_fact_store, needs_build, servable_packs
from bot.store.facts import FactStore, FactStoreError
from bot.store.health import StoreProblem, describe, quick_check, set_aside_if_damaged

log = logging.getLogger(__name__)

DISCORD_API_BASE = http.Route.BASE
RETRY_FIRST, RETRY_LONGEST = 2.0, 60.0  # seconds between login attempts while offline
DISCORD_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY
# Seconds a store the bot switched away from stays open: a command that fetched it just
# before the switch finishes its reading on it.
OLD_STORE_GRACE = 30.0
# From this many packs a start serves the store it has and checks the packs afterwards;
# below, checking them first takes milliseconds (the bundled packs: under 10 ms).
BACKGROUND_CHECK_MIN = 2000


def apply_endpoints(settings: Settings) -> None:
    """Route REST and the gateway to the configured hosts (a proxy, or the offline Discord).

    discord.py reads both from class attributes, so this is process-wide; unset settings
    restore Discord's own endpoints."""
    http.Route.BASE = settings.api_base or DISCORD_API_BASE
    gateway = settings.gateway_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway) if gateway else DISCORD_GATEWAY


def prepare_fact_store(settings: Settings, *, force: bool = False,
                       defer_check: bool = False) -> bool:
    """Build the fact store when the packs changed (or it is missing). Returns whether it
    built. With `defer_check`, a store of this bot's format that `checks_later` is served
    as it is, without checking it or looking at the packs (the caller checks both
    afterwards: `refresh_fact_store`); a missing, damaged or other-format store is built
    here.

    A failed build leaves the previous store in place (the build swaps atomically). With
    a previous store the bot keeps serving it and logs why it could not rebuild, so a typo
    in a pack never takes a running server's bot down; without one, the error is raised."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not force and defer_check and checks_later(settings):
            return False  # checked once the bot is ready, damage included (quick_check
            # reads the whole file: 1-2 s at 100,000 dramas)
        damaged = set_aside_damaged_fact_store(settings)
        if not force and not damaged and not needs_build(settings.packs_dir,
                                                          settings.fact_db):
            return False
        log.info("Building the fact store from %s", settings.packs_dir)
        try:
            result = build_fact_store(settings.packs_dir, settings.fact_db)
        except PackLoadError as error:
            if force or not settings.fact_db.is_file():
                raise
            log.error("The data packs have errors; serving the previous fact store until "
                      "they are fixed:\n%s", format_errors(error.errors))
            return False
    except (sqlite3.Error, OSError) as error:  # a full disk, a read-only folder
        raise StoreProblem(f"cannot write the fact store {settings.fact_db}: "
                           f"{describe(error)}. Free some space or fix the folder's "
                           "permissions, then start again.") from error
    log.info("Fact store built at %s: %d packs, %d dramas, %d people, %d tracks, "
             "%d sources in %.1f s", result.path, result.packs, result.dramas, result.people,
             result.tracks, result.sources, result.seconds)
    return True


def checks_later(settings: Settings) -> bool:
    """Whether a start serves the fact store it has and checks the packs in the
    background: a store this bot can read, built from BACKGROUND_CHECK_MIN packs or more."""
    packs = servable_packs(settings.fact_db)
    return packs is not None and packs >= BACKGROUND_CHECK_MIN


def set_aside_damaged_fact_store(settings: Settings) -> bool:
    """Check the fact store with SQLite's quick_check; a damaged one is renamed (kept for
    a look, never deleted) so that it is rebuilt from the packs. Returns whether it was."""
    path = settings.fact_db
    seen = _identity(path)
    if seen is not None and seen in _FOUND_SOUND:
        return False  # `dramabot run` prepares the store, then serve() again: once is enough
    damage = set_aside_if_damaged(path)
    if damage is None:
        if seen is not None:
            _FOUND_SOUND.add(seen)
        return False
    log.warning("The fact store %s is damaged (%s); moved it to %s and rebuilding it from "
                "the packs", path, damage[0], damage[1].name)
    return True


# Fact store files this process found sound, by identity: quick_check reads the whole file
# (0.9 s at 100,000 dramas), and the same unchanged file need not be read twice.
_FOUND_SOUND: set[tuple[int, ...]] = set()


def _identity(path: Path) -> tuple[int, ...] | None:
    """Device, inode, size and mtime_ns: a file replaced or written since differs."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def check_state_store(settings: Settings) -> None:
    """Refuse to start on a state store SQLite cannot read or finds damaged: it holds the
    scores and settings, which no pack can rebuild, so it is never changed here."""
    path = settings.state_db
    if not path.exists():
        return  # the first start creates it
    try:
        problem = quick_check(path)
    except sqlite3.Error as error:
        raise StoreProblem(f"cannot open the state store {path}: {describe(error)}. Check "
                           "that it is a readable file, then start again.") from error
    if problem is not None:
        raise StoreProblem(
            f"the state store {path} is damaged ({problem}); it was left as it is. Restore "
            "it from a backup (README: Data and backups), or move it aside to start with no "
            "scores or settings.")


async def prepare_state_store(settings: Settings) -> None:
    """Check, create or migrate the state store before connecting to Discord, so a
    damaged file or a full disk stops the start with one line instead of half a bot."""
    if settings.database_url is None:  # PostgreSQL checks its own files
        check_state_store(settings)
    store = await open_state_store(settings.state_target, settings.pool)
    await store.close()


def create_bot(settings: Settings, **bot_options: Any) -> DramaBot:
    return DramaBot(settings, **bot_options)


async def serve(settings: Settings, bot: DramaBot | None = None, *, settle_heap: bool = False,
                **bot_options: Any) -> None:
    """Run the bot until it is closed. Needs a token. `settle_heap`: freeze what start-up
    left once the bot is ready (`freeze_start_up`), for a process that runs this one bot."""
    if settings.token is None:
        raise RuntimeError("serve() needs DISCORD_TOKEN; the CLI checks this first")
    apply_endpoints(settings)
    built = prepare_fact_store(settings, defer_check=True)
    later = not built and checks_later(settings)
    await prepare_state_store(settings)
    bot = bot or create_bot(settings, **bot_options)
    if later and not await open_unchecked_fact_store(bot, settings):
        later = False
    with stopped_by_sigterm():
        async with bot:
            await login(bot, settings.token)
            tasks: list[asyncio.Task[Any]] = (
                [asyncio.create_task(refresh_fact_store(bot, settings))] if later else [])
            if settle_heap:
                tasks.append(asyncio.create_task(freeze_start_up(bot)))
            try:
                await bot.connect()
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task


async def open_unchecked_fact_store(bot: DramaBot, settings: Settings) -> bool:
    """Open the store `prepare_fact_store` served without a check, for the bot to use
    (`setup_hook`). A store too damaged to open is checked, moved aside and rebuilt here
    (False: checked now, not later); one merely damaged elsewhere is found by the check
    made once the bot is ready (`refresh_fact_store`)."""
    try:
        bot.facts = await FactStore.open(settings.fact_db)
        return True
    except (FactStoreError, sqlite3.DatabaseError) as error:
        log.warning("The fact store %s could not be opened (%s); checking it now",
                    settings.fact_db, describe(error))
    try:
        prepare_fact_store(settings)
    except PackLoadError as error:  # set aside, and nothing to rebuild it from
        raise StoreProblem(f"the fact store {settings.fact_db} could not be opened, and the "
                           f"data packs have errors, so it cannot be rebuilt:\n"
                           f"{format_errors(error.errors)}") from error
    return False


async def freeze_start_up(bot: DramaBot) -> None:
    """Once the bot is ready, move every object start-up left (modules, discord.py's
    caches, the name indexes) out of the garbage collector's sight (`gc.freeze`). They live
    as long as the process, and each full collection would otherwise walk them all again,
    a stall of tens of milliseconds for whichever interaction is running. Frozen objects
    are still freed by reference counting (the old store's name indexes after a switch);
    only one in a reference cycle would stay, which is why this is done once the bot is
    ready and after a collection, and not in a process that starts many bots."""
    await bot.wait_until_ready()
    gc.collect()
    gc.freeze()
    log.debug("Froze %d objects left from start-up", gc.get_freeze_count())


@contextlib.contextmanager
def stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM (systemd's stop, `docker stop`, a deploy) stops the bot as Ctrl-C does: the
    running task is cancelled, so `async with bot` closes Discord, then the games (marked
    interrupted) with the state store's queued writes, then the databases, and the process
    exits 0. Python's default for SIGTERM ends the process at once, which would drop the
    scores still queued behind the write-behind. A second SIGTERM while closing is ignored
    (systemd sends SIGKILL after its TimeoutStopSec)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received = False

    def stop() -> None:
        nonlocal received
        if task is None or received:
            return
        received = True
        log.info("SIGTERM received: closing")
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
        installed = True
    except (NotImplementedError, RuntimeError):  # no signal handlers here (Windows, a thread)
        installed = False
    try:
        yield
    except asyncio.CancelledError:
        if not received or task is None:
            raise
        task.uncancel()  # the cancellation was ours, and it has done its work
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


async def refresh_fact_store(bot: DramaBot, settings: Settings) -> bool:
    """Once the bot is ready, check the store it serves (quick_check) and the packs
    against it and, when it is damaged or they changed, rebuild the store, both in a
    process of its own (`build_in_background`: the checks' memory and CPU, seconds at
    100,000 packs, and the build's are not the bot's); then switch the bot onto the new
    store. Returns whether it switched.

    Whatever goes wrong here (pack errors, a full disk) is logged and the bot goes on
    serving the store it has, as a start with broken packs always did."""
    await bot.wait_until_ready()
    result = await build_in_background(settings)
    if result is None or not result.get("built"):
        return False
    try:
        store = await FactStore.open(settings.fact_db)
    except Exception:
        log.exception("The rebuilt fact store %s could not be opened; serving the previous "
                      "one", settings.fact_db)
        return False
    switch_fact_store(bot, store)
    log.info("Now serving the rebuilt fact store: %s packs, %s dramas, %s people, %s tracks, "
             "%s sources, built in %.1f s", result.get("packs"), result.get("dramas"),
             result.get("people"), result.get("tracks"), result.get("sources"),
             float(result.get("seconds") or 0))
    return True


async def build_in_background(settings: Settings) -> dict[str, Any] | None:
    """`python -m bot.store.build --if-changed` for the settings' packs and store: what it
    said last ({"built": false} when the store was current), or None after logging why it
    built nothing. Cancelled, it stops the build (SIGTERM: the build deletes its
    temporary file) and waits for it."""
    packs = settings.packs_dir
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.store.build", "--if-changed", str(packs),
        str(settings.fact_db), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    errors = asyncio.create_task(process.stderr.read())
    said: dict[str, Any] = {}
    try:
        async for line in process.stdout:
            try:
                said = json.loads(line)
            except ValueError:  # not one of its lines (a warning of some library)
                continue
            if said.get("damaged"):
                log.warning("The fact store %s is damaged (%s); kept it as %s and "
                            "rebuilding it from the packs in the background, serving it "
                            "until the new one is ready", settings.fact_db,
                            said["damaged"], Path(str(said.get("aside"))).name)
            elif said.get("changed"):
                log.info("The data packs in %s changed since the fact store was built: "
                         "rebuilding it in the background; the current store is served "
                         "until the new one is ready", packs)
        await process.wait()
        err = await errors
    except BaseException:
        errors.cancel()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        raise
    problem = err.decode("utf-8", "replace").strip()
    if process.returncode == PACK_ERRORS_EXIT:
        log.error("The data packs have errors; serving the previous fact store until "
                  "they are fixed:\n%s", problem)
        return None
    if process.returncode != 0:
        log.error("Checking or rebuilding the fact store failed (exit status %s); serving "
                  "the previous one:\n%s", process.returncode, problem)
        return None
    if not said.get("built"):
        log.debug("The fact store is current with the packs in %s", packs)
    return said


def switch_fact_store(bot: DramaBot, store: FactStore) -> None:
    """Serve `store` from now on: every command reads `bot.facts` afresh. The cogs drop
    what they derived from the old store's results (`on_fact_store_changed`); the old
    store drops its cached results at once and is closed after OLD_STORE_GRACE seconds."""
    old, bot.facts = bot.facts, store
    old.clear_caches()
    bot.dispatch("fact_store_changed", store)

    async def close_later() -> None:
        try:
            await asyncio.sleep(OLD_STORE_GRACE)
        finally:
            await old.close()
    task = asyncio.create_task(close_later())
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Task[None]] = set()  # old stores waiting to be closed


async def login(bot: DramaBot, token: str, *, first_delay: float = RETRY_FIRST,
                longest: float = RETRY_LONGEST) -> None:
    """Log in, waiting out a network that is down (the machine still booting, Discord
    unreachable): one line per attempt, and a retry after a delay that doubles up to
    `longest`. A refused token (LoginFailure) is not retried."""
    delay = first_delay
    while True:
        try:
            await bot.login(token)
            return
        except (aiohttp.ClientConnectionError, TimeoutError) as error:
            log.warning("Cannot reach Discord at %s (%s); trying again in %.0f s",
                        http.Route.BASE, error or type(error).__name__, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, longest)
