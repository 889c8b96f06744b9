"""/settings default-drama and /settings language: a server's admins choose the drama /ost
and /quiz use by default, and the language of the bot's public messages.

The group is declared guild-only with `default_permissions(manage_guild)`, so Discord
hides it from members without Manage Server; server owners can change that in their
integration settings, so the same right is checked again when the command (or one of its
did-you-mean buttons) runs.
"""

from __future__ import annotations

import logging
import random
from functools import partial
from typing import TYPE_CHECKING

import discord
from babel import Locale
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from bot.i18n import DEFAULT, N_, _, languages, speaking
from bot.quiz.questions import generate, load_material
from bot.quiz.writeback import with_retries
from bot.store.health import describe, is_transient
from cogs.utils.checks import manage_server_only, manages_server
from cogs.utils.formatting import counted
from cogs.utils.language import public, server_language
from cogs.utils.lookup import DramaOption, default_drama
from cogs.utils.replies import Reply, defer_if_slow, private, send_reply
from cogs.utils.views import KeyButton

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

QUIZ_ENOUGH = 10  # questions for a default-length game
FOLLOW = "discord"  # /settings language's value for "follow the server's Discord locale"
ENGLISH = N_("English")  # other languages are named in their own language, as in clients


def language_name(language: str) -> str:
    """A language as its speakers write it: "English", "한국어"."""
    return str(Locale.parse(language).get_display_name(language))


def language_choices() -> list[Choice[str]]:
    """One choice per catalogue (a new catalogue is a new choice), and "follow Discord"."""
    named = [Choice(name=locale_str(ENGLISH if lang == DEFAULT else language_name(lang)),
                    value=lang) for lang in languages()]
    return [*named, Choice(name=locale_str("Follow the server's Discord language"),
                           value=FOLLOW)]

SAVE_BUDGET = 10.0  # seconds a setting may wait for a locked or full store
BUSY = N_("I couldn't save that just now: my database is busy. Nothing changed; please try "
        "again in a minute.")


async def set_default(interaction: discord.Interaction[DramaBot], slug: str) -> Reply:
    """Store the choice and say what changed (publicly: the whole server is affected)."""
    bot = interaction.client
    guild_id = interaction.guild_id or 0
    ref = await bot.facts.drama_ref(slug)
    if ref is None:
        return private(_("That drama is no longer in my records; pick another one."))
    previous = await default_drama(bot, guild_id)
    try:
        await defer_if_slow(interaction, with_retries(
            partial(bot.state.set_default_drama, guild_id, slug), is_transient, SAVE_BUDGET))
    except Exception as error:
        if not is_transient(error):
            raise
        log.warning("Could not save server %s's default drama: %s", guild_id, describe(error))
        return private(_(BUSY))
    with public(interaction):  # said publicly: the whole server is affected
        old = await bot.facts.drama_ref(previous) if previous and previous != slug else None
        if previous and previous != slug:
            text = _("This server's default drama is now **{title}** (it was {old}).").format(
                title=ref.title, old=old.title if old else previous)
        else:
            text = _("This server's default drama is now **{title}**.").format(title=ref.title)
        text += " " + _("`/ost track`, `/ost list` and `/quiz start` use it when no drama is "
                        "given.")
        return Reply(content=text + "".join(await _warnings(bot, slug, ref.title)))


async def _warnings(bot: DramaBot, slug: str, title: str) -> list[str]:
    """What a server should know before relying on this default."""
    warnings: list[str] = []
    if not await bot.facts.tracks(slug):
        warnings.append("\n⚠️ " + _(
            "I have no OST tracks on record for {title}, so `/ost track` and `/ost list` "
            "will have nothing to show without a `drama`.").format(title=title))
    material = await load_material(bot.facts, slug)
    count = len(generate(material, random.Random(0))) if material else 0
    if count < QUIZ_ENOUGH:
        warnings.append("\n⚠️ " + _(
            "I know enough certain facts for only {questions} about {title}, so "
            "`/quiz start` games on it will be short.").format(
                questions=counted(count, "{count} quiz question", "{count} quiz questions"),
                title=title))
    return warnings


class SetDefaultButton(KeyButton, prefix="lookup:setdefault:"):
    """A did-you-mean choice of /settings default-drama; needs the command's right."""

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        manages_server(interaction)
        return await set_default(interaction, self.key)


class Settings(commands.Cog):
    """Per-server settings."""

    settings_group = app_commands.Group(
        name=locale_str("settings"),
        description=locale_str("Server settings for dramabot (needs Manage Server)"),
        guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: DramaBot) -> None:
        self.bot = bot

    @settings_group.command(
        name=locale_str("default-drama"),
        description=locale_str(
            "Choose the drama /ost and /quiz use in this server when none is given"))
    @app_commands.rename(drama=locale_str("drama"))
    @app_commands.describe(drama=locale_str("The drama to use by default (suggested as you type)"))
    @manage_server_only
    async def default_drama(
        self, interaction: discord.Interaction[DramaBot],
        drama: app_commands.Transform[str, DramaOption(SetDefaultButton.choice, strict=True)],
    ) -> None:
        await send_reply(interaction, await set_default(interaction, drama))

    @settings_group.command(
        name=locale_str("language"),
        description=locale_str("The language of the bot's public messages in this server: "
                               "info, quiz questions, scoreboards"))
    @app_commands.rename(language=locale_str("language"))
    @app_commands.describe(language=locale_str(
        "A language, or follow the server's language as set in Discord"))
    @app_commands.choices(language=language_choices())
    @manage_server_only
    async def language(self, interaction: discord.Interaction[DramaBot], language: str
                       ) -> None:
        await send_reply(interaction, await set_language(interaction, language))


async def set_language(interaction: discord.Interaction[DramaBot], choice: str) -> Reply:
    """Store the choice and say so publicly, in the language now in force. Private
    replies still follow each reader's own client language."""
    bot, guild_id = interaction.client, interaction.guild_id or 0
    await bot.state.set_language(guild_id, None if choice == FOLLOW else choice)
    language = await server_language(bot, guild_id, interaction.guild_locale)
    with speaking(language):
        name = _(ENGLISH) if language == DEFAULT else language_name(language)
        if choice == FOLLOW:
            text = _("This server's public messages now follow its Discord language: "
                     "**{language}**.").format(language=name)
        else:
            text = _("This server's public messages are now in **{language}**.").format(
                language=name)
        text += " " + _("Private replies follow each member's own Discord language.")
    return Reply(content=text)


async def setup(bot: DramaBot) -> None:
    """Extension entry point: the cog, and the buttons its messages carry."""
    await bot.add_cog(Settings(bot))
    bot.add_dynamic_items(SetDefaultButton)
