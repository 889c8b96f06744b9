"""/settings default-drama: a server's admins choose the drama /ost uses by default.

The group is declared guild-only with `default_permissions(manage_guild)`, so Discord
hides it from members without Manage Server; server owners can change that in their
integration settings, so the permission is checked again when the command (or a
did-you-mean button) runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs.utils import views
from cogs.utils.lookup import bot_of, default_drama, drama_autocomplete, resolve_drama
from cogs.utils.views import Reply, send_reply

if TYPE_CHECKING:
    from bot.client import DramaBot

Interaction = discord.Interaction[Any]

GUILD_ONLY = "Server settings only work in a server, not in direct messages."
NEEDS_MANAGE = ("Only members with the **Manage Server** permission can choose this "
                "server's default drama.")


def refusal(interaction: Interaction) -> Reply | None:
    """Why this user may not change settings here, or None if they may."""
    if interaction.guild_id is None:
        return Reply(content=GUILD_ONLY, ephemeral=True)
    perms = interaction.permissions
    if not (perms.manage_guild or perms.administrator):
        return Reply(content=NEEDS_MANAGE, ephemeral=True)
    return None


async def set_default(interaction: Interaction, slug: str) -> Reply:
    """Store the choice and say what changed (publicly: the whole server is affected)."""
    refused = refusal(interaction)
    if refused is not None:
        return refused
    bot = bot_of(interaction)
    guild_id = interaction.guild_id or 0
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return Reply(content="That drama is no longer in my records; pick another one.",
                     ephemeral=True)
    previous = await default_drama(bot, guild_id)
    await bot.state.set_default_drama(guild_id, slug)
    text = f"This server's default drama is now **{ref.title}**"
    if previous and previous != slug:
        old = await bot.facts.drama_ref(previous)
        text += f" (it was {old.title if old else previous})"
    text += ". `/ost track` and `/ost list` use it when no drama is given."
    return Reply(content=text)


async def _on_setdefault(interaction: Interaction, slug: str, _extra: int | None) -> Reply:
    return await set_default(interaction, slug)


class Settings(commands.Cog):
    """Per-server settings."""

    settings_group = app_commands.Group(
        name="settings", description="Server settings for dramabot (needs Manage Server)",
        guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        views.register_lookup("setdefault", _on_setdefault)

    async def cog_unload(self) -> None:
        views.unregister("setdefault")

    @settings_group.command(
        name="default-drama",
        description="Choose the drama /ost uses in this server when none is given")
    @app_commands.describe(drama="The drama to use by default (suggested as you type)")
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def default_drama(self, interaction: Interaction, drama: str) -> None:
        refused = refusal(interaction)
        if refused is not None:
            await send_reply(interaction, refused)
            return
        found = await resolve_drama(self.bot, drama, kind="setdefault")
        reply = found.reply or await set_default(interaction, found.key or "")
        await send_reply(interaction, reply)


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the dynamic buttons its messages carry."""
    await bot.add_cog(Settings(bot))
    bot.add_dynamic_items(*views.DYNAMIC_ITEMS)
