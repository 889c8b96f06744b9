"""The baseline: the least a discord.py bot can do per interaction.

One slash command, `/baseline name:<text>`, answers a fixed embed (`name:button` adds
a button, for the message the benchmark presses); its `name` option autocompletes from a
fixed list; the button answers a fixed ephemeral line.
No database, no lookups, no logging: what remains is discord.py parsing the event and
sending the reply, which is the floor dramabot's latencies are compared with (each kind of
interaction with its own kind: command, autocomplete, button).

Run in its own process, with the same endpoint settings as the bot:

    DISCORD_TOKEN=… DISCORD_API_BASE=http://127.0.0.1:… DISCORD_GATEWAY_URL=ws://127.0.0.1:… \\
        python -m benchmarks.baseline_bot
"""

from __future__ import annotations

import asyncio
import os

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

BUTTON_ID = "baseline:press"
CHOICES = [app_commands.Choice(name=f"Drama {i}", value=f"drama-{i}") for i in range(25)]
EMBED = discord.Embed(title="Soundtrack #1", description="A fixed answer.", colour=0x5865F2)
EMBED.add_field(name="Platform", value="Disney+").add_field(name="Episodes", value="4")


class PressView(discord.ui.View):
    """One button that stays live (no timeout), like a quiz's answer buttons."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Press", custom_id=BUTTON_ID, style=discord.ButtonStyle.primary)
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button[PressView]
                    ) -> None:
        await interaction.response.send_message("Pressed.", ephemeral=True)


class BaselineBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none(),
                         allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(baseline)

    async def setup_hook(self) -> None:
        """Register the view for every message (like a persistent view) and publish the
        command, as the bot does, so the offline Discord knows its options."""
        self.add_view(PressView())
        await self.tree.sync()


@app_commands.command(name="baseline", description="A fixed embed, for benchmarks")
@app_commands.describe(name="any text")
async def baseline(interaction: discord.Interaction, name: str) -> None:
    """The fixed embed; with name "button" also the button (the message the benchmark
    presses), so the measured command is the bare embed reply."""
    if name == "button":
        await interaction.response.send_message(embed=EMBED, view=PressView())
    else:
        await interaction.response.send_message(embed=EMBED)


@baseline.autocomplete("name")
async def baseline_name(interaction: discord.Interaction, current: str
                        ) -> list[app_commands.Choice[str]]:
    return CHOICES


def apply_endpoints() -> None:
    """The same two class attributes bot.runner.apply_endpoints sets; read from the same
    environment variables, without importing the bot."""
    api_base = os.environ.get("DISCORD_API_BASE")
    gateway = os.environ.get("DISCORD_GATEWAY_URL")
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway.rstrip("/"))


async def main() -> None:
    apply_endpoints()
    async with BaselineBot() as client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
