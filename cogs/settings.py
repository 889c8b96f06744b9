"""/settings default-drama: a server's admins choose the drama /ost and /quiz use by default.

The group is declared guild-only with `default_permissions(manage_guild)`, so Discord
hides it from members without Manage Server; server owners can change that in their
integration settings, so the same right is checked again when the command (or one of its
did-you-mean buttons) runs.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.quiz.writeback import with_retries
from bot.store.health import describe, is_transient
from cogs.utils.checks import manage_server_only, manages_server
from cogs.utils.lookup import DramaOption, default_drama
from cogs.utils.replies import Reply, defer_if_slow, private, send_reply
from cogs.utils.views import KeyButton

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

SAVE_BUDGET = 10.0  # seconds a setting may wait for a locked or full store
BUSY = ("I couldn't save that just now: my database is busy. Nothing changed; please try "
        "again in a minute.")


async def set_default(interaction: discord.Interaction[DramaBot], slug: str) -> Reply:
    """Store the choice and say what changed (publicly: the whole server is affected)."""
    bot = interaction.client
    guild_id = interaction.guild_id or 0
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return private("That drama is no longer in my records; pick another one.")
    previous = await default_drama(bot, guild_id)
    try:
        await defer_if_slow(interaction, with_retries(
            partial(bot.state.set_default_drama, guild_id, slug), is_transient, SAVE_BUDGET))
    except Exception as error:
        if not is_transient(error):
            raise
        log.warning("Could not save server %s's default drama: %s", guild_id, describe(error))
        return private(BUSY)
    text = f"This server's default drama is now **{ref.title}**"
    if previous and previous != slug:
        old = await bot.facts.drama_ref(previous)
        text += f" (it was {old.title if old else previous})"
    text += ". `/ost track` and `/ost list` use it when no drama is given."
    return Reply(content=text)


class SetDefaultButton(KeyButton, prefix="lookup:setdefault:"):
    """A did-you-mean choice of /settings default-drama; needs the command's right."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        manages_server(interaction)
        return await set_default(interaction, self.key)


class Settings(commands.Cog):
    """Per-server settings."""

    settings_group = app_commands.Group(
        name="settings", description="Server settings for dramabot (needs Manage Server)",
        guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @settings_group.command(
        name="default-drama",
        description="Choose the drama /ost uses in this server when none is given")
    @app_commands.describe(drama="The drama to use by default (suggested as you type)")
    @manage_server_only
    async def default_drama(
        self, interaction: discord.Interaction[DramaBot],
        drama: app_commands.Transform[str, DramaOption(SetDefaultButton.choice)],
    ) -> None:
        await send_reply(interaction, await set_default(interaction, drama))


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the buttons its messages carry."""
    await bot.add_cog(Settings(bot))
    bot.add_dynamic_items(SetDefaultButton)
