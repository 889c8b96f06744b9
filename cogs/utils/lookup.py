"""Turning what a user typed into one drama or one person, shared by every cog.

Resolution is forgiving (the store folds case, spacing, romanisation variants and Hangul)
but never guesses between candidates: one clear match is used, several give a choice,
near misses give a "did you mean" with buttons that run the lookup, and no match at all
says what the bot does know. Every failure is a ready-to-send ephemeral `Reply`, so a cog
only has to do `if choice.reply: return choice.reply`.

The drama autocomplete and `resolve_drama_option` (which falls back to the server's
default drama, then to DEFAULT_DRAMA) are what the quiz reuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.store.models import Match, Resolution
from cogs.utils.formatting import Limits, clean_text, echo, join_limited, truncate
from cogs.utils.views import Reply, lookup_buttons, make_view

if TYPE_CHECKING:
    from bot.client import DramaBot

MAX_NAME = 100  # longer text cannot be a name (autocomplete values are at most 100 too)
DID_YOU_MEAN = 3  # buttons offered for near misses
CHOICES = 5  # buttons offered when a name matches several things
KNOWN_SHOWN = 8  # titles named when nothing matches at all


def bot_of(interaction: discord.Interaction[Any]) -> DramaBot:
    """The DramaBot behind an interaction (discord.py types it as a plain Client)."""
    return cast("DramaBot", interaction.client)


@dataclass(frozen=True)
class Resolved:
    """Either `key` (a slug or person id) or `reply` (what to tell the user instead)."""

    key: str | None = None
    reply: Reply | None = None


@dataclass(frozen=True)
class Noun:
    """How to talk about one kind of thing in the replies."""

    kind: str  # "drama" | "person"
    called: str  # "a drama called", "anyone called"
    example: str
    option: str  # the option to type in


DRAMA = Noun("drama", "a drama called", "Soundtrack #1", "drama")
PERSON = Noun("person", "anyone called", "Han So-hee", "name")


# --- autocomplete -----------------------------------------------------------------------


def _choices(matches: Sequence[Match]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: the canonical name, with the alias that matched if different;
    the value is the id, which resolves exactly when the user picks it."""
    choices: list[app_commands.Choice[str]] = []
    seen: set[str] = set()
    for match in matches:
        if match.key in seen or len(match.key) > Limits.CHOICE:
            continue
        seen.add(match.key)
        name = match.label if match.matched == match.label else f"{match.label} ({match.matched})"
        choices.append(app_commands.Choice(name=truncate(name, Limits.CHOICE), value=match.key))
    return choices[: Limits.CHOICES]


async def drama_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Every title, former title, alias and Korean title; "" lists dramas by title."""
    matches = await bot_of(interaction).facts.complete_dramas(current[:MAX_NAME],
                                                              limit=Limits.CHOICES)
    return _choices(matches)


async def person_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Names, Hangul names, aliases and romanisation variants."""
    matches = await bot_of(interaction).facts.complete_people(current[:MAX_NAME],
                                                              limit=Limits.CHOICES)
    return _choices(matches)


# --- resolving --------------------------------------------------------------------------


def _bad_text(text: str, noun: Noun) -> Reply | None:
    """A reply for text that cannot be a name at all (empty, far too long)."""
    if not text:
        return Reply(content=(
            f"Please type a name, for example **{noun.example}**: the `{noun.option}` "
            "option suggests names as you type."), ephemeral=True)
    if len(text) > MAX_NAME:
        return Reply(content=(
            f"That is {len(text):,} characters, too long for a name. Type a name, for example "
            f"**{noun.example}** (up to {MAX_NAME} characters)."), ephemeral=True)
    return None


async def default_drama(bot: DramaBot, guild_id: int | None) -> str | None:
    """The drama used when none is given: the server's choice, else DEFAULT_DRAMA; None
    when neither is in the fact store (a pack was removed)."""
    candidates: list[str] = []
    if guild_id is not None:
        chosen = await bot.state.get_default_drama(guild_id)
        if chosen:
            candidates.append(chosen)
    candidates.append(bot.settings.default_drama)
    for slug in candidates:
        if await bot.facts.drama_ref(slug) is not None:
            return slug
    return None


async def resolve_drama_option(
    bot: DramaBot, guild_id: int | None, text: str | None, *, kind: str = "drama",
    extra: int | None = None, option: str = "drama",
) -> Resolved:
    """A drama option that may be left out: blank means the server's default drama."""
    if clean_text(text):
        return await resolve_drama(bot, text, kind=kind, extra=extra, option=option)
    slug = await default_drama(bot, guild_id)
    if slug is not None:
        return Resolved(key=slug)
    return Resolved(reply=Reply(content=(
        f"No default drama is available here, so please name one with the `{option}` "
        "option (it suggests titles as you type)."), ephemeral=True))


async def resolve_drama(
    bot: DramaBot, text: str | None, *, kind: str = "drama", extra: int | None = None,
    option: str = "drama",
) -> Resolved:
    """A drama by any of its names. `kind`/`extra` choose what the did-you-mean buttons
    run (`lookup:<kind>:<slug>[:<extra>]`), so they repeat the user's actual command;
    `option` is the option's name, for the hints."""
    query = clean_text(text)
    noun = replace(DRAMA, option=option)
    bad = _bad_text(query, noun)
    if bad is not None:
        return Resolved(reply=bad)
    resolution = await bot.facts.resolve_drama(query)
    if resolution.match is not None:
        return Resolved(key=resolution.match.key)
    known, total = await _known_dramas(bot) if resolution.unknown else ([], 0)
    return Resolved(reply=unresolved_reply(query, resolution, noun, kind, extra, known,
                                           total=total))


async def resolve_person(bot: DramaBot, text: str | None) -> Resolved:
    """A person by name, Hangul name, alias or romanisation variant."""
    query = clean_text(text)
    bad = _bad_text(query, PERSON)
    if bad is not None:
        return Resolved(reply=bad)
    resolution = await bot.facts.resolve_person(query)
    if resolution.match is not None:
        return Resolved(key=resolution.match.key)
    known, total = await _known_people(bot) if resolution.unknown else ([], 0)
    return Resolved(reply=unresolved_reply(query, resolution, PERSON, "person", None, known,
                                           total=total))


async def _known_dramas(bot: DramaBot) -> tuple[list[str], int]:
    """The first KNOWN_SHOWN titles and how many dramas there are, for the reply when
    nothing matched (the only one that names them): two small reads, where listing every
    drama took 0.5 s at 100,000."""
    refs = await bot.facts.dramas(limit=KNOWN_SHOWN)
    return [ref.title for ref in refs], await bot.facts.count_dramas()


async def _known_people(bot: DramaBot) -> tuple[list[str], int]:
    """The first KNOWN_SHOWN names and how many people (and groups) there are."""
    refs = await bot.facts.people(limit=KNOWN_SHOWN)
    return [ref.name for ref in refs], await bot.facts.count_people()


def unresolved_reply(
    query: str, resolution: Resolution, noun: Noun, kind: str, extra: int | None,
    known: Sequence[str], *, total: int | None = None,
) -> Reply:
    """The ephemeral answer when text names no single thing: choices, did-you-mean, or
    what the bot knows. Buttons run `lookup:<kind>:<key>` for the candidate.

    `known` needs only the first KNOWN_SHOWN names, in order, and `total` how many there
    are in all (default: `len(known)`), so a caller never has to list every drama."""
    quoted = f"“{echo(query)}”"
    if resolution.ambiguous:
        matches, limit = resolution.ambiguous, CHOICES
        what = "dramas" if noun.kind == "drama" else "people"
        lead = f"{quoted} matches several {what}. Which one?"
    elif resolution.suggestions:
        matches, limit = resolution.suggestions, DID_YOU_MEAN
        lead = f"I don't know {noun.called} {quoted}. Did you mean:"
    else:
        count = len(known) if total is None else total
        return Reply(content=_nothing_text(quoted, noun, known, count), ephemeral=True)
    pairs = [(m.key, m.label) for m in matches]
    buttons = lookup_buttons(kind, pairs, extra=extra, limit=limit)
    lines = [f"• {m.label}" + (f" ({m.matched})" if m.matched != m.label else "")
             for m in matches]
    content = lead + "\n" + join_limited(lines, Limits.CONTENT - len(lead) - 1)
    return Reply(content=content, view=make_view(buttons), ephemeral=True)


def _nothing_text(quoted: str, noun: Noun, known: Sequence[str], total: int) -> str:
    """No match at all: name some of what the bot knows (`total` in all) and how to
    browse the rest."""
    text = f"I don't know {noun.called} {quoted}."
    if known:
        shown = ", ".join(known[:KNOWN_SHOWN])
        if total > KNOWN_SHOWN:
            shown += f" and {total - KNOWN_SHOWN} more"
        what = "dramas" if noun.kind == "drama" else "people"
        text += f" Some {what} I know: {shown}."
    text += f" Start typing in the `{noun.option}` option to browse every name I know."
    return text
