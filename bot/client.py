"""The bot: a `commands.AutoShardedBot` subclass that opens the stores and loads one
extension per feature in `setup_hook` (the RoboDanny pattern), and closes them again on
shutdown.

Sharded always: with SHARD_COUNT/SHARD_IDS it runs those shards (one process of several),
otherwise as many as Discord recommends (`GET /gateway/bot`), all in this process. Shards
IDENTIFY at Discord's rate, one per 5 s in each `max_concurrency` bucket."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import frames
from bot.config import Settings
from bot.i18n import CatalogueTranslator, language_of, use
from bot.shards import ShardScope
from bot.store.facts import FactStore
from bot.store.health import StoreProblem, describe
from bot.store.state import PoolSettings, StateStore
from cogs.utils.checks import RateBuckets
from cogs.utils.errors import error_reply
from cogs.utils.language import begin
from cogs.utils.lookup import ChoicePageButton
from cogs.utils.replies import EXPIRED, FAILED, TooLate, answer_privately, seconds_left
from cogs.utils.views import BotButton

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = ("cogs.info", "cogs.ost", "cogs.settings", "cogs.quiz")
AUTOCOMPLETE_TIME = 0.5  # seconds an autocomplete answer needs to reach Discord in time


class DramaTree(app_commands.CommandTree["DramaBot"]):
    """Command tree whose error handler always answers the user privately: the reply a
    transformer or a check carries, a refusal worded once in `error_reply`, or, for our
    own bugs, an apology with the traceback logged (Discord shows "The application did
    not respond" otherwise).

    Autocomplete is dropped quietly (a debug line, no answer) when it can no longer meet
    its deadline or a member sends more than `settings.autocomplete_rate`: Discord's
    client shows only the latest suggestions anyway, and answering late only earns a
    10062 and a traceback."""

    def __init__(self, client: DramaBot, **options: Any) -> None:
        super().__init__(client, **options)
        self._suggesting = RateBuckets("member")

    async def interaction_check(self, interaction: discord.Interaction[DramaBot], /) -> bool:
        """Every command and autocomplete starts here: speak the reader's language (and
        note the server's) before any option is transformed or check is run; then drop
        an autocomplete that cannot be answered in time or comes over its rate. (Its
        suggestions are seen by the reader alone: the server's language is not needed.)"""
        if interaction.type is not discord.InteractionType.autocomplete:
            await begin(interaction)
            return True
        use(language_of(interaction.locale))
        if seconds_left(interaction) < AUTOCOMPLETE_TIME:
            log.debug("Autocomplete by %s dropped: too late to answer", interaction.user.id)
            return False
        if self._over_rate(interaction):
            log.debug("Autocomplete by %s dropped: over its rate", interaction.user.id)
            return False
        return True

    def _over_rate(self, interaction: discord.Interaction[DramaBot]) -> bool:
        return self._suggesting.over(interaction.user.id, self.client.settings.autocomplete_rate,
                                     interaction.created_at.timestamp()) is not None

    async def on_error(
        self, interaction: discord.Interaction[DramaBot], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(getattr(error, "original", error), TooLate):
            log.info("Dropped the answer to /%s: %s", command, getattr(error, "original", error))
            return  # Discord takes no answer any more; an apology would be as late
        reply = error_reply(error)
        if reply is None:
            log.error("Command /%s failed", command, exc_info=error)
        await answer_privately(interaction, reply or FAILED)


def presses_a_button_of(buttons: Iterable[type[BotButton]],
                        interaction: discord.Interaction[Any]) -> bool:
    """Whether a component interaction will reach one of `buttons`: its custom_id fits a
    template and the pressed component is on the message (discord.py ignores a press
    whose component it cannot find there)."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if interaction.message is None or not any(b.pattern.fullmatch(custom_id) for b in buttons):
        return False
    return any(getattr(child, "custom_id", None) == custom_id
               for row in interaction.message.components
               for child in getattr(row, "children", (row,)))


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




async def open_state_store(target: Path | str, pool: PoolSettings) -> StateStore:
    """The state store, or a StoreProblem naming it when it cannot be opened or migrated
    (a full disk, a read-only folder, a database that refuses): the operator must act, a
    traceback helps nobody."""
    try:
        return await StateStore.open(target, pool=pool)
    except (sqlite3.Error, OSError) as error:
        raise StoreProblem(f"cannot open the state store {target}: {describe(error)}. Free "
                           "some space or fix the file's permissions, then start again."
                           ) from error


class DramaBot(commands.AutoShardedBot):
    """dramabot. `facts` answers questions about dramas; `state` keeps what must last."""

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
        frames.install()  # one bad gateway frame must not end the process
        self.settings = settings
        self.scope: ShardScope | None = scope
        self.identify_gate = IdentifyGate()
        self.extensions_to_load: tuple[str, ...] = EXTENSIONS
        self.force_sync = False
        self.buttons: set[type[BotButton]] = set()
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
        if getattr(self, "facts", None) is None:  # else opened by the runner (serve)
            self.facts = await FactStore.open(self.settings.fact_db)
        self.state = await open_state_store(self.settings.state_target, self.settings.pool)
        self.state.scope = self.scope
        await self.tree.set_translator(CatalogueTranslator())
        self.add_dynamic_items(ChoicePageButton)  # pages of choices, for every cog's options
        for extension in self.extensions_to_load:
            await self.load_extension(extension)
        log.info("Loaded %d extensions", len(self.extensions_to_load))
        from bot.sync import sync_commands  # late: sync imports the tree's command types

        if self.syncs_commands:
            await sync_commands(self, force=self.force_sync)
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

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Register buttons with discord.py, and remember ours for `on_interaction`."""
        super().add_dynamic_items(*items)
        self.buttons.update(i for i in items if issubclass(i, BotButton))

    def remove_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        super().remove_dynamic_items(*items)
        self.buttons.difference_update(items)

    async def on_interaction(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Answer presses that no button of ours will handle (a button from an older
        version, a retired view, a forged custom_id): Discord would show "This
        interaction failed". Every component the bot sends is a `BotButton`, so what
        matches none of their templates has no handler."""
        if interaction.type is not discord.InteractionType.component:
            return
        if not presses_a_button_of(self.buttons, interaction):
            data: dict[str, Any] = dict(interaction.data or {})
            log.info("Unhandled component pressed: %r", data.get("custom_id"))
            use(language_of(interaction.locale))
            await answer_privately(interaction, EXPIRED)

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
