"""Turning what a user typed into one drama or one person: the option transformers.

Resolution is forgiving (the store folds case, spacing, romanisation variants and Hangul)
but never guesses between candidates: one clear match is used, several give a choice,
near misses give a "did you mean" with buttons that run the user's command again with the
candidate, and no match at all says what the bot does know. A miss raises `Unanswerable`
carrying that reply, which the tree's error handler sends (discord.py's
`examples/app_commands/transformers.py`).

    @app_commands.command()
    async def drama(self, interaction: Interaction,
                    name: app_commands.Transform[str, DramaOption(DramaButton.choice)]):
        ...  # `name` is a slug here: the command never sees a miss

`drama_or_default` is the one fallback for a drama option that may be left out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.i18n import N_, _
from bot.store.facts import FactStore
from bot.store.models import Match, Resolution
from bot.store.names import fold, search_key, word_starts
from cogs.utils.errors import Unanswerable
from cogs.utils.formatting import Limits, clean_text, echo, join_limited, number, truncate
from cogs.utils.replies import Reply, private
from cogs.utils.views import buttons, make_view

if TYPE_CHECKING:
    from bot.client import DramaBot

MAX_NAME = 100  # longer text cannot be a name (autocomplete values are at most 100 too)
DID_YOU_MEAN = 3  # buttons offered for near misses
CHOICES = 5  # buttons offered when a name matches several things
FITS_SHOWN = 20  # buttons offered for a partial name (four rows of five)
MIN_PART, MIN_PART_HANGUL = 3, 2  # shortest text read as part of a name (letters, syllables)
KNOWN_SHOWN = 8  # titles named when nothing matches at all

ChoiceButton = Callable[["discord.Interaction[DramaBot]", str, str], discord.ui.Item[Any]]
"""(interaction, key, label) -> the button that runs the user's command again with that
drama or person; the command's other options are in `interaction.namespace`."""


@dataclass(frozen=True)
class Noun:
    """How to talk about one kind of thing in the replies: whole sentences, marked for
    the catalogues (a language words "a drama called" its own way), translated when
    used."""

    kind: str  # "drama" | "person"
    example: str
    option: str  # the option to type in (its English name, translated when shown)
    several: str  # "{query} matches several dramas. Which one?"
    fits: str  # "{query} fits {count} dramas. Did you mean:"
    unknown: str  # "I don't know a drama called {query}."
    some: str  # "Some dramas I know: {names}."


DRAMA = Noun("drama", "Soundtrack #1", "drama",
             N_("{query} matches several dramas. Which one?"),
             N_("{query} fits {count} dramas. Did you mean:"),
             N_("I don't know a drama called {query}."),
             N_("Some dramas I know: {names}."))
PERSON = Noun("person", "Han So-hee", "name",
              N_("{query} matches several people. Which one?"),
              N_("{query} fits {count} people. Did you mean:"),
              N_("I don't know anyone called {query}."),
              N_("Some people I know: {names}."))


# --- the transformers --------------------------------------------------------------------


class NameOption(app_commands.Transformer["DramaBot"]):
    """A string option naming one drama or person, transformed into its key; suggests
    names as the user types. Subclasses say which store lookups to use."""

    noun: Noun

    def __init__(self, choice: ChoiceButton, *, option: str | None = None,
                 optional: bool = False, strict: bool = False) -> None:
        self.choice = choice
        self.noun = replace(self.noun, option=option or self.noun.option)
        self.optional = optional  # blank text then means "" (left out), not a mistake
        # strict: only a name as written (up to case, spacing, punctuation) is taken; a
        # near miss is asked about, never picked (a setting that affects a whole server).
        self.strict = strict

    def resolve(self, store: FactStore, query: str) -> Awaitable[Resolution]:
        raise NotImplementedError

    def complete(self, store: FactStore, text: str) -> Awaitable[list[Match]]:
        raise NotImplementedError

    async def known(self, store: FactStore) -> tuple[list[str], int]:
        """The first KNOWN_SHOWN names, in order, and how many there are in all."""
        raise NotImplementedError

    async def transform(self, interaction: discord.Interaction[DramaBot], value: Any) -> str:
        query = clean_text(str(value))
        if not query and self.optional:
            return ""
        bad = _bad_text(query, self.noun)
        if bad is not None:
            raise Unanswerable(bad)
        store = interaction.client.facts
        resolution = await self.resolve(store, query)
        match = resolution.match
        if match is not None and (not self.strict or written_as(query, match)):
            return match.key
        if match is not None:
            resolution = Resolution(suggestions=(match,))
        elif not resolution.ambiguous:
            fits = await self.fits(store, query)
            if len(fits) == 1 and not self.strict:
                return fits[0].key
            if len(fits) > 1:
                resolution = Resolution(suggestions=tuple(fits))
        known, total = await self.known(store) if resolution.unknown else ([], 0)
        raise Unanswerable(unresolved_reply(
            query, resolution, self.noun,
            lambda key, label: self.choice(interaction, key, label), known, total=total))

    async def fits(self, store: FactStore, query: str) -> list[Match]:
        """Every name with a word the text begins ("park": Park Min-jung, Park Hyung-sik;
        "hyung": Park Hyung-sik); nothing for text too short to mean a name."""
        if len(fold(query)) < (MIN_PART if query.isascii() else MIN_PART_HANGUL):
            return []
        key = search_key(query)
        return [m for m in await self.complete(store, query) if begins_a_word(key, m.matched)]

    async def autocomplete(  # type: ignore[override]  # discord.py's is typed for any value
        self, interaction: discord.Interaction[DramaBot], value: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(await self.complete(interaction.client.facts, str(value)[:MAX_NAME]))


class DramaOption(NameOption):
    """Any title, former title, alias or Korean title -> the drama's slug."""

    noun = DRAMA

    def resolve(self, store: FactStore, query: str) -> Awaitable[Resolution]:
        return store.resolve_drama(query)

    def complete(self, store: FactStore, text: str) -> Awaitable[list[Match]]:
        return store.complete_dramas(text, limit=Limits.CHOICES)

    async def known(self, store: FactStore) -> tuple[list[str], int]:
        refs = await store.dramas(limit=KNOWN_SHOWN)
        return [ref.title for ref in refs], await store.count_dramas()


class PersonOption(NameOption):
    """A name, Hangul name, alias or romanisation variant -> the person's id."""

    noun = PERSON

    def resolve(self, store: FactStore, query: str) -> Awaitable[Resolution]:
        return store.resolve_person(query)

    def complete(self, store: FactStore, text: str) -> Awaitable[list[Match]]:
        return store.complete_people(text, limit=Limits.CHOICES)

    async def known(self, store: FactStore) -> tuple[list[str], int]:
        refs = await store.people(limit=KNOWN_SHOWN)
        return [ref.name for ref in refs], await store.count_people()


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


def begins_a_word(key: str, name: str) -> bool:
    """Whether the search key `key` starts `name` or one of its later words."""
    name_key = search_key(name)
    return any(name_key.startswith(key, at) for at in (0, *word_starts(name)))


def written_as(query: str, match: Match) -> bool:
    """Whether the text is the matched name itself, up to case, spacing and punctuation,
    rather than a guess at a near miss ("vincenzzo" is not "Vincenzo")."""
    return fold(query) == fold(match.matched)


# --- the server's default drama ------------------------------------------------------------


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


async def drama_or_default(interaction: discord.Interaction[DramaBot], slug: str | None,
                           *, option: str = "drama") -> str:
    """A drama option that may be left out: blank means the server's default drama."""
    if slug:
        return slug
    found = await default_drama(interaction.client, interaction.guild_id)
    if found is None:
        raise Unanswerable(_(
            "No default drama is available here, so please name one with the `{option}` "
            "option (it suggests titles as you type).").format(option=_(option)))
    return found


# --- replies for what names nothing ----------------------------------------------------------


def _bad_text(text: str, noun: Noun) -> Reply | None:
    """A reply for text that cannot be a name at all (empty, far too long)."""
    if not text:
        return private(_(
            "Please type a name, for example **{example}**: the `{option}` "
            "option suggests names as you type.").format(example=noun.example,
                                                         option=_(noun.option)))
    if len(text) > MAX_NAME:
        return private(_(
            "That is {count} characters, too long for a name. Type a name, for example "
            "**{example}** (up to {limit} characters).").format(
                count=number(len(text)), example=noun.example, limit=MAX_NAME))
    return None


def unresolved_reply(
    query: str, resolution: Resolution, noun: Noun,
    button: Callable[[str, str], discord.ui.Item[Any]], known: Sequence[str], *,
    total: int | None = None,
) -> Reply:
    """The ephemeral answer when text names no single thing: choices, did-you-mean, or
    what the bot knows. `button(key, label)` makes the button for a candidate.

    `known` needs only the first KNOWN_SHOWN names, in order, and `total` how many there
    are in all (default: `len(known)`), so a caller never has to list every drama."""
    quoted = f"“{echo(query)}”"
    if resolution.ambiguous:
        matches, limit = resolution.ambiguous, CHOICES
        lead = _(noun.several).format(query=quoted)
    elif len(resolution.suggestions) > DID_YOU_MEAN:  # a partial name that fits many
        matches, limit = resolution.suggestions, FITS_SHOWN
        lead = _(noun.fits).format(query=quoted, count=number(len(matches)))
    elif resolution.suggestions:
        matches, limit = resolution.suggestions, DID_YOU_MEAN
        lead = _(noun.unknown).format(query=quoted) + " " + _("Did you mean:")
    else:
        count = len(known) if total is None else total
        return private(_nothing_text(quoted, noun, known, count))
    choices = buttons(button, [(m.key, m.label) for m in matches])[:limit]
    lines = [f"• {m.label}" + (f" ({m.matched})" if m.matched != m.label else "")
             for m in matches]
    content = lead + "\n" + join_limited(lines, Limits.CONTENT - len(lead) - 1)
    rows = [choices[i:i + Limits.ROW_BUTTONS] for i in range(0, len(choices), Limits.ROW_BUTTONS)]
    return Reply(content=content, view=make_view(*rows), ephemeral=True)


def _nothing_text(quoted: str, noun: Noun, known: Sequence[str], total: int) -> str:
    """No match at all: name some of what the bot knows (`total` in all) and how to
    browse the rest."""
    text = _(noun.unknown).format(query=quoted)
    if known:
        shown = ", ".join(known[:KNOWN_SHOWN])
        if total > KNOWN_SHOWN:
            shown += " " + _("and {count} more").format(count=number(total - KNOWN_SHOWN))
        text += " " + _(noun.some).format(names=shown)
    text += " " + _("Start typing in the `{option}` option to browse every name I know."
                    ).format(option=_(noun.option))
    return text
