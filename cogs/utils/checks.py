"""Permission checks shared by commands (as `app_commands.check`s) and by the buttons that
need the same right, which call the predicate directly. A failing predicate raises, and
`cogs.utils.errors.error_reply` words the refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

import discord
from discord import app_commands
from discord.utils import maybe_coroutine

from bot.config import Rate

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


class RateBuckets:
    """discord.py's `Cooldown`, one per member or channel, at a rate read at each use (so
    the settings decide). Idle buckets are dropped once per period: discord.py's own
    `dynamic_cooldown` walks every bucket at every use, which a flood of thousands of
    members turns into thousands of steps per command."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._buckets: dict[int, ScopedCooldown] = {}
        self._pruned = 0.0  # when idle buckets were last dropped

    def __len__(self) -> int:
        return len(self._buckets)

    def over(self, key: int, rate: Rate, now: float) -> tuple[ScopedCooldown, float] | None:
        """Count one use by `key` at `now`; (its bucket, seconds to wait) when that is
        over the rate."""
        if now >= self._pruned + rate.per:
            self._pruned = now
            self._buckets = {k: b for k, b in self._buckets.items()
                             if b.get_tokens(now) < b.rate}  # full again: idle
        bucket = self._buckets.get(key)
        if bucket is None or (bucket.rate, bucket.per) != (rate.count, rate.per):
            bucket = self._buckets[key] = ScopedCooldown(rate.count, rate.per, self.scope)
        retry_after = bucket.update_rate_limit(now)
        return None if retry_after is None else (bucket, retry_after)


def rate_limited(setting: str, *, per: Literal["member", "channel"] = "member"
                 ) -> Callable[[T], T]:
    """A cooldown check at the rate the bot's `settings.<setting>` names, per member or
    per channel; over it raises discord.py's `CommandOnCooldown`, as `dynamic_cooldown`
    does (see `RateBuckets` for why not that)."""
    buckets = RateBuckets(per)

    def predicate(interaction: discord.Interaction[Any]) -> bool:
        key = interaction.user.id if per == "member" else (interaction.channel_id or 0)
        over = buckets.over(key, getattr(interaction.client.settings, setting),
                            interaction.created_at.timestamp())
        if over is None:
            return True
        raise app_commands.CommandOnCooldown(*over)

    return app_commands.check(predicate)


async def run_checks(command: app_commands.Command[Any, Any, Any],
                     interaction: discord.Interaction[Any]) -> None:
    """A command's own checks (cooldowns included), for a button that does what the
    command does; a failing check raises as it would for the command."""
    for check in command.checks:
        if not await maybe_coroutine(check, interaction):
            raise app_commands.CheckFailure(f"check {check!r} failed")
