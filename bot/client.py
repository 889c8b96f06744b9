"""The bot: a `commands.Bot` subclass that opens the stores and loads one extension per
feature in `setup_hook` (the RoboDanny pattern), and closes them again on shutdown."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
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


class DramaBot(commands.Bot):
    """dramabot. `facts` answers questions about dramas; `state` keeps what must last."""

    facts: FactStore
    state: StateStore

    def __init__(self, settings: Settings, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels and names for replies; no privileged intents
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=DramaTree,
            help_command=None,
            **options,
        )
        self.settings = settings
        self.extensions_to_load: tuple[str, ...] = EXTENSIONS
        self.synced = False
        self.force_sync = False

    async def setup_hook(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.facts = await FactStore.open(self.settings.fact_db)
        self.state = await StateStore.open(self.settings.state_db)
        for extension in self.extensions_to_load:
            await self.load_extension(extension)
        log.info("Loaded %d extensions", len(self.extensions_to_load))
        from bot.sync import sync_commands  # late: sync imports the tree's command types

        await sync_commands(self, force=self.force_sync)
        self.synced = True

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
