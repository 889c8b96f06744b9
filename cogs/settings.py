"""/settings default-drama: a server's admins choose the drama /ost and /quiz use by default.

The group is declared guild-only with `default_permissions(manage_guild)`, so Discord
hides it from members without Manage Server; server owners can change that in their
integration settings, so the same right is checked again when the command (or one of its
did-you-mean buttons) runs.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.quiz.questions import generate, load_material
from cogs.utils.checks import manage_server_only, manages_server
from cogs.utils.formatting import plural
from cogs.utils.lookup import DramaOption, default_drama
from cogs.utils.replies import Reply, private, send_reply
from cogs.utils.views import KeyButton

if TYPE_CHECKING:
    from bot.client import DramaBot

QUIZ_ENOUGH = 10  # questions for a default-length game


async def set_default(interaction: discord.Interaction[DramaBot], slug: str) -> Reply:
    """Store the choice and say what changed (publicly: the whole server is affected)."""
    bot = interaction.client
    guild_id = interaction.guild_id or 0
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return private("That drama is no longer in my records; pick another one.")
    previous = await default_drama(bot, guild_id)
    await bot.state.set_default_drama(guild_id, slug)
    text = f"This server's default drama is now **{ref.title}**"
    if previous and previous != slug:
        old = await bot.facts.drama_ref(previous)
        text += f" (it was {old.title if old else previous})"
    text += (". `/ost track`, `/ost list` and `/quiz start` use it when no drama is given.")
    return Reply(content=text + "".join(await _warnings(bot, slug, ref.title)))


async def _warnings(bot: DramaBot, slug: str, title: str) -> list[str]:
    """What a server should know before relying on this default."""
    warnings: list[str] = []
    if not await bot.facts.tracks(slug):
        warnings.append(f"\n⚠️ I have no OST tracks on record for {title}, so `/ost track` "
                        "and `/ost list` will have nothing to show without a `drama`.")
    material = await load_material(bot.facts, slug)
    count = len(generate(material, random.Random(0))) if material else 0
    if count < QUIZ_ENOUGH:
        warnings.append(f"\n⚠️ I know enough certain facts for only "
                        f"{plural(count, 'quiz question')} about {title}, so `/quiz start` "
                        "games on it will be short.")
    return warnings


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
        description="Choose the drama /ost and /quiz use in this server when none is given")
    @app_commands.describe(drama="The drama to use by default (suggested as you type)")
    @manage_server_only
    async def default_drama(
        self, interaction: discord.Interaction[DramaBot],
        drama: app_commands.Transform[str, DramaOption(SetDefaultButton.choice, strict=True)],
    ) -> None:
        await send_reply(interaction, await set_default(interaction, drama))


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the buttons its messages carry."""
    await bot.add_cog(Settings(bot))
    bot.add_dynamic_items(SetDefaultButton)
