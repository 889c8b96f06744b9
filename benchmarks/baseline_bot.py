"""The baseline: the least a discord.py bot can do per interaction.

One slash command, `/baseline name:<text>`, answers a small fixed embed (`name:button`
adds a button, for the message the benchmark presses; `name:sized` answers an embed and a
button of about the size of dramabot's replies, built per reply); its `name` option
autocompletes from a fixed list; the button answers a fixed ephemeral line.
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
import re

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

BUTTON_ID = "baseline:press"
CHOICES = [app_commands.Choice(name=f"Drama {i}", value=f"drama-{i}") for i in range(25)]
EMBED = discord.Embed(title="Soundtrack #1", description="A fixed answer.", colour=0x5865F2)
EMBED.add_field(name="Platform", value="Disney+").add_field(name="Episodes", value="4")


# The sized answer: an embed and a button of about the size of dramabot's replies (its
# /ost track card: title, a heading, five inline fields, notes, a sources footer; and one
# button under it). What a bare bot does to send it, it does per reply: the embed is
# built, and so is the view with its (dynamic, stateless) button.
SIZED_FIELDS = [("Number", "7"), ("Title", "Just A Little Bit More; also reported as A "
                 "Little More (WowKeren)"), ("Korean title", "아주 조금만 더"),
                ("Artist", "Doyoung"), ("Release date", "2022-02-22")]
SIZED_NOTES = ("Released as part 7 of the soundtrack (one source: article on NCT's Doyoung "
               "and his OST for Soundtrack #1)")
SIZED_FOOTER = ("Sources: Disney+ Korea press release; WowKeren; Soompi; article on NCT's "
                "Doyoung and his OST for Soundtrack #1")


class ListButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                 template=r"baseline:list:(?P<key>[a-z0-9-]+)"):
    def __init__(self, key: str) -> None:
        super().__init__(discord.ui.Button(label="Full track list",
                                           custom_id=f"baseline:list:{key}",
                                           style=discord.ButtonStyle.primary))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: re.Match[str], /) -> ListButton:
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Pressed.", ephemeral=True)


def sized_reply() -> tuple[discord.Embed, discord.ui.View]:
    embed = discord.Embed(title="Soundtrack #1 (사운드트랙 #1)", description="**OST track 7**",
                          colour=0x5865F2)
    for name, value in SIZED_FIELDS:
        embed.add_field(name=name, value=value, inline=True)
    embed.add_field(name="Notes", value=SIZED_NOTES, inline=False)
    embed.set_footer(text=SIZED_FOOTER)
    view = discord.ui.View(timeout=None)
    view.add_item(ListButton("soundtrack1"))
    return embed, view


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
        self.add_dynamic_items(ListButton)
        await self.tree.sync()


@app_commands.command(name="baseline", description="A fixed embed, for benchmarks")
@app_commands.describe(name="any text")
async def baseline(interaction: discord.Interaction, name: str) -> None:
    """The fixed embed; with name "button" also the button (the message the benchmark
    presses), so the measured command is the bare embed reply."""
    if name == "button":
        await interaction.response.send_message(embed=EMBED, view=PressView())
    elif name == "sized":
        embed, view = sized_reply()
        await interaction.response.send_message(embed=embed, view=view)
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
