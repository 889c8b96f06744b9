"""The bot: a `commands.AutoShardedBot` subclass that opens the stores and loads one
extension per feature in `setup_hook` (the RoboDanny pattern), and closes them again on
shutdown.

Sharded always: with SHARD_COUNT/SHARD_IDS it runs those shards (one process of several),
otherwise as many as Discord recommends (`GET /gateway/bot`), all in this process. Shards
IDENTIFY at Discord's rate, one per 5 s in each `max_concurrency` bucket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.shards import ShardScope
from bot.store.facts import FactStore
from bot.store.state import StateStore

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = ("cogs.info", "cogs.ost", "cogs.settings", "cogs.quiz")

GENERIC_ERROR = (
    "Something went wrong on my side while answering that. "
    "It has been logged; please try again."
)


class DramaTree(app_commands.CommandTree["DramaBot"]):
    """Command tree whose error handler always answers the user (ephemeral) and logs the
    traceback: Discord shows "The application did not respond" otherwise."""

    async def on_error(
        self, interaction: discord.Interaction[DramaBot], error: app_commands.AppCommandError
    ) -> None:
        message = _user_message(error)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("Command /%s failed", command, exc_info=error)
            message = GENERIC_ERROR
        await send_ephemeral(interaction, message)


def _user_message(error: app_commands.AppCommandError) -> str | None:
    """A friendly text for errors that are the user's doing; None for our own bugs."""
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {needed} permission to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works in a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"I could not understand {error.value!r} as {error.type.name.lower()}."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    return None


THINKING = "dramabot.thinking"
"""`interaction.extras` key, set by `cogs.utils.views.defer_thinking`: the original response
is still a public "thinking..." placeholder, to be replaced by the answer."""


async def send_ephemeral(interaction: discord.Interaction[Any], message: str) -> None:
    """Answer privately whether or not the interaction was already acknowledged. After a
    public "thinking..." deferral the first follow-up would fill that placeholder, in
    public: the placeholder is deleted first, so the follow-up is a private message."""
    try:
        if interaction.extras.pop(THINKING, False):
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not deliver an error message to the user", exc_info=True)


EXPIRED_COMPONENT = (
    "This button has expired. Run the command again for a fresh one."
)


def is_component_handled(
    bot: commands.Bot, component_type: int, custom_id: str, message_id: int | None
) -> bool:
    """Whether discord.py's view store will dispatch this click to a live view or a
    dynamic item. It reads the store's private tables: discord.py is pinned to one
    version, and a test covers this."""
    store = bot._connection._view_store
    if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items):
        return True
    key = (component_type, custom_id)
    return key in store._views.get(message_id, {}) or key in store._views.get(None, {})


IDENTIFY_INTERVAL = 5.0  # Discord: one IDENTIFY per 5 s per max_concurrency bucket


class IdentifyGate:
    """Spaces this process's IDENTIFYs as Discord requires: shard i is in bucket
    i % max_concurrency, and each bucket identifies at most once per IDENTIFY_INTERVAL.
    (discord.py's default waits 5 s before every shard but the first, whatever the
    concurrency.)"""

    def __init__(self, max_concurrency: int = 1, interval: float = IDENTIFY_INTERVAL) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.interval = interval
        self._last: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def wait(self, shard_id: int) -> None:
        bucket = shard_id % self.max_concurrency
        async with self._locks.setdefault(bucket, asyncio.Lock()):
            last = self._last.get(bucket)
            if last is not None:
                await asyncio.sleep(max(0.0, last + self.interval - time.monotonic()))
            self._last[bucket] = time.monotonic()


class DramaBot(commands.AutoShardedBot, commands.Bot):
    """dramabot. `facts` answers questions about dramas; `state` keeps what must last.

    `commands.Bot` is listed too (both are empty classes over BotBase and a Client, and
    the MRO puts AutoShardedClient first), so `isinstance(bot, commands.Bot)`, which the
    cogs and extensions rely on, stays true for the sharded bot."""

    facts: FactStore
    state: StateStore

    def __init__(self, settings: Settings, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels and names for replies; no privileged intents
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        scope = settings.shard_scope
        if scope is not None:
            options.setdefault("shard_count", scope.count)
            options.setdefault("shard_ids", list(scope.ids))
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=DramaTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.scope: ShardScope | None = scope
        self.identify_gate = IdentifyGate()
        self.extensions_to_load: tuple[str, ...] = EXTENSIONS
        self.synced = False
        self.force_sync = False
        if scope is not None:
            # Which process made a REST call, in Discord's and a proxy's logs (Discord
            # allows text after "DiscordBot (url, version)").
            self.http.user_agent = f"{self.http.user_agent} dramabot-shards/{scope.label}"

    @property
    def syncs_commands(self) -> bool:
        """Whether this process syncs commands: only the one running shard 0, so the
        processes of a sharded bot never race each other's syncs."""
        return self.scope is None or self.scope.syncs_commands

    async def setup_hook(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.facts = await FactStore.open(self.settings.fact_db)
        self.state = await StateStore.open(self.settings.state_target, pool=self.settings.pool)
        self.state.scope = self.scope
        for extension in self.extensions_to_load:
            await self.load_extension(extension)
        log.info("Loaded %d extensions", len(self.extensions_to_load))
        from bot.sync import sync_commands  # late: sync imports the tree's command types

        if self.syncs_commands:
            await sync_commands(self, force=self.force_sync)
            self.synced = True
        else:
            log.info("Commands are synced by the process running shard 0, not this one (%s)",
                     self.scope.label if self.scope else "")

    async def launch_shards(self) -> None:
        """Ask Discord how to connect first: its identify concurrency, and, when the
        shard count is not configured, how many shards it recommends. Setting the count
        here makes discord.py connect to the configured gateway (DISCORD_GATEWAY_URL, or
        Discord's), where it would otherwise take the URL from this answer."""
        if not self.is_closed():
            count, _url, limit = await self.http.get_bot_gateway()
            self.identify_gate = IdentifyGate(int(limit.get("max_concurrency", 1)))
            if self.shard_count is None:
                self.shard_count = count
            ids = self.shard_ids or range(self.shard_count)
            log.info("Running shard(s) %s of %d", ", ".join(map(str, ids)), self.shard_count)
        await super().launch_shards()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False
                                   ) -> None:
        await self.identify_gate.wait(shard_id or 0)

    async def on_interaction(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Answer clicks on components nothing handles any more (a view from before a
        restart, a retired button): Discord would otherwise show "interaction failed"."""
        if interaction.type is not discord.InteractionType.component or not interaction.data:
            return
        custom_id = str(interaction.data.get("custom_id", ""))
        component_type = int(str(interaction.data.get("component_type", 0)))
        message_id = interaction.message.id if interaction.message else None
        if not is_component_handled(self, component_type, custom_id, message_id):
            log.info("Expired component clicked: %r", custom_id)
            await send_ephemeral(interaction, EXPIRED_COMPONENT)

    async def on_ready(self) -> None:
        user = self.user
        log.info("Ready as %s in %d server(s)", user, len(self.guilds))

    async def close(self) -> None:
        """Close Discord first (no new interactions), then the databases."""
        await super().close()
        for store in (getattr(self, "state", None), getattr(self, "facts", None)):
            if store is not None:
                await store.close()
        log.info("Stores closed; goodbye")
