"""Every bundled pack loads, and the facts the research flags are held as the sources
give them: contested readings kept side by side, single-source facts marked, unknowns
absent (never guessed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.packs.loader import load_pack, load_packs
from bot.packs.model import Fact, Pack
from tests.support import PACKS_DIR

BUNDLED = sorted(PACKS_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_pack_loads(path: Path) -> None:
    pack = load_pack(path)
    assert pack.drama.slug == path.stem
    assert pack.drama.title.sources


def test_the_bundled_set_is_consistent() -> None:
    packs = load_packs(PACKS_DIR)
    slugs = {p.drama.slug for p in packs.packs}
    assert {"soundtrack1", "soundtrack2", "vincenzo", "the-crowned-clown", "little-women",
            "yumis-cells", "cafe-midnight", "to-x-who-doesnt-love-me", "nevertheless",
            "the-world-of-the-married", "my-name", "happiness"} <= slugs
    for person in ("doyoung", "han-so-hee", "park-hyung-sik", "kim-hee-won", "standing-egg"):
        assert person in packs.people


@pytest.fixture(scope="module")
def soundtrack1() -> Pack:
    return load_pack(PACKS_DIR / "soundtrack1.toml")


def readings(fact: Fact | None) -> list[object]:
    assert fact is not None
    return [fact.value, *(r.value for r in fact.also)]


def test_heroine_surname_is_contested(soundtrack1: Pack) -> None:
    heroine = next(c for c in soundtrack1.cast if c.person == "han-so-hee")
    assert readings(heroine.character) == ["Lee Eun-soo", "Seo Eun-soo"]
    assert "seed-002" in heroine.character.also[0].sources


def test_ost_tracks_one_to_seven_with_track_six_untitled(soundtrack1: Pack) -> None:
    tracks = {t.number: t for t in soundtrack1.ost}
    assert sorted(tracks) == [1, 2, 3, 4, 5, 6, 7]
    assert tracks[6].title is None and tracks[6].korean_title is None
    assert tracks[6].release_date is None
    assert [a.person for a in tracks[6].artists] == ["standing-egg"]
    assert readings(tracks[7].title) == ["Just A Little Bit More", "A Little More"]
    assert [a.person for a in tracks[7].artists] == ["doyoung"]
    first_date = tracks[1].release_date
    assert first_date is not None and first_date.value == dt.date(2021, 12, 30)
    assert first_date.single_source  # pinkvilla alone gives it


def test_writer_credit_keeps_the_other_names(soundtrack1: Pack) -> None:
    writer = next(c for c in soundtrack1.credits if c.job == "writer")
    assert writer.person == "ahn-sae-bom"
    assert {r.value for r in writer.also} == {"Chae Yoon", "Chae Woon"}


def test_four_episodes_and_the_former_title(soundtrack1: Pack) -> None:
    assert [e.number for e in soundtrack1.episodes] == [1, 2, 3, 4]
    assert soundtrack1.drama.episode_count is not None
    assert soundtrack1.drama.episode_count.value == 4
    assert [f.value for f in soundtrack1.drama.former_titles] == [
        "Why Did You Come To My House?"]


def test_every_seed_keeps_its_file_but_is_cited_by_what_it_says(soundtrack1: Pack) -> None:
    seeds = {s.file: s for s in soundtrack1.sources.values() if s.kind == "article"}
    assert set(seeds) == {
        "000_fe22804c1aad097d.txt", "001_d94ec0469b78c366.txt", "002_61108b1a3dd9b5a0.txt"}
    kpopmap = seeds["001_d94ec0469b78c366.txt"]
    assert (kpopmap.label, kpopmap.author, kpopmap.published) == (
        "Kpopmap", "Ishani Sarkar", dt.date(2022, 3, 8))
    assert kpopmap.title is not None and kpopmap.title.startswith("Top 3 Reasons")
    # seed 002 names no outlet or headline: its subject and date
    assert seeds["002_61108b1a3dd9b5a0.txt"].label == \
        "article on what is known of Soundtrack #1, 17 February 2022"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_sentence_is_in_korean_too(path: Path) -> None:
    """The bundled packs' own sentences (trivia, hand-written questions) all have their
    Korean translation, so a Korean reader and a Korean quiz see no English sentence."""
    pack = load_pack(path)
    untranslated = [t.fact.value for t in pack.trivia if t.text_in("ko") is None]
    untranslated += [q.question for q in pack.questions if q.text_in("ko") is None]
    assert untranslated == []


def _parts(value: object) -> Iterator[object]:
    """Every object in a pack's model, depth first."""
    yield value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _parts(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _parts(item)


def _noted(pack: Pack) -> Iterator[Any]:
    """Every object that carries a `note` (readings, credits)."""
    return (part for part in _parts(pack) if hasattr(part, "note_translations")
            and not isinstance(part, type))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_note_and_source_description_is_in_korean_too(path: Path) -> None:
    """Notes and source descriptions in English have their Korean translation (a note
    that is itself Korean, a company's Hangul name, needs none)."""
    pack = load_pack(path)
    hangul = re.compile(r"[가-힣]")
    notes = [n.note for n in _noted(pack) if n.note and not hangul.search(n.note)
             and "ko" not in dict(n.note_translations)]
    names = [s.name for s in pack.sources.values()
             if s.name and "ko" not in dict(s.name_translations)
             and not (s.outlet or s.title)]
    assert notes == [] and names == []


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_a_translated_facts_other_readings_are_translated_too(path: Path) -> None:
    """A Korean reader sees a contested fact's every reading in Korean, not the accepted
    one in Korean and the others in English."""
    untranslated = [r.value for f in _parts(load_pack(path)) if isinstance(f, Fact)
                    and f.primary.text_in("ko") is not None and f.primary.translations
                    for r in f.also if r.text_in("ko") is None]
    assert untranslated == []
