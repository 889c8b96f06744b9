"""Starting the bot: point discord.py at the configured endpoints, make sure the fact store
is current, then connect. `dramabot run`, the console, the tests and the benchmarks all go
through `serve`, so what is tested is what runs."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from typing import Any

import aiohttp
import yarl
from discord import http
from discord.gateway import DiscordWebSocket

from bot.client import DramaBot, open_state_store
from bot.config import Settings
from bot.packs.loader import format_errors
from bot.packs.model import PackLoadError
from bot.store.build import build_fact_store, needs_build
from bot.store.health import StoreProblem, describe, quick_check

log = logging.getLogger(__name__)

DISCORD_API_BASE = http.Route.BASE
RETRY_FIRST, RETRY_LONGEST = 2.0, 60.0  # seconds between login attempts while offline
DISCORD_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def apply_endpoints(settings: Settings) -> None:
    """Route REST and the gateway to the configured hosts (a proxy, or the offline Discord).

    discord.py reads both from class attributes, so this is process-wide; unset settings
    restore Discord's own endpoints."""
    http.Route.BASE = settings.api_base or DISCORD_API_BASE
    gateway = settings.gateway_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway) if gateway else DISCORD_GATEWAY


def prepare_fact_store(settings: Settings, *, force: bool = False) -> bool:
    """Build the fact store when the packs changed (or it is missing). Returns whether it
    built.

    A failed build leaves the previous store in place (the build swaps atomically). With
    a previous store the bot keeps serving it and logs why it could not rebuild, so a typo
    in a pack never takes a running server's bot down; without one, the error is raised."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        damaged = set_aside_damaged_fact_store(settings)
        if not force and not damaged and not needs_build(settings.packs_dir, settings.fact_db):
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


def set_aside_damaged_fact_store(settings: Settings) -> bool:
    """Check the fact store with SQLite's quick_check; a damaged one is renamed (kept for
    a look, never deleted) so that it is rebuilt from the packs. Returns whether it was."""
    path = settings.fact_db
    if not path.exists():
        return False
    try:
        problem = quick_check(path)
    except sqlite3.Error as error:
        problem = describe(error)
    if problem is None:
        return False
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    path.replace(aside)
    log.warning("The fact store %s is damaged (%s); moved it to %s and rebuilding it from "
                "the packs", path, problem, aside.name)
    return True


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


async def serve(settings: Settings, bot: DramaBot | None = None, **bot_options: Any) -> None:
    """Run the bot until it is closed. Needs a token."""
    if settings.token is None:
        raise RuntimeError("serve() needs DISCORD_TOKEN; the CLI checks this first")
    apply_endpoints(settings)
    prepare_fact_store(settings)
    await prepare_state_store(settings)
    bot = bot or create_bot(settings, **bot_options)
    async with bot:
        await login(bot, settings.token)
        await bot.connect()


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
