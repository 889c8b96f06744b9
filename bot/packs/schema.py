"""The field tables of pack format 1 (docs/pack-format.md) and the wording the loader uses
to describe values.

Kept apart from the loader so that the format reads as data: adding an optional fact to a
table is one line here, and the loader's walking code does not change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable

from bot.packs.model import BILLINGS, PERSON_KINDS, SOURCE_KINDS, TRIVIA_TOPICS

FORMAT_VERSION = 1

# Ids: lower-case letters and digits in words joined by single hyphens ("han-so-hee").
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
ID_HINT = "use lower-case letters, digits and single hyphens"
ID_EXAMPLES = {"id": "han-so-hee", "slug": "soundtrack1", "job": "ost-producer"}

QUESTION_MAX = 250
ANSWER_MAX = 80
WRONG_COUNT = 3

# A value kind: what a scalar or a fact's `value` must be.
#   "str"  text, "int" a whole number >= 1, "date" a calendar date, "any" any of the three.
STR, INT, DATE, ANY = "str", "int", "date", "any"

TOP_KEYS = (
    "format", "sources", "drama", "episodes", "cast", "credits",
    "ost", "ost_unnumbered", "trivia", "questions", "people",
)  # fmt: skip

FACT_KEYS = ("value", "sources", "note", "also", "episode", "translations", "note_translations")
READING_KEYS = ("value", "sources", "note", "translations", "note_translations")

SOURCE_KEYS = (
    "name", "kind", "outlet", "author", "title", "published", "url", "licence", "file",
    "name_translations",
)  # fmt: skip
# A source is cited by what it says of itself: at least one of these describes it.
SOURCE_DESCRIBED_BY = ("outlet", "title", "name")
URL_SCHEMES = ("http", "https")

# [drama]: single facts and lists of facts, with the kind of their values.
DRAMA_FACTS = {
    "title": STR, "korean_title": STR, "platform": STR, "country": STR,
    "premiere": DATE, "finale": DATE, "episode_count": INT, "runtime_minutes": INT,
    "synopsis": STR, "year": INT,
}  # fmt: skip
DRAMA_FACT_LISTS = {
    "former_titles": STR, "genres": STR, "production_companies": STR, "other_platforms": STR,
    "sequel_of": STR, "followed_by": STR,
}  # fmt: skip
DRAMA_KEYS = ("slug", "aliases", *DRAMA_FACTS, *DRAMA_FACT_LISTS)

EPISODE_FACTS = {"air_date": DATE, "title": STR, "korean_title": STR}
EPISODE_KEYS = ("number", *EPISODE_FACTS)

CAST_FACTS = {"character_hangul": STR, "description": STR}
CAST_KEYS = (
    "person", "character", "character_hangul", "character_aliases",
    "description", "billing", "sources",
)  # fmt: skip

CREDIT_KEYS = ("person", "job", "sources", "also", "note", "note_translations")

TRACK_FACTS = {"title": STR, "korean_title": STR, "release_date": DATE}
TRACK_KEYS = ("number", "artists", "notes", *TRACK_FACTS)
UNNUMBERED_KEYS = ("artists", "notes", *TRACK_FACTS)
ARTIST_KEYS = ("person", "sources", "note", "note_translations")

TRIVIA_KEYS = (*FACT_KEYS, "topic", "track")

QUESTION_KEYS = ("question", "answer", "wrong", "sources", "episode", "translations")
QUESTION_TEXT_KEYS = ("question", "answer", "wrong")
# A translation's language: a lower-case language code, with a region if needed ("ko",
# "pt-br"); English is the original text, never a translation.
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")

PERSON_FACT_LISTS = {"groups": STR, "occupations": STR, "other_works": ANY, "facts": ANY}
PERSON_KEYS = ("name", "hangul", "aliases", "kind", "sources", *PERSON_FACT_LISTS)

ENUMS: dict[str, tuple[str, ...]] = {
    "source kind": SOURCE_KINDS,
    "billing": BILLINGS,
    "person kind": PERSON_KINDS,
    "topic": TRIVIA_TOPICS,
}

_EXPECTED = {
    STR: "text in quotes",
    INT: "a whole number (no quotes, no decimals)",
    DATE: "a date like 2022-03-23 (no quotes, no time of day)",
    ANY: "text in quotes, a whole number or a date",
}


def type_ok(value: object, kind: str) -> bool:
    """Whether `value` is of `kind`. Spelled out because Python's types overlap where the
    format's do not: a bool is an int and a datetime is a date."""
    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return any(type_ok(value, k) for k in (STR, INT, DATE))


def describe(value: object) -> str:
    """Names a TOML value the way a pack author would recognise it."""
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, float):
        return f"the decimal number {value}"
    if isinstance(value, str):
        return f"the text {shorten(value)!r}"
    if isinstance(value, dt.datetime):
        return f"a date with a time of day ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"a time of day ({value.isoformat()})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def wrong_type(value: object, kind: str) -> str:
    """The message for a value of the wrong kind."""
    return f"must be {_EXPECTED[kind]}, not {describe(value)}"


def shorten(text: str, limit: int = 40) -> str:
    """Keeps quoted values in messages to one readable line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word `word` was most likely meant to be (difflib), or None if none is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest known word, or '' when none is close."""
    close = closest(word, known)
    return f" (did you mean '{close}'?)" if close else ""


def listing(words: Iterable[str], limit: int = 15) -> str:
    """A sorted, comma-separated list, cut short when long so messages stay readable."""
    items = sorted(words)
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown}, … ({len(items) - limit} more)"


def unknown_key(key: str, known: Iterable[str]) -> str:
    """The message for a key the format does not have."""
    known = tuple(known)
    hint = did_you_mean(key, known)
    return f"unknown key '{key}'{hint}; allowed here: {', '.join(known)}"
