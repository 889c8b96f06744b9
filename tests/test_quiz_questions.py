"""Quiz question generation against the real fact store.

Every template runs on every bundled pack (built from data/packs), and each question it
makes is checked against the store by an independent reading of the facts: the answer is
true, every distractor is wrong (and not another name of the answer), the facts asked are
certain. A small synthetic pack set covers the kinds of fact the bundled packs do not
carry yet, spoilers (`episode`) and single-source hand-written questions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from bot.packs.loader import load_packs
from bot.packs.model import Fact, FactValue
from bot.quiz.questions import (
    CHOICES,
    LABEL_MAX,
    NEIGHBOUR_DRAMAS,
    TEMPLATES,
    Material,
    Question,
    choose,
    generate,
    load_material,
    mask_names,
    shape,
    show,
)
from bot.quiz.questions import _answer_key as answer_key
from bot.store.build import build_fact_store
from bot.store.facts import FactStore
from bot.store.models import DramaInfo, DramaRef, PersonInfo
from bot.store.names import fold, loose

PACKS = Path(__file__).resolve().parent.parent / "data" / "packs"
BUNDLED = sorted(p.drama.slug for p in load_packs(PACKS).packs)


# -- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthpacks")
    (folder / "alpha.toml").write_text(ALPHA, encoding="utf-8")
    for index, name in enumerate(("beta", "gamma", "delta"), 1):
        (folder / f"{name}.toml").write_text(other_pack(name, index), encoding="utf-8")
    path = folder / "facts.sqlite3"
    build_fact_store(folder, path)
    return path


async def _load_all(path: Path) -> dict[str, Material]:
    store = await FactStore.open(path)
    try:
        return {ref.slug: await material_for(store, ref.slug) for ref in await store.dramas()}
    finally:
        await store.close()


@pytest.fixture(scope="module")
def bundled_materials(built_fact_store: Path) -> dict[str, Material]:
    """Every bundled drama's material, read once (plain data: no store stays open)."""
    return asyncio.run(_load_all(built_fact_store))


@pytest.fixture
async def synthetic(synthetic_db: Path) -> AsyncIterator[FactStore]:
    store = await FactStore.open(synthetic_db)
    yield store
    await store.close()


async def material_for(store: FactStore, slug: str) -> Material:
    material = await load_material(store, slug)
    assert material is not None
    return material


# -- the independent checker ---------------------------------------------------------------

def is_certain(fact: Fact | None) -> bool:
    return fact is not None and not fact.also and len(set(fact.sources)) >= 2


def certain_value(fact: Fact | None) -> FactValue:
    assert fact is not None and is_certain(fact), fact
    return fact.value


def same(a: str, b: str) -> bool:
    return fold(a) == fold(b) or loose(a) == loose(b)


def none_match(labels: tuple[str, ...], right: list[str]) -> bool:
    return not any(same(label, r) for label in labels for r in right)


def person_names(info: PersonInfo) -> list[str]:
    person = info.person
    return [person.name, *person.aliases, *([person.hangul] if person.hangul else [])]


class Checker:
    """Checks a question against the store by kind: answer true, distractors wrong."""

    def __init__(self, material: Material) -> None:
        self.m = material
        self.d: DramaInfo = material.drama

    def check(self, q: Question) -> None:
        assert len(q.distractors) == CHOICES - 1
        labels = q.choices
        assert all(0 < len(c) <= LABEL_MAX for c in labels)
        keys = {fold(c) for c in labels}
        assert len(keys) == CHOICES, f"choices fold together: {labels}"
        assert q.sources, q.key
        getattr(self, "check_" + q.kind.replace("-", "_"))(q)

    def person(self, person_id: str) -> PersonInfo:
        return self.m.people[person_id]

    def check_cast_actor(self, q: Question) -> None:
        person_id = q.key.split(":")[2]
        entry = next(m.entry for m in self.d.cast if m.person.id == person_id)
        assert is_certain(entry.character) and len(set(entry.sources)) >= 2
        assert str(entry.character.value) in q.prompt
        assert q.answer == self.person(person_id).person.name
        same_role = [m.person.id for m in self.d.cast
                     if same(str(m.entry.character.value), str(entry.character.value))]
        right = [n for pid in same_role for n in person_names(self.person(pid))]
        assert none_match(q.distractors, right)

    def check_cast_role(self, q: Question) -> None:
        person_id = q.key.split(":")[2]
        entries = [m.entry for m in self.d.cast if m.person.id == person_id]
        assert is_certain(entries[0].character)
        assert q.answer == str(entries[0].character.value)
        right = [n for e in entries
                 for n in (str(e.character.value), *e.character_aliases)]
        assert none_match(q.distractors, right)

    def check_role_description(self, q: Question) -> None:
        person_id = q.key.split(":")[2]
        entries = [m.entry for m in self.d.cast if m.person.id == person_id]
        assert q.answer == str(certain_value(entries[0].description))
        assert none_match(q.distractors, [str(e.description.value) for e in entries
                                          if e.description is not None])

    def check_crew(self, q: Question) -> None:
        job = q.key.split(":")[2]
        credited = [m for m in self.d.crew if m.credit.job == job]
        asked = next(m for m in credited if m.person.name == q.answer)
        assert len(set(asked.credit.sources)) >= 2 and not asked.credit.also
        right = [n for m in credited for n in person_names(self.person(m.person.id))]
        right += [str(r.value) for m in credited for r in m.credit.also]
        assert none_match(q.distractors, right)

    def check_track_artist(self, q: Question) -> None:
        number = int(q.key.split(":")[2])
        track = next(t for t in self.d.tracks if t.track.number == number)
        assert q.answer == track.artists[0].name
        assert len(set(track.track.artists[0].sources)) >= 2
        assert track.track.title is None or is_certain(track.track.title)
        right = [n for a in track.artists for n in person_names(self.person(a.id))]
        assert none_match(q.distractors, right)

    def check_artist_track(self, q: Question) -> None:
        person_id = q.key.split(":")[2]
        theirs = [t for t in self.d.tracks if person_id in {a.id for a in t.artists}]
        titles = [str(t.track.title.value) for t in theirs if t.track.title is not None]
        assert q.answer in titles
        asked = next(t for t in theirs if t.track.title and t.track.title.value == q.answer)
        assert is_certain(asked.track.title)
        assert none_match(q.distractors, titles)

    def check_track_release(self, q: Question) -> None:
        number = int(q.key.split(":")[2])
        track = next(t.track for t in self.d.tracks if t.track.number == number)
        assert q.answer == show(certain_value(track.release_date))
        assert q.answer not in q.distractors

    def check_platform(self, q: Question) -> None:
        assert q.answer == certain_value(self.d.drama.platform)
        assert none_match(q.distractors, [q.answer])

    def check_episode_count(self, q: Question) -> None:
        assert q.answer == str(certain_value(self.d.drama.episode_count))
        assert all(d.isdigit() and d != q.answer for d in q.distractors)

    def check_dates(self, q: Question) -> None:
        which = q.key.split(":")[1]
        fact = getattr(self.d.drama, which)
        assert is_certain(fact) and q.answer == show(fact.value)
        assert q.answer not in q.distractors

    def check_year(self, q: Question) -> None:
        assert q.answer == str(certain_value(self.d.drama.year))
        assert q.answer not in q.distractors

    def check_former_title(self, q: Question) -> None:
        drama = self.d.drama
        assert q.answer in [str(f.value) for f in drama.former_titles if is_certain(f)]
        names = [str(f.value) for f in (drama.title, *drama.former_titles)] + list(drama.aliases)
        assert none_match(q.distractors, names)

    def check_korean_title(self, q: Question) -> None:
        assert q.answer == certain_value(self.d.drama.korean_title)
        assert none_match(q.distractors, [q.answer])

    def check_company(self, q: Question) -> None:
        companies = self.d.drama.production_companies
        assert q.answer in [str(f.value) for f in companies if is_certain(f)]
        assert none_match(q.distractors, [str(f.value) for f in companies])

    def check_episode(self, q: Question) -> None:
        _, what, number = q.key.split(":")
        episode = next(e for e in self.d.episodes if e.number == int(number))
        assert q.episode is not None and q.episode >= episode.number
        fact = episode.air_date if what == "episode-date" else episode.title
        assert q.answer == show(certain_value(fact))
        assert q.answer not in q.distractors

    def check_person_group(self, q: Question) -> None:
        info = self.person(q.key.split(":")[1])
        groups = [str(f.value) for f in info.person.groups]
        assert q.answer in [str(f.value) for f in info.person.groups if is_certain(f)]
        assert none_match(q.distractors, groups)

    def check_person_hangul(self, q: Question) -> None:
        info = self.person(q.key.split(":")[1])
        assert len(set(info.person.sources)) >= 2
        assert q.answer == info.person.hangul
        assert none_match(q.distractors, [q.answer])

    def check_person_work(self, q: Question) -> None:
        info = self.person(q.key.split(":")[1])
        works = [str(f.value) for f in info.person.other_works]
        assert q.answer in [str(f.value) for f in info.person.other_works if is_certain(f)]
        credited = [r.drama.title for r in info.roles] + [c.drama.title for c in info.crew]
        assert none_match(q.distractors, works + credited)

    def check_handwritten(self, q: Question) -> None:
        item = next(i for i in self.d.questions if q.prompt.endswith(i.question))
        if q.fact == q.key:  # its own fact: asked as written
            assert q.answer == item.answer and sorted(q.distractors) == sorted(item.wrong)
        else:  # it restates a template's fact: that answer, written the template's way
            assert answer_key(q.answer) == answer_key(item.answer), (q.answer, item.answer)
            assert ":hand:" not in q.fact
        assert (q.prompt == item.question) == (len(set(item.sources)) >= 2)

    def check_trivia(self, q: Question) -> None:
        item = next(t for t in self.d.trivia if q.key.endswith(
            hashlib.sha1(str(t.fact.value).encode()).hexdigest()[:10]))
        assert is_certain(item.fact)
        assert q.answer == str(self.d.drama.title.value)
        names = [str(self.d.drama.title.value), *map(str, (
            f.value for f in self.d.drama.former_titles)), *self.d.drama.aliases]
        assert none_match(q.distractors, names)
        assert not any(fold(n) in fold(q.prompt) for n in names if len(n) >= 3)
        others = {str(o.drama.title.value) for o in self.m.others}
        assert set(q.distractors) <= others


# -- every template on every bundled pack --------------------------------------------------

@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("slug", BUNDLED)
def test_template_on_bundled_pack(bundled_materials: dict[str, Material], slug: str,
                                  template: str) -> None:
    material = bundled_materials[slug]
    questions = generate(material, random.Random(1), templates={template: TEMPLATES[template]})
    checker = Checker(material)
    for question in questions:
        assert question.kind == template
        checker.check(question)


async def test_every_template_yields_questions(bundled_store: FactStore,
                                               synthetic: FactStore) -> None:
    """Each template makes at least one question from the bundled packs or, for kinds of
    fact they do not carry yet, from the synthetic packs."""
    kinds: set[str] = set()
    for store in (bundled_store, synthetic):
        for ref in await store.dramas():
            material = await material_for(store, ref.slug)
            checker = Checker(material)
            for question in generate(material, random.Random(3)):
                checker.check(question)
                kinds.add(question.kind)
    assert kinds == set(TEMPLATES)


async def test_main_pack_has_a_full_game(bundled_store: FactStore) -> None:
    questions = generate(await material_for(bundled_store, "soundtrack1"), random.Random(0))
    assert len(questions) >= 40
    assert len({q.key for q in questions}) == len(questions)


# -- loading -------------------------------------------------------------------------------

async def full_material(store: FactStore, material: Material) -> Material:
    """The same dramas, with the full `PersonInfo` of everyone in them (what the loader
    read before it learnt that wrong choices need only bare records)."""
    people = dict(material.people)
    for person_id in material.neighbours:
        info = await store.person(person_id)
        assert info is not None
        people[person_id] = info
    return Material(material.drama, material.others, people)


@pytest.mark.parametrize("slug", BUNDLED)
async def test_bare_records_make_the_same_questions_as_full_ones(bundled_store: FactStore,
                                                                 slug: str) -> None:
    """Full records only for the drama's own people change no question, no wrong choice
    and no source, whatever the spoiler limit."""
    material = await material_for(bundled_store, slug)
    full = await full_material(bundled_store, material)
    assert set(full.people) > set(material.people) or not material.others
    for up_to in (None, 1, 3):
        for seed in range(3):
            assert (generate(material, random.Random(seed), up_to_episode=up_to)
                    == generate(full, random.Random(seed), up_to_episode=up_to))


async def test_load_material_reads_little(bundled_store: FactStore,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Never every drama, and full records only for the people a question can ask
    about: the cost of a load must not grow with the store."""
    calls: dict[str, list[str]] = {"dramas": [], "person": []}
    person = bundled_store.person

    async def no_listing() -> tuple[DramaRef, ...]:
        calls["dramas"].append("")
        return ()

    async def counted(person_id: str) -> PersonInfo | None:
        calls["person"].append(person_id)
        return await person(person_id)

    monkeypatch.setattr(bundled_store, "dramas", no_listing)
    monkeypatch.setattr(bundled_store, "person", counted)
    material = await material_for(bundled_store, "soundtrack1")
    own = {m.person.id for m in material.drama.cast} | {m.person.id for m in material.drama.crew}
    own |= {a.id for t in material.drama.tracks for a in t.artists}
    assert calls["dramas"] == []
    assert sorted(calls["person"]) == sorted(own) == sorted(material.people)
    assert len(material.others) == min(NEIGHBOUR_DRAMAS, len(BUNDLED) - 1)
    assert "soundtrack1" not in {o.drama.slug for o in material.others}
    met = {m.person.id for o in material.others for m in (*o.cast, *o.crew)}
    met |= {a.id for o in material.others for t in o.tracks for a in t.artists}
    assert material.neighbours and set(material.neighbours) == met - own
    again = await load_material(bundled_store, "soundtrack1")
    assert again is not None and again.others == material.others  # seeded by the slug


# -- what is never asked -------------------------------------------------------------------

async def test_contested_and_single_source_facts_are_not_asked(bundled_store: FactStore) -> None:
    questions = generate(await material_for(bundled_store, "soundtrack1"), random.Random(0))
    generated = [q for q in questions if q.kind != "handwritten"]
    text = " ".join(q.prompt + " " + q.answer for q in generated)
    assert "Eun-soo" not in text  # Lee/Seo Eun-soo is contested
    assert "Just A Little Bit More" not in text  # also "A Little More"
    assert "Kang Woo-il" not in text  # one source (wowtv)
    assert "Ahn Sae-bom" not in [q.answer for q in generated]  # writer credit contested
    assert "사운드트랙 #1" not in text  # Korean title: one source
    assert "30 December 2021" not in text  # track 1 date: one source
    keys = {q.key for q in questions}
    assert "soundtrack1:track-release:5" not in keys  # contested date
    assert "person:park-hyung-sik:group:zea" not in keys  # one source


async def test_distractors_are_never_another_name_of_the_answer(bundled_store: FactStore) -> None:
    for seed in range(5):
        for q in generate(await material_for(bundled_store, "soundtrack1"), random.Random(seed)):
            if q.answer == "Park Hyung-sik":
                assert none_match(q.distractors, ["Hyungsik", "Park Hyun-sik", "박형식"])
            if q.answer == "Han Sun-woo":
                assert none_match(q.distractors, ["Han Seon-woo", "한선우"])


async def test_up_to_episode_keeps_spoilers_out(synthetic: FactStore) -> None:
    material = await material_for(synthetic, "alpha")
    keys = {up_to: {q.key for q in generate(material, random.Random(0), up_to_episode=up_to)}
            for up_to in (1, 4, 5, 7)}
    spoilers = {"alpha:role-description:actor-one": 5, "alpha:episode-title:5": 5}
    for key, episode in spoilers.items():
        for up_to, found in keys.items():
            assert (key in found) == (up_to >= episode), (key, up_to)
    hand = [k for k in keys[7] if ":hand:" in k]
    assert len(hand) == 2 and len([k for k in keys[5] if ":hand:" in k]) == 1
    assert "alpha:episode-title:1" in keys[1]
    for seed in range(10):  # nor is anything later offered as a wrong choice
        for q in generate(material, random.Random(seed), up_to_episode=4):
            folded = {fold(c) for c in q.choices}
            assert not {"secretagent", "thetwist", "betaspy", "gammaspy"} & folded, q
    every = generate(material, random.Random(0))
    assert all(q.episode is None or q.episode <= 4
               for q in generate(material, random.Random(0), up_to_episode=4))
    assert {q.key for q in every} == keys[7]


async def test_single_source_handwritten_question_names_its_source(
        synthetic: FactStore) -> None:
    questions = generate(await material_for(synthetic, "alpha"), random.Random(0))
    busan = next(q for q in questions if q.answer == "Busan")
    assert busan.prompt == "According to Outlet A: Which city is Alpha Drama set in?"
    assert busan.sources == ("Outlet A",)


# -- determinism and choice ----------------------------------------------------------------

async def test_generation_is_deterministic_and_keys_are_stable(bundled_store: FactStore) -> None:
    material = await material_for(bundled_store, "soundtrack1")
    first = generate(material, random.Random(5))
    assert first == generate(material, random.Random(5))
    other = generate(material, random.Random(6))
    assert [q.key for q in first] == [q.key for q in other]
    assert [(q.prompt, q.answer) for q in first] == [(q.prompt, q.answer) for q in other]


async def test_choose_prefers_unseen_questions_and_varies_kinds(bundled_store: FactStore) -> None:
    questions = generate(await material_for(bundled_store, "soundtrack1"), random.Random(0))
    first = choose(questions, 10, random.Random(1))
    assert len(first) == 10 and len({q.key for q in first}) == 10
    assert len({fold(q.answer) for q in first}) == 10  # no two with one answer
    assert len({q.kind for q in first}) >= 6
    assert len({q.fact for q in first}) == 10  # no fact twice
    recent = {q.fact: float(i) for i, q in enumerate(first)}  # the channel's memory: facts
    second = choose(questions, 10, random.Random(1), recent)
    assert not {q.key for q in second} & set(recent)
    assert not {q.key for q in second} & {q.key for q in first}
    assert not {q.fact for q in second} & set(recent)
    # Everything, once per fact: the questions of a fact are wordings of one question.
    facts = {q.fact for q in questions}
    everything = choose(questions, len(questions), random.Random(1), recent)
    assert len(everything) == len(facts) < len(questions)
    assert {q.fact for q in everything} == facts
    assert {q.fact for q in everything[-10:]} == set(recent)  # the ones asked come last


def test_choose_takes_the_longest_ago_seen_when_all_were_seen() -> None:
    questions = [Question(f"k{i}", "k", f"q{i}", f"a{i}", ("x", "y", "z"), ("s",))
                 for i in range(5)]
    recent = {"k0": 50.0, "k1": 10.0, "k2": 40.0, "k3": 20.0, "k4": 30.0}
    chosen = choose(questions, 3, random.Random(0), recent)
    assert [q.key for q in chosen] == ["k1", "k3", "k4"]


def test_choose_gives_every_drama_of_a_mixed_pool_its_turn() -> None:
    """A pool of 30 facts of one drama and 3 of another: every 10-question pick has both
    (before, the kinds alone were dealt in turn and the small drama could be left out)."""
    big = [Question(f"big:f{i}", f"kind{i % 6}", f"q{i}", f"a{i}", ("x", "y", "z"), ("s",))
           for i in range(30)]
    small = [Question(f"small:f{i}", f"kind{i}", f"r{i}", f"b{i}", ("x", "y", "z"), ("s",))
             for i in range(3)]
    for seed in range(200):
        chosen = choose([*big, *small], 10, random.Random(seed))
        assert {q.key.partition(":")[0] for q in chosen} == {"big", "small"}, seed


def test_choose_with_too_few_questions() -> None:
    questions = [Question(f"k{i}", "k", f"q{i}", "same", ("a", "b", "c"), ("s",))
                 for i in range(3)]
    chosen = choose(questions, 10, random.Random(0))
    assert len(chosen) == 3  # the same answer is allowed when nothing else is left


# -- the synthetic packs -------------------------------------------------------------------

ALPHA = """
format = 1

[sources.a]
name = "Outlet A"
kind = "outlet"

[sources.b]
name = "Outlet B"
kind = "outlet"

[drama]
slug = "alpha"
title = { value = "Alpha Drama", sources = ["a", "b"] }
korean_title = { value = "알파 드라마", sources = ["a", "b"] }
platform = { value = "Netflix", sources = ["a", "b"] }
production_companies = [
  { value = "Studio One", sources = ["a", "b"] },
  { value = "Studio Two", sources = ["a"] },
]
episode_count = { value = 12, sources = ["a", "b"] }

[[episodes]]
number = 1
title = { value = "The Beginning", sources = ["a", "b"] }

[[episodes]]
number = 5
title = { value = "The Twist", sources = ["a", "b"] }

[[cast]]
person = "actor-one"
character = { value = "Hero Kim", sources = ["a", "b"] }
description = { value = "secret agent", sources = ["a", "b"], episode = 5 }
sources = ["a", "b"]

[[cast]]
person = "actor-two"
character = { value = "Villain Park", sources = ["a", "b"] }
sources = ["a", "b"]

[[questions]]
question = "Which city is Alpha Drama set in?"
answer = "Busan"
wrong = ["Seoul", "Incheon", "Daegu"]
sources = ["a"]

[[questions]]
question = "Who betrays Hero Kim?"
answer = "Villain Park"
wrong = ["Nobody", "His brother", "The boss"]
sources = ["a", "b"]
episode = 7

[people.actor-one]
name = "Actor One"
hangul = "배우일"
other_works = [{ value = "Old Show", sources = ["a", "b"] }]
groups = [{ value = "Band A", sources = ["a", "b"] }]
sources = ["a", "b"]

[people.actor-two]
name = "Actor Two"
hangul = "배우이"
other_works = [{ value = "Another Show", sources = ["a", "b"] }]
sources = ["a", "b"]
"""


def other_pack(name: str, index: int) -> str:
    """A small drama with one of everything, so the pools have distractors."""
    return f"""
format = 1

[sources.a]
name = "Outlet A"
kind = "outlet"

[sources.b]
name = "Outlet B"
kind = "outlet"

[drama]
slug = "{name}"
title = {{ value = "{name.title()} Story", sources = ["a", "b"] }}
korean_title = {{ value = "{name} 이야기", sources = ["a", "b"] }}
production_companies = [{{ value = "{name.title()} Pictures", sources = ["a", "b"] }}]

[[episodes]]
number = 1
title = {{ value = "{name.title()} Begins", sources = ["a", "b"] }}

[[cast]]
person = "{name}-actor"
character = {{ value = "{name.title()} Lee", sources = ["a", "b"] }}
description = {{ value = "{name} teacher", sources = ["a", "b"] }}
sources = ["a", "b"]

[[cast]]
person = "{name}-actor"
character = {{ value = "{name.title()} Spy", sources = ["a", "b"], episode = 2 }}
description = {{ value = "{name} spy", sources = ["a", "b"], episode = 2 }}
sources = ["a", "b"]

[people.{name}-actor]
name = "{name.title()} Actor"
hangul = "배우{'삼사오'[index - 1]}"
other_works = [{{ value = "{name.title()} Film", sources = ["a", "b"] }}]
groups = [{{ value = "{name.title()} Band", sources = ["a", "b"] }}]
sources = ["a", "b"]
"""


# -- one fact, one question; fair choices ------------------------------------------------

def name_keys(material: Material) -> dict[str, set[str]]:
    """Every known name of each person, by each of its names' loose keys: what the
    store's name folding calls one person."""
    records = [*material.persons()]
    found: dict[str, set[str]] = {}
    for person in records:
        names = {person.name, *person.aliases, *([person.hangul] if person.hangul else [])}
        for name in names:
            found.setdefault(loose(name), set()).update(names)
    return found


def is_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
@pytest.mark.parametrize("slug", BUNDLED)
def test_choices_are_fair_for_every_template_and_pack(
        bundled_materials: dict[str, Material], slug: str, template: str) -> None:
    """No choice is another name of the answer; the answer is never the only choice of
    its shape (a Hangul name of n syllables, a date, a number); no two choices differ
    only by words added; a person's wrong choices are never groups unless the answer is
    one; a Hangul name has a namesake surname beside it."""
    material = bundled_materials[slug]
    names = name_keys(material)
    groups = {fold(p.name) for p in material.persons() if p.kind == "group"}
    for seed in range(3):
        for q in generate(material, random.Random(seed),
                          templates={template: TEMPLATES[template]}):
            others_of_answer = names.get(loose(q.answer), set()) | set(q.right_names)
            assert none_match(q.distractors, list(others_of_answer)), q
            assert any(shape(d) == shape(q.answer) for d in q.distractors), q
            for a in q.choices:
                for b in q.choices:
                    if a != b and shape(a)[0] == "text" and len(fold(a)) >= 4:
                        assert not (fold(b).startswith(fold(a)) or fold(b).endswith(fold(a))), q
            if q.kind in ("cast-actor", "crew") and fold(q.answer) not in groups:
                assert not {fold(d) for d in q.distractors} & groups, q
            if q.kind == "person-hangul" and material.people:
                assert all(len(c) == len(q.answer) for c in q.choices), q
                assert any(d[0] == q.answer[0] for d in q.distractors), q


def test_a_group_named_in_the_wording_holds_every_choice(
        bundled_materials: dict[str, Material]) -> None:
    """"Which NCT member sang ...?" with one NCT member among the choices is left out."""
    questions = generate(bundled_materials["soundtrack1"], random.Random(0))
    assert not [q for q in questions if "NCT member" in q.prompt]


def test_every_question_names_the_fact_it_asks(
        bundled_materials: dict[str, Material]) -> None:
    questions = generate(bundled_materials["soundtrack1"], random.Random(0))
    fact_of = {q.key: q.fact for q in questions}
    cast = "soundtrack1:cast:park-hoon:gyeolhan"
    assert fact_of["soundtrack1:cast-actor:park-hoon"] == cast
    assert (fact_of["soundtrack1:track-artist:4"]
            == fact_of["soundtrack1:artist-track:kim-jong-kook"])
    assert fact_of["soundtrack1:episode-date:1"] == fact_of["soundtrack1:premiere"]
    by_prompt = {q.prompt: q for q in questions}
    # The pack's own questions that restate a template's fact are wordings of that fact.
    for prompt, fact in (("Who directed Soundtrack #1?", "soundtrack1:crew:director"),
                         ("On what date did Soundtrack #1 premiere?", "soundtrack1:premiere"),
                         ('Who sang "My Love", the fourth track of the Soundtrack #1 OST?',
                          "soundtrack1:track-artist:4"),
                         ("How many episodes does Soundtrack #1 have?",
                          "soundtrack1:episode-count")):
        assert by_prompt[prompt].fact == fact
    assert by_prompt["On what date did Soundtrack #1 premiere?"].answer == "23 March 2022"
    # ... and one that only shares an answer is not.
    studied = by_prompt["Which actor studied camera and lighting for his role in Soundtrack #1?"]
    assert studied.fact == studied.key
    facts = {q.fact for q in questions}
    assert len(facts) == 31 < len(questions)  # the pool a channel rotates through
    for seed in range(20):
        game = choose(questions, 10, random.Random(seed))
        assert len({q.fact for q in game}) == 10


def test_trivia_asks_which_drama_a_sourced_fact_is_about(
        bundled_materials: dict[str, Material]) -> None:
    questions = generate(bundled_materials["soundtrack1"], random.Random(0),
                         templates={"trivia": TEMPLATES["trivia"]})
    assert questions and all(q.answer == "Soundtrack #1" for q in questions)
    snow = next(q for q in questions if "Heavy snow" in q.prompt)
    assert snow.prompt == "Which drama is this true of? “Heavy snow fell during the shoot.”"
    assert len(snow.sources) == 2  # shown in the reveal
    assert not [q for q in questions if "Eun-soo" in q.prompt]  # a contested role's name
    assert mask_names("Soundtrack #1 was a Disney+ exclusive; soundtrack #1 ...",
                      ["Soundtrack #1"]) == "This drama was a Disney+ exclusive; this drama ..."


def test_a_credit_with_no_role_on_record_yields_no_role_question(
        bundled_materials: dict[str, Material]) -> None:
    material = bundled_materials["soundtrack1"]
    member = material.drama.cast[0]
    bare = dataclasses.replace(member, entry=dataclasses.replace(
        member.entry, character=cast(Any, None)))
    drama = dataclasses.replace(material.drama, cast=(bare, *material.drama.cast[1:]))
    questions = generate(dataclasses.replace(material, drama=drama), random.Random(0))
    assert not [q for q in questions if q.key.endswith(f"cast-actor:{member.person.id}")
                or q.key.endswith(f"cast-role:{member.person.id}")]
