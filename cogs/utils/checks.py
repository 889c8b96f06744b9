"""Permission checks shared by commands (as `app_commands.check`s) and by the buttons that
need the same right, which call the predicate directly. A failing predicate raises, and
`cogs.utils.errors.error_reply` words the refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.utils import maybe_coroutine

T = TypeVar("T")


def manages_server(interaction: discord.Interaction[Any]) -> bool:
    """In a server, with Manage Server (Discord sends every permission for an
    administrator, so that includes them)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return True


manage_server_only = app_commands.check(manages_server)


class ScopedCooldown(app_commands.Cooldown):
    """A cooldown that knows whose it is ("member" or "channel"), for the refusal."""

    def __init__(self, rate: int, per: float, scope: str) -> None:
        super().__init__(rate, per)
        self.scope = scope

    def copy(self) -> ScopedCooldown:
        return ScopedCooldown(self.rate, self.per, self.scope)


def rate_limited(setting: str, *, per: Literal["member", "channel"] = "member"
                 ) -> Callable[[T], T]:
    """discord.py's `dynamic_cooldown`, at the rate the bot's `settings.<setting>` names
    (read at each use, so the settings decide), per member or per channel."""
    def cooldown(interaction: discord.Interaction[Any]) -> app_commands.Cooldown:
        rate = getattr(interaction.client.settings, setting)
        return ScopedCooldown(rate.count, rate.per, per)

    def key(interaction: discord.Interaction[Any]) -> int:
        return interaction.user.id if per == "member" else (interaction.channel_id or 0)

    return app_commands.checks.dynamic_cooldown(cooldown, key=key)


async def run_checks(command: app_commands.Command[Any, Any, Any],
                     interaction: discord.Interaction[Any]) -> None:
    """A command's own checks (cooldowns included), for a button that does what the
    command does; a failing check raises as it would for the command."""
    for check in command.checks:
        if not await maybe_coroutine(check, interaction):
            raise app_commands.CheckFailure(f"check {check!r} failed")
