"""A test-only extension: commands that go wrong in the ways the core must absorb."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands


class Failing(commands.Cog):
    @app_commands.command(name="boom", description="Raises, as a bug would")
    async def boom(self, interaction: discord.Interaction[Any]) -> None:
        raise RuntimeError("a bug in a command")

    @app_commands.command(name="boom-late", description="Defers, then raises")
    async def boom_late(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer()
        raise RuntimeError("a bug after deferring")

    @app_commands.command(name="short-lived", description="A button whose view is gone")
    async def short_lived(self, interaction: discord.Interaction[Any]) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Press me", custom_id="retired:button"))
        await interaction.response.send_message("A button from an older version", view=view)
        view.stop()  # the bot no longer listens for it, as after a restart


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Failing())
