"""Starting the real bot in tests, the one way `dramabot run` starts it (settings through
`load_settings`, `create_bot`, `serve`), pointed at an offline Discord. Shared by the
`dramabot` fixture and the tests that restart the bot on the same data folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.client import DramaBot
from bot.config import REPO_ROOT, load_settings
from bot.offline import OfflineDiscord
from bot.runner import create_bot, serve

PACKS_DIR = REPO_ROOT / "data" / "packs"

# Tests play many commands per member in a second; the flood tests set the real rates.
RELAXED = {"LOOKUP_RATE": "1000/1", "AUTOCOMPLETE_RATE": "1000/1",
           "QUIZ_START_RATE": "1000/1", "QUIZ_CHANNEL_RATE": "1000/1",
           "QUIZ_GAMES_PER_SERVER": "100"}


@asynccontextmanager
async def run_dramabot(discord: OfflineDiscord, data_dir: Path, packs: Path = PACKS_DIR,
                       env: Mapping[str, str] | None = None, settle_heap: bool = False,
                       **attributes: Any
                       ) -> AsyncIterator[DramaBot]:
    """One bot process's life against `discord`; `env` adds settings, `settle_heap` freezes
    start-up's objects as `dramabot run` does (the test unfreezes them), `attributes` are
    set on the bot before it starts (e.g. the quiz's `quiz_clock`). Closes the bot
    cleanly."""
    settings = load_settings(discord.environ(
        DRAMABOT_DATA_DIR=str(data_dir), DRAMABOT_PACKS=str(packs), LOG_LEVEL="WARNING",
        **{**RELAXED, **(env or {})}))
    bot = create_bot(settings, guild_ready_timeout=0.05)
    for name, value in attributes.items():
        setattr(bot, name, value)
    with discord.patch_discord_py():  # restores discord.py's endpoints afterwards
        async with discord.running(bot, serve(settings, bot=bot, settle_heap=settle_heap),
                                   commands=bot.syncs_commands):
            yield bot
