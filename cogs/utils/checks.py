"""Permission checks shared by commands (as `app_commands.check`s) and by the buttons that
need the same right, which call the predicate directly. A failing predicate raises, and
`cogs.utils.errors.error_reply` words the refusal."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands


def manages_server(interaction: discord.Interaction[Any]) -> bool:
    """In a server, with Manage Server (Discord sends every permission for an
    administrator, so that includes them)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


manage_server_only = app_commands.check(manages_server)
