"""Command sync without hammering Discord.

Discord rate-limits command sync and global changes take a while to spread, so the bot
syncs globally only when the command definitions changed since the last sync (a hash kept
in the data folder), or when asked with `dramabot sync`. With DEV_GUILD_ID set, commands
are copied to that guild and synced there at every start, so they appear at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)


async def commands_payload(bot: DramaBot) -> list[dict[str, Any]]:
    """The global command definitions exactly as they would be sent to Discord, with the
    translator's localisations (a changed catalogue is a changed definition)."""
    translator = bot.tree.translator
    if translator is None:
        return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    return [await command.get_translated_payload(bot.tree, translator)
            for command in bot.tree.get_commands()]


async def commands_hash(bot: DramaBot) -> str:
    payload = json.dumps(await commands_payload(bot), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _hash_file(bot: DramaBot) -> Any:
    return bot.settings.data_dir / "commands.sha256"


async def sync_commands(bot: DramaBot, *, force: bool = False) -> bool:
    """Sync if needed; returns whether a sync was sent."""
    guild_id = bot.settings.dev_guild_id
    if guild_id is not None:
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        log.info("Synced %d commands to development server %s", len(synced), guild_id)
        return True
    digest = await commands_hash(bot)
    hash_file = _hash_file(bot)
    if not force and hash_file.is_file() and hash_file.read_text().strip() == digest:
        log.info("Command definitions unchanged; global sync skipped")
        return False
    synced = await bot.tree.sync()
    hash_file.write_text(digest + "\n")
    log.info("Synced %d global commands", len(synced))
    return True
