"""The build's one walk per object: `to_json` with `cited` writes the text it writes
without, and gathers what `cited_sources` finds; orjson's text is json.dumps's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.packs.loader import load_packs
from bot.packs.model import Fact, PackSet, Reading
from bot.store.facts import cited_sources, to_json, to_jsonable

REAL_PACKS = Path(__file__).resolve().parents[1] / "data" / "packs"


@pytest.fixture(scope="module")
def packset() -> PackSet:
    return load_packs(REAL_PACKS)


def every_object(packset: PackSet) -> list[object]:
    found: list[object] = [*packset.people.values(), *packset.sources.values()]
    for pack in packset.packs:
        found += [pack.drama, *pack.episodes, *pack.cast, *pack.credits, *pack.ost,
                  *pack.trivia, *pack.questions]
    return found


def test_one_walk_gives_the_json_and_the_cited_sources(packset: PackSet) -> None:
    objects = every_object(packset)
    cited_somewhere = False
    for obj in objects:
        found: set[str] = set()
        text = to_json(obj, found)
        assert text == json.dumps(to_jsonable(obj), ensure_ascii=False, separators=(",", ":"))
        assert found == cited_sources(obj)
        cited_somewhere = cited_somewhere or bool(found)
    assert cited_somewhere


def test_cited_adds_to_what_it_holds() -> None:
    fact = Fact(Reading("x", ("a", "b")), (Reading(dt.date(2022, 3, 23), ("c",)),))
    found = {"z"}
    to_json(fact, found)
    assert found == {"a", "b", "c", "z"}


@pytest.mark.parametrize("value", [
    "".join(chr(i) for i in range(0x300)) + "\u2028\u2029 한국어 \"q\" \\",
    10**30,  # beyond orjson's 64 bits: json.dumps writes it
    -(2**63),
])
def test_text_is_json_dumps_compact_and_unescaped(value: str | int) -> None:
    fact = Fact(Reading(value, ("s",)))
    expected = json.dumps(to_jsonable(fact), ensure_ascii=False, separators=(",", ":"))
    assert to_json(fact) == expected
