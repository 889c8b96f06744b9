"""Typed answers, matched forgivingly but never wrongly.

A typed answer is compared with the store's own name folding (`bot.store.names`): case,
spacing, punctuation, accents and romanisation variants do not matter ("park hyungsik",
"Park Hyeong-sik"), Hangul is compared jamo by jamo, and a date may be written any usual
way. Beyond that, a small typo is forgiven: an edit distance of 1 for a name of 4 to 7
letters, 2 from 8 letters; but only when the text is strictly nearer to a right name than
to any wrong choice, so a typo budget never accepts another choice's name. Numbers and
dates must be exact.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

from bot.quiz.questions import parse_date
from bot.store.names import loose

MAX_TYPED = 100  # longer text is cut before matching (a modal allows no more either)


def answer_key(text: str) -> str:
    """What a typed text and a name are compared as: a date's ISO form, else the store's
    loose key in NFD (so a one-jamo slip in Hangul is one edit)."""
    text = text[:MAX_TYPED]
    date = parse_date(text.strip())
    if date is not None:
        return date.isoformat()
    return unicodedata.normalize("NFD", loose(text))


def typo_budget(key: str) -> int:
    """Edits forgiven for a name of this many letters."""
    if key.isdigit() or len(key) < 4:
        return 0
    return 1 if len(key) < 8 else 2


def is_right(text: str, right: Iterable[str], wrong: Iterable[str]) -> bool:
    """Whether `text` names a right answer, given the wrong choices it must not match."""
    typed = answer_key(text)
    rights = {answer_key(r) for r in right} - {""}
    wrongs = {answer_key(w) for w in wrong} - rights - {""}
    if not typed or typed in wrongs:
        return False
    if typed in rights:
        return True
    nearest_right = min((Levenshtein.distance(typed, r), r) for r in rights)
    distance, name = nearest_right
    if distance > typo_budget(name) or parse_date(text.strip()) is not None:
        return False
    return all(Levenshtein.distance(typed, w) > distance for w in wrongs)
