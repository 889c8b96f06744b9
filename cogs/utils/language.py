"""Which language an interaction is answered in.

A private reply (an error, a refusal, a press's answer) follows the reader's client
language (`interaction.locale`); a public message (an info embed, a quiz question, a
scoreboard) follows the server's: the one chosen with `/settings language`, else the
server's locale as Discord sends it (`guild_locale`). In direct messages there is no
server, and everything is private to the reader, so their own language is used.

`begin` is called once as an interaction's handling starts (the command tree's
`interaction_check`, the buttons' and forms' shared base): it makes the reader's language
current and notes the server's on the interaction, for `public` to switch to.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import discord

from bot.i18n import DEFAULT, language_of, speaking, use

PUBLIC = "dramabot.public_language"  # interaction.extras key set by `begin`


async def server_language(bot: Any, guild_id: int | None,
                          guild_locale: discord.Locale | None) -> str:
    """The language of a server's public messages: its /settings choice, else its
    Discord locale when we speak it, else English."""
    state = getattr(bot, "state", None)
    chosen = await state.get_language(guild_id) if state and guild_id else None
    return language_of(chosen) or language_of(guild_locale) or DEFAULT


async def public_language_for(bot: Any, guild_id: int | None,
                              guild_locale: discord.Locale | None,
                              locale: discord.Locale | None) -> str:
    """The language of what an interaction answers publicly: its server's, or in direct
    messages the reader's own."""
    if guild_id is None:
        return language_of(locale) or DEFAULT
    return await server_language(bot, guild_id, guild_locale)


async def begin(interaction: discord.Interaction[Any]) -> None:
    """Speak the reader's language from here on, and remember the server's."""
    use(language_of(interaction.locale))
    interaction.extras[PUBLIC] = await public_language_for(
        interaction.client, interaction.guild_id, interaction.guild_locale, interaction.locale)


def public_language(interaction: discord.Interaction[Any]) -> str:
    return str(interaction.extras.get(PUBLIC) or language_of(interaction.locale) or DEFAULT)


def public(interaction: discord.Interaction[Any]) -> AbstractContextManager[None]:
    """Speak the server's language within the block: for a message everyone sees."""
    return speaking(public_language(interaction))
