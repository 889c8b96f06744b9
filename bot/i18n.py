"""The bot's languages: gettext catalogues managed with Babel, and which one is spoken now.

Source strings stay English in the code, wrapped in `_()` (replies) or
`discord.app_commands.locale_str` (command names and descriptions); each language is one
catalogue, `bot/locales/<lang>/LC_MESSAGES/dramabot.po`, so a new language is a file and
no code (`make i18n-init LANG=ja`, translate, commit). The `.mo` files are not committed:
`translator_for` compiles a catalogue whose `.mo` is missing or older than its `.po`, so a
fresh clone speaks every committed language.

Which language `_()` uses is a `ContextVar`, set once per interaction (the reader's
client language for private replies, the server's for public messages, see
`cogs.utils.language`), so render helpers need no language parameter: a task copies the
context it was started from, and `speaking()` switches it for one block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
import io
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path

import discord
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from discord import app_commands

from bot.packs.model import long_date as english_long_date

log = logging.getLogger(__name__)

DOMAIN = "dramabot"
LOCALE_DIR = Path(__file__).with_name("locales")
DEFAULT = "en"  # the language of the source strings

_language: ContextVar[str] = ContextVar("dramabot_language", default=DEFAULT)


@cache
def languages() -> tuple[str, ...]:
    """Every language the bot speaks: English and each language with a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT, *found)


@lru_cache(maxsize=256)  # a handful of locales, asked several times per interaction
def language_of(locale: discord.Locale | str | None) -> str | None:
    """The language we speak for a Discord locale ("ko" -> "ko", "en-US" -> "en"), or
    None when we have no catalogue for it."""
    if locale is None:
        return None
    code = str(locale.value if isinstance(locale, discord.Locale) else locale)
    base = code.split("-")[0].lower()
    for candidate in (code, base):
        if candidate in languages():
            return candidate
    return None


def _compiled(language: str) -> gettext.NullTranslations:
    """The catalogue, compiled from its `.po` when the `.mo` is missing or stale; in
    memory when the package folder is read-only (an installed wheel)."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if not po.is_file():
        return gettext.NullTranslations()
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as file:
            return gettext.GNUTranslations(file)
    with po.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    try:
        mo.write_bytes(buffer.getvalue())
    except OSError:
        log.info("Could not write %s; using the catalogue compiled in memory", mo)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translator_for(locale: discord.Locale | str | None) -> gettext.NullTranslations:
    """The gettext translations for a locale; English (the source strings) when we have
    no catalogue for it."""
    language = language_of(locale) or DEFAULT
    return gettext.NullTranslations() if language == DEFAULT else _compiled(language)


def current() -> str:
    """The language `_()` speaks in this context."""
    return _language.get()


def use(language: str | None) -> None:
    """Speak `language` (None: English) for the rest of this task: set at the start of
    an interaction's handling."""
    _language.set(language_of(language) or DEFAULT)


@contextlib.contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Speak `language` within the block (a public message in the server's language)."""
    token = _language.set(language_of(language) or DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


def long_date(day: dt.date) -> str:
    """A date in words in the current language: "8 March 2022", "2022년 3월 8일"."""
    language = current()
    return english_long_date(day) if language == DEFAULT else _babel_date(day, language)


@lru_cache(maxsize=4096)
def _babel_date(day: dt.date, language: str) -> str:
    """Babel's long date, remembered (microseconds a call; replies write the same few
    dates again and again, and there are only so many days)."""
    return format_date(day, "long", locale=language)


def N_(message: str) -> str:
    """Marks a module-level string for the catalogues; translate it with `_()` where it is
    used (at import there is no reader yet)."""
    return message


def _(message: str) -> str:
    """`message` in the current language."""
    return translator_for(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message for `count`, in the current language."""
    return translator_for(current()).ngettext(singular, plural, count)


def described(template: str, **values: object) -> app_commands.locale_str:
    """A command string with values in it ("How many questions, 1-50"): the English
    default formatted now, the translation formatted when the translator runs."""
    return app_commands.locale_str(template.format(**values), template=template,
                                   values=values)


class CatalogueTranslator(app_commands.Translator):
    """Gives every command, option and choice the names and descriptions the catalogues
    hold (`name_localizations` and `description_localizations` in the synced commands);
    English is the default, so it is never sent as a localisation."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes
                        ) -> str | None:
        language = language_of(locale)
        if language is None or language == DEFAULT:
            return None
        template = str(string.extras.get("template", string.message))
        translated = translator_for(language).gettext(template)
        if translated == template:
            return None  # no translation: Discord shows the default
        values = string.extras.get("values")
        return translated.format(**values) if isinstance(values, dict) else translated
