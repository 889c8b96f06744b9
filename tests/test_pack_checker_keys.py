"""PackChecker with declaration keys (what the store's build hands it): a person declared
again under a key that last left the merged record unchanged is skipped unread, and the
merged people and errors are those of a checker given no keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

from bot.packs.loader import PackChecker, _Parsed, settled_people
from bot.packs.model import Fact, Person, Reading


class CountingPeople(Mapping[str, Person]):
    """A file's people, counting each read of one."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self.people = dict(people)
        self.reads = 0

    def __getitem__(self, pid: str) -> Person:
        self.reads += 1
        return self.people[pid]

    def __iter__(self) -> Iterator[str]:
        return iter(self.people)

    def __len__(self) -> int:
        return len(self.people)


def occupation(*translations: tuple[str, str]) -> Fact:
    return Fact(primary=Reading(value="actress", sources=("s1",), translations=translations))


def han(*facts: Fact, hangul: str | None = "한소희", name: str = "Han So-hee") -> Person:
    return Person("han-so-hee", name, ("s1",), hangul=hangul, occupations=facts)


def files(*people: Person) -> list[_Parsed]:
    """One parsed file per person; each declaration's key is its repr (equal keys, equal
    declarations, as the build's digests are)."""
    return [_Parsed(f"d{i}.toml", [], f"d{i}", CountingPeople({p.id: p}),
                    people_keys={p.id: repr(p).encode()}) for i, p in enumerate(people)]


def check(parsed: list[_Parsed], keys: bool) -> PackChecker:
    checker = PackChecker()
    for p in parsed:
        checker.add(p if keys else _Parsed(p.file, p.errors, p.slug, p.people))
    return checker


def test_a_declaration_that_changed_nothing_is_not_read_again() -> None:
    same = han(occupation(("ko", "배우")))
    parsed = files(same, same, same, same)
    checker = check(parsed, keys=True)
    assert dict(checker.people) == {"han-so-hee": same}
    # the first is taken, the second merged (and found to change nothing), the rest skipped
    assert [p.people.reads for p in parsed if isinstance(p.people, CountingPeople)] == [
        1, 1, 0, 0]


def test_a_declaration_met_again_is_merged_once_at_least() -> None:
    """A first declaration is taken as it is, and merging it with itself may change it
    (two facts differing only in their translations become one): the key of a declaration
    is trusted only after a merge has shown that it changes nothing."""
    twice = han(occupation(("ja", "女優")), occupation(("ko", "배우")))
    declarations = [twice, twice, twice]
    with_keys, without = check(files(*declarations), True), check(files(*declarations), False)
    assert dict(with_keys.people) == dict(without.people)
    assert len(with_keys.people["han-so-hee"].occupations) == 1


def test_a_clashing_declaration_is_reported_in_every_file() -> None:
    first, clash = han(), han(name="Han Sohee")
    parsed = files(first, clash, clash, first)
    with_keys, without = check(parsed, True), check(parsed, False)
    assert with_keys.errors == without.errors
    assert [e.file for e in with_keys.errors] == ["d1.toml", "d2.toml"]


def people_to_check() -> list[Person]:
    fact = occupation(("ko", "배우"))
    return [
        han(fact),
        han(fact, occupation(("ja", "女優"))),  # two facts differing only in translations
        Person("han-so-hee", "Han So-hee", ("s1", "s1")),  # a source twice
        Person("han-so-hee", "Han So-hee", ("s1",), aliases=("Sohee", "Sohee")),
        han(Fact(primary=Reading(value="actress", sources=("s1",),
                                 translations=(("ko", "배우"), ("ko", "연기자"))))),
        han(Fact(primary=Reading(value="actress", sources=("s1", "s1")))),
        han(Fact(primary=Reading(value="actress", sources=("s1",), note="n",
                                 note_translations=(("ko", "a"), ("ko", "b"))))),
        han(fact, Fact(primary=Reading(value="actress", sources=("s2",)), episode=3)),
    ]


def test_settled_people_are_those_a_merge_with_themselves_leaves_alone() -> None:
    from bot.packs.loader import _merge_person

    found = [bool(settled_people({p.id: p})) for p in people_to_check()]
    assert found == [_merge_person(p, p) == p for p in people_to_check()]
    assert found == [True, False, False, False, False, False, False, True]


def test_a_settled_declaration_met_again_is_not_read() -> None:
    """A declaration the worker found settled is trusted from the first meeting on."""
    for person in people_to_check():
        settled = settled_people({person.id: person})
        parsed = [dataclasses.replace(p, people_settled=settled)
                  for p in files(person, person, person)]
        checker = check(parsed, keys=True)
        assert dict(checker.people) == dict(check(files(person, person, person), False).people)
        reads = [p.people.reads for p in parsed if isinstance(p.people, CountingPeople)]
        assert reads == ([1, 0, 0] if settled else [1, 1, 1])  # the merge changed it
