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

Choices come five to a page; `ChoicePageButton` turns the pages.

`drama_or_default` is the one fallback for a drama option that may be left out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import discord
from discord import app_commands

from bot.i18n import N_, _
from bot.store.facts import FactStore
from bot.store.models import Match, Resolution
from bot.store.names import fold, search_key, word_starts
from cogs.utils.errors import Unanswerable
from cogs.utils.formatting import Limits, clean_text, echo, join_limited, number, truncate
from cogs.utils.language import public_language_for
from cogs.utils.replies import EXPIRED, Reply, private
from cogs.utils.views import BotButton, buttons, label_of, make_view, pager_buttons, routable

if TYPE_CHECKING:
    from bot.client import DramaBot

log = logging.getLogger(__name__)

MAX_NAME = 100  # longer text cannot be a name (autocomplete values are at most 100 too)
DID_YOU_MEAN = 3  # buttons offered for near misses
CHOICES_PER_PAGE = 5  # choices when a name matches several things: one row a page
FITS_LIMIT = 200  # most names a partial name lists (the rest: type more of the name)
MIN_PART, MIN_PART_HANGUL = 3, 2  # shortest text read as part of a name (letters, syllables)
KNOWN_SHOWN = 8  # titles named when nothing matches at all
WARMING_MAX = 4  # top suggestions read ahead at once (see `warm_after_answer`)

T = TypeVar("T")

ChoiceButton = Callable[["discord.Interaction[DramaBot]", str, str], discord.ui.Item[Any]]
"""(interaction, key, label) -> the button that runs the user's command again with that
drama or person; the command's other options are in `interaction.namespace`."""

WarmUp = Callable[["DramaBot", str, str], Awaitable[object]]
"""(bot, language, key) -> reads and renders, in that language, what the command answers
for `key`: run ahead, while a fan looks at the suggestions (`warm_after_answer`)."""


@dataclass(frozen=True)
class Noun:
    """How to talk about one kind of thing in the replies: whole sentences, marked for
    the catalogues (a language words "a drama called" its own way), translated when
    used."""

    kind: str  # "drama" | "person"
    code: str  # the kind in a page button's custom_id: "d" | "p"
    example: str
    option: str  # the option to type in (its English name, translated when shown)
    several: str  # "{query} matches several dramas. Which one?"
    fits: str  # "{query} fits {count} dramas. Did you mean:"
    unknown: str  # "I don't know a drama called {query}."
    some: str  # "Some dramas I know: {names}."


DRAMA = Noun("drama", "d", "Soundtrack #1", "drama",
             N_("{query} matches several dramas. Which one?"),
             N_("{query} fits {count} dramas. Did you mean:"),
             N_("I don't know a drama called {query}."),
             N_("Some dramas I know: {names}."))
PERSON = Noun("person", "p", "Han So-hee", "name",
              N_("{query} matches several people. Which one?"),
              N_("{query} fits {count} people. Did you mean:"),
              N_("I don't know anyone called {query}."),
              N_("Some people I know: {names}."))


# --- the transformers --------------------------------------------------------------------

# What each text resolved or completed to, and whether a slug is a drama, per store object.
_MEMO: weakref.WeakKeyDictionary[FactStore, dict[tuple[object, ...], Any]] = (
    weakref.WeakKeyDictionary())
_MEMO_MAX = 4096  # answers remembered per store


async def _remembered(store: FactStore, key: tuple[object, ...],
                      read: Callable[[], Awaitable[T]]) -> T:
    """`read()`'s answer for `key`, remembered per store: the same few names are asked
    again and again (a drama's title, a star's name), and the name index never changes
    while its store is open (a rebuilt store is a new object, asked afresh). Answers are
    immutable (Matches, Resolutions, booleans), shared by every caller."""
    memo = _MEMO.setdefault(store, {})
    if key in memo:
        found: T = memo[key]
        return found
    found = await read()
    if len(memo) >= _MEMO_MAX:
        del memo[next(iter(memo))]  # the oldest: a flood of new texts stays bounded
    memo[key] = found
    return found


class NameOption(app_commands.Transformer["DramaBot"]):
    """A string option naming one drama or person, transformed into its key; suggests
    names as the user types. Subclasses say which store lookups to use."""

    noun: Noun

    def __init__(self, choice: ChoiceButton, *, option: str | None = None,
                 optional: bool = False, strict: bool = False,
                 warm: WarmUp | None = None) -> None:
        self.choice = choice
        self.warm = warm  # what to read ahead for the top suggestion, if anything
        self.noun = replace(self.noun, option=option or self.noun.option)
        self.optional = optional  # blank text then means "" (left out), not a mistake
        # strict: only a name as written (up to case, spacing, punctuation) is taken; a
        # near miss is asked about, never picked (a setting that affects a whole server).
        self.strict = strict

    @classmethod
    def resolve(cls, store: FactStore, query: str) -> Awaitable[Resolution]:
        raise NotImplementedError

    @classmethod
    def complete(cls, store: FactStore, text: str, limit: int = Limits.CHOICES
                 ) -> Awaitable[list[Match]]:
        raise NotImplementedError

    @classmethod
    async def known(cls, store: FactStore) -> tuple[list[str], int]:
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
        resolution = await self.resolved(store, query)
        match = resolution.match
        if match is not None and (not self.strict or written_as(query, match)):
            return match.key
        partial = False
        if match is not None:
            resolution = Resolution(suggestions=(match,))
        elif not resolution.ambiguous:
            fits = await self.fits(store, query)
            if len(fits) == 1 and not self.strict:
                return fits[0].key
            if len(fits) > 1:
                resolution, partial = Resolution(suggestions=tuple(fits)), True
        known, total = await self.known(store) if resolution.unknown else ([], 0)
        offered = resolution.ambiguous or resolution.suggestions
        if self.warm is not None and offered:  # the first button is the likeliest press
            warm_after_answer(interaction, self._read_ahead, offered[0].key)
        raise Unanswerable(unresolved_reply(
            query, resolution, self.noun,
            lambda key, label: self.choice(interaction, key, label), known, total=total,
            partial=partial))

    @classmethod
    async def resolved(cls, store: FactStore, query: str) -> Resolution:
        """`resolve`, remembered per store (see `_remembered`)."""
        return await _remembered(store, (cls.noun.kind, "resolve", query),
                                 lambda: cls.resolve(store, query))

    @classmethod
    async def completed(cls, store: FactStore, text: str, limit: int = Limits.CHOICES
                        ) -> tuple[Match, ...]:
        """`complete`, remembered per store: many members type the same first letters of
        the same titles."""
        async def read() -> tuple[Match, ...]:
            return tuple(await cls.complete(store, text, limit))

        return await _remembered(store, (cls.noun.kind, "complete", text, limit), read)

    @classmethod
    async def fits(cls, store: FactStore, query: str) -> list[Match]:
        """Every name with a word the text begins ("park": Park Min-jung, Park Hyung-sik;
        "hyung": Park Hyung-sik), each once; nothing for text too short to mean a name."""
        if len(fold(query)) < (MIN_PART if query.isascii() else MIN_PART_HANGUL):
            return []
        key = search_key(query)
        return _once([m for m in await cls.completed(store, query, FITS_LIMIT)
                      if begins_a_word(key, m.matched)])

    @classmethod
    async def candidates(cls, store: FactStore, query: str) -> tuple[tuple[Match, ...], bool]:
        """What `transform` offers as choices for `query`, for turning their pages: the
        names it matches equally well, else the names it is part of (then True)."""
        resolution = await cls.resolved(store, query)
        if resolution.ambiguous:
            return resolution.ambiguous, False
        return tuple(await cls.fits(store, query)), True

    async def autocomplete(  # type: ignore[override]  # discord.py's is typed for any value
        self, interaction: discord.Interaction[DramaBot], value: str
    ) -> list[app_commands.Choice[str]]:
        matches = await self.completed(interaction.client.facts, str(value)[:MAX_NAME])
        if self.warm is not None and matches:
            warm_after_answer(interaction, self._read_ahead, matches[0].key)
        return _choices(matches)

    async def _read_ahead(self, bot: DramaBot, language: str, key: str) -> None:
        """What picking `key` will cost, done now: resolving it (a pick sends the key
        itself) and what `warm` reads and renders."""
        await self.resolved(bot.facts, key)
        if self.warm is not None:
            await self.warm(bot, language, key)


class DramaOption(NameOption):
    """Any title, former title, alias or Korean title -> the drama's slug."""

    noun = DRAMA

    @classmethod
    def resolve(cls, store: FactStore, query: str) -> Awaitable[Resolution]:
        return store.resolve_drama(query)

    @classmethod
    def complete(cls, store: FactStore, text: str, limit: int = Limits.CHOICES
                 ) -> Awaitable[list[Match]]:
        return store.complete_dramas(text, limit=limit)

    @classmethod
    async def known(cls, store: FactStore) -> tuple[list[str], int]:
        refs = await store.dramas(limit=KNOWN_SHOWN)
        return [ref.title for ref in refs], await store.count_dramas()


class PersonOption(NameOption):
    """A name, Hangul name, alias or romanisation variant -> the person's id."""

    noun = PERSON

    @classmethod
    def resolve(cls, store: FactStore, query: str) -> Awaitable[Resolution]:
        return store.resolve_person(query)

    @classmethod
    def complete(cls, store: FactStore, text: str, limit: int = Limits.CHOICES
                 ) -> Awaitable[list[Match]]:
        return store.complete_people(text, limit=limit)

    @classmethod
    async def known(cls, store: FactStore) -> tuple[list[str], int]:
        refs = await store.people(limit=KNOWN_SHOWN)
        return [ref.name for ref in refs], await store.count_people()


_WARMING: set[tuple[WarmUp, str]] = set()  # (what, key) being read ahead
_WARM_TASKS: set[asyncio.Task[None]] = set()


def warm_after_answer(interaction: discord.Interaction[DramaBot], warm: WarmUp,
                      key: str) -> None:
    """Once this interaction is answered (discord.py's task for it is done), `warm` the
    name it suggested first (an autocomplete's top suggestion, the first button of a
    "did you mean" or of a choice) in the language the command will answer in. A fan
    picks a suggestion a moment after seeing it, and the command then answers from the
    caches, as fast as an ask repeated, rather than reading and rendering a drama nobody
    asked about lately.
    Bounded: a key once at a time, and at most WARMING_MAX at once (under a flood of
    suggestions the extra ones are simply not read ahead)."""
    task = asyncio.current_task()
    what = (warm, key)
    if task is None or what in _WARMING or len(_WARMING) >= WARMING_MAX:
        return
    _WARMING.add(what)
    bot = interaction.client
    where = (interaction.guild_id, interaction.guild_locale, interaction.locale)

    async def run() -> None:
        try:
            await warm(bot, await public_language_for(bot, *where), key)
        except Exception:
            log.exception("Reading ahead %r for its suggestion failed", key)
        finally:
            _WARMING.discard(what)

    def start(_answered: object) -> None:
        started = asyncio.create_task(run())
        _WARM_TASKS.add(started)
        started.add_done_callback(_WARM_TASKS.discard)

    task.add_done_callback(start)


def _choices(matches: Sequence[Match]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: the canonical name, with the alias that matched if different;
    the value is the id, which resolves exactly when the user picks it."""
    choices: list[app_commands.Choice[str]] = []
    for match in _once(matches):
        if len(match.key) > Limits.CHOICE:
            continue
        name = match.label if match.matched == match.label else f"{match.label} ({match.matched})"
        choices.append(app_commands.Choice(name=truncate(name, Limits.CHOICE), value=match.key))
    return choices[: Limits.CHOICES]


def _once(matches: Iterable[Match]) -> list[Match]:
    """Each thing once (a drama can fit by its title and by an alias), in order."""
    seen: set[str] = set()
    kept = []
    for match in matches:
        if match.key not in seen:
            seen.add(match.key)
            kept.append(match)
    return kept


def begins_a_word(key: str, name: str) -> bool:
    """Whether the search key `key` starts `name` or one of its later words."""
    name_key = search_key(name)
    return any(name_key.startswith(key, at) for at in (0, *word_starts(name)))


def written_as(query: str, match: Match) -> bool:
    """Whether the text is the matched name itself, up to case, spacing and punctuation,
    rather than a guess at a near miss ("vincenzzo" is not "Vincenzo")."""
    return fold(query) == fold(match.matched)


# --- the server's default drama ------------------------------------------------------------


async def _in_store(store: FactStore, slug: str) -> bool:
    """Whether a slug is a drama of the fact store, remembered per store (`_remembered`):
    the default drama is checked on every command that leaves its drama out."""
    async def read() -> bool:
        return await store.drama_ref(slug) is not None

    return await _remembered(store, ("in-store", slug), read)


async def default_drama(bot: DramaBot, guild_id: int | None) -> str | None:
    """The drama used when none is given: the server's choice, else DEFAULT_DRAMA; None
    when neither is in the fact store (a pack was removed). Without a round trip once
    warm: the server's choice comes from the state store's settings cache, and whether a
    slug is in the fact store is remembered per store."""
    candidates: list[str] = []
    if guild_id is not None:
        chosen = await bot.state.get_default_drama(guild_id)
        if chosen:
            candidates.append(chosen)
    candidates.append(bot.settings.default_drama)
    for slug in candidates:
        if await _in_store(bot.facts, slug):
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
    total: int | None = None, partial: bool = False, page: int = 0,
) -> Reply:
    """The ephemeral answer when text names no single thing: choices, did-you-mean, or
    what the bot knows. `button(key, label)` makes the button for a candidate; `partial`
    says the suggestions are the names the text is part of, shown a page at a time
    (`page`, like the several equally good matches).

    `known` needs only the first KNOWN_SHOWN names, in order, and `total` how many there
    are in all (default: `len(known)`), so a caller never has to list every drama."""
    quoted = f"“{echo(query)}”"
    if resolution.ambiguous:
        matches = resolution.ambiguous
        lead = _(noun.several).format(query=quoted)
    elif partial and len(resolution.suggestions) > 1:
        matches = resolution.suggestions
        lead = _(noun.fits).format(query=quoted, count=number(len(matches)))
    elif resolution.suggestions:
        matches = resolution.suggestions[:DID_YOU_MEAN]
        lead = _(noun.unknown).format(query=quoted) + " " + _("Did you mean:")
    else:
        count = len(known) if total is None else total
        return private(_nothing_text(quoted, noun, known, count))
    return _choices_page(query, noun, matches, lead, button, page)


def page_of(matches: Sequence[Match], page: int) -> tuple[int, int, Sequence[Match]]:
    """Page `page` (kept within range), how many pages there are, and its matches."""
    pages = -(-len(matches) // CHOICES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    return page, pages, matches[page * CHOICES_PER_PAGE:(page + 1) * CHOICES_PER_PAGE]


def _choices_page(query: str, noun: Noun, matches: Sequence[Match], lead: str,
                  button: Callable[[str, str], discord.ui.Item[Any]], page: int) -> Reply:
    """One page of choices: a line and a button each, and the pager below them."""
    page, pages, shown = page_of(matches, page)
    lines = [f"• {m.label}" + (f" ({m.matched})" if m.matched != m.label else "")
             for m in shown]
    pager = pager_buttons(page, pages, lambda to, role, label, disabled: ChoicePageButton(
        noun.code, to, role, query, label=label, disabled=disabled))
    if not all(routable(b) for b in pager):
        pager = []  # too long a text for a custom_id: its pages cannot be turned
        lines.append(_("… and {count} more: type more of the name to narrow them down."
                       ).format(count=number(len(matches) - len(shown))))
    content = lead + "\n" + join_limited(lines, Limits.CONTENT - len(lead) - 1)
    choices = buttons(button, [(m.key, m.label) for m in shown])
    return Reply(content=content, view=make_view(choices, pager), ephemeral=True)


class ChoicePageButton(
    BotButton,
    template=(r"choices:(?P<noun>[dp]):(?P<page>[0-9]{1,3}):(?P<role>[pcn]):"
              r"(?P<query>[^\n]{1,80})"),
):
    """Turns a page of choices (several matches, or the names a partial name is part
    of). The choices are worked out again from the text; the buttons for them are made
    like the choice buttons on the pressed message, which belong to the command that was
    typed (another drama's same track, the same quiz on another drama)."""

    edits_message = True
    nouns: ClassVar[dict[str, type[NameOption]]] = {}

    def __init__(self, noun: str, page: int, role: str, query: str, *, label: str,
                 disabled: bool = False) -> None:
        super().__init__(f"choices:{noun}:{page}:{role}:{query}", label, disabled=disabled)
        self.noun, self.page, self.query = noun, page, query

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str], /) -> Self:
        return cls(match["noun"], int(match["page"]), match["role"], match["query"],
                   label=label_of(item))

    async def answer(self, interaction: discord.Interaction[DramaBot]) -> Reply:
        option = self.nouns[self.noun]
        store = interaction.client.facts
        matches, partial = await option.candidates(store, self.query)
        remake = await ChoiceRemaker.of(interaction, matches, page_of(matches, self.page)[2])
        if remake is None or not matches:
            return private(_(EXPIRED))
        resolution = Resolution(suggestions=matches) if partial else Resolution(
            ambiguous=matches)
        page = unresolved_reply(self.query, resolution, option.noun, remake.button, [],
                                partial=partial, page=self.page)
        return replace(page, ephemeral=False)  # an edit: the message stays as private


@dataclass
class ChoiceRemaker:
    """Makes choice buttons for other names like the pressed message's own: its first
    choice's custom_id with another key in the key's place, handled by the same class."""

    before: str
    after: str
    made: dict[str, discord.ui.Item[Any]]

    @classmethod
    async def of(cls, interaction: discord.Interaction[DramaBot], matches: Sequence[Match],
                 shown: Sequence[Match]) -> ChoiceRemaker | None:
        """From the pressed message's choices (one of `matches`), the buttons for the
        page's `shown` matches."""
        sample = _first_choice(interaction, {m.key for m in matches})
        if sample is None:
            return None
        custom_id, start, end = sample
        remaker = cls(custom_id[:start], custom_id[end:], {})
        for match in shown:
            item = await remaker._make(interaction, match.key, match.label)
            if item is not None:
                remaker.made[match.key] = item
        return remaker

    async def _make(self, interaction: discord.Interaction[DramaBot], key: str,
                    label: str) -> discord.ui.Item[Any] | None:
        custom_id = self.before + key + self.after
        found = _choice_button(interaction, custom_id)
        if found is None:
            return None
        kind, match = found
        pressed = discord.ui.Button[discord.ui.View](label=label, custom_id=custom_id)
        return await kind.from_custom_id(interaction, pressed, match)

    def button(self, key: str, label: str) -> discord.ui.Item[Any]:
        item = self.made.get(key)
        if item is None:
            raise ValueError(f"no choice button for {key!r}")  # skipped by buttons()
        return item


KEY_GROUPS = ("key", "slug")  # what the choice buttons' templates call the chosen key


def _choice_button(interaction: discord.Interaction[DramaBot], custom_id: str
                   ) -> tuple[type[BotButton], re.Match[str]] | None:
    """The button class of ours (other than the pager) whose template `custom_id` fits."""
    for kind in interaction.client.buttons:
        if kind is not ChoicePageButton and (match := kind.pattern.fullmatch(custom_id)):
            return kind, match
    return None


def _first_choice(interaction: discord.Interaction[DramaBot], keys: set[str]
                  ) -> tuple[str, int, int] | None:
    """The pressed message's first choice button (a button of ours whose key is one of
    `keys`): its custom_id and where its key is."""
    message = interaction.message
    if message is None:
        return None
    for row in message.components:
        for child in getattr(row, "children", (row,)):
            custom_id = getattr(child, "custom_id", None) or ""
            found = _choice_button(interaction, custom_id)
            if found is None:
                continue
            match = found[1]
            for group in KEY_GROUPS:
                if group in match.re.groupindex and match[group] in keys:
                    return custom_id, match.start(group), match.end(group)
    return None


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


ChoicePageButton.nouns.update({DRAMA.code: DramaOption, PERSON.code: PersonOption})
