"""`dramabot pack import`: fetch, draft, merge or write, check.

The steps, each in its own module: `wikidata` and `musicbrainz` read the services through
`http.PoliteClient`; `draft` maps what they say to the pack format; `merge` adds a draft to
an existing pack; the pack loader then checks the result like any hand-written pack.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from tqdm import tqdm

from bot.importers import musicbrainz as mb
from bot.importers import wikidata as wd
from bot.importers.draft import Draft, KnownPerson, Summary, fold_name, render
from bot.importers.http import ImportFailed, PoliteClient, user_agent
from bot.importers.merge import merge
from bot.packs.loader import check_packs
from bot.packs.model import PackError

QID_PROPS = ("P57", "P58", "P161")  # the people credited
ITEM_PROPS = ("P449", "P750", "P136", "P495", "P272", "P155", "P156", "P406", *QID_PROPS)
PERSON_PROPS = ("P463", "P106")


@dataclass(frozen=True)
class Endpoints:
    wikidata: str
    musicbrainz: str
    contact: str


@dataclass(frozen=True)
class Candidate:
    """A search hit, shown so the operator can choose."""

    qid: str
    label: str | None
    korean: str | None
    year: int | None
    broadcaster: str | None

    def line(self) -> str:
        parts = [self.label or "(no English label)", self.korean or "",
                 str(self.year) if self.year else "", self.broadcaster or ""]
        return " · ".join(p for p in parts if p) + f"  [{self.qid}]"


@dataclass
class Result:
    path: Path
    text: str
    diff: str
    written: bool
    summary: Summary
    errors: list[PackError] = field(default_factory=list)


class Services:
    """One session for both services, each with its own politeness."""

    def __init__(self, session: aiohttp.ClientSession, endpoints: Endpoints,
                 progress: Callable[[int], None]) -> None:
        self.wikidata = wd.Wikidata(PoliteClient(session, "Wikidata"), endpoints.wikidata)
        self.musicbrainz = mb.MusicBrainz(
            PoliteClient(session, "MusicBrainz", min_interval=mb.MIN_INTERVAL),
            endpoints.musicbrainz)
        self.progress = progress


@asynccontextmanager
async def services(endpoints: Endpoints, desc: str) -> Any:
    if not endpoints.contact:
        raise ImportFailed("IMPORT_CONTACT is not set: give an email address or URL where the "
                           "Wikidata and MusicBrainz operators can reach you (they ask for one)")
    headers = {"User-Agent": user_agent(endpoints.contact), "Accept": "application/json"}
    # tqdm draws only on a terminal (disable=None), so logs and tests stay clean
    with tqdm(desc=desc, unit=" request", disable=None, leave=False) as bar:
        async with aiohttp.ClientSession(headers=headers) as session:
            yield Services(session, endpoints, bar.update)


def is_qid(text: str) -> bool:
    return text[:1] in "Qq" and text[1:].isdigit()


async def search(endpoints: Endpoints, title: str) -> list[Candidate]:
    """Items matching a title, with what tells them apart."""
    async with services(endpoints, "searching Wikidata") as s:
        ids = await s.wikidata.search(title)
        found = await s.wikidata.entities(ids, s.progress)
        broadcasters = [i for e in found.values() for i in wd.item_ids(e, ("P449", "P750"))]
        labels = await s.wikidata.entities(broadcasters, s.progress)
    return [_candidate(found[q], labels) for q in ids if q in found]


def _candidate(entity: wd.Entity, labels: dict[str, wd.Entity]) -> Candidate:
    years = [s.value.year for p in ("P580", "P577") for s in wd.truthy(entity, p)
             if isinstance(s.value, wd.Time)]
    channel = next((wd.label(labels[i], "en") for i in wd.item_ids(entity, ("P449", "P750"))
                    if i in labels), None)
    return Candidate(entity["id"], wd.label(entity, "en"), wd.label(entity, "ko"),
                     years[0] if years else None, channel)


async def import_drama(endpoints: Endpoints, qid: str, out_dir: Path, *, ost: str | None,
                       merge_into: bool = False, dry_run: bool = False) -> Result:
    """Draft the pack for `qid` (and its OST when `ost` is not None: '' means the one the
    item names, else a release-group MBID or a title); write it unless `dry_run`."""
    qid = qid.upper()
    draft = Draft(known_people(out_dir))
    async with services(endpoints, f"importing {qid}") as s:
        drama = await s.wikidata.entity(qid)
        labels = await _referenced(s, drama)
        for person_id in wd.item_ids(drama, QID_PROPS, qualifiers=False):
            if person_id in labels:
                draft.add_person(labels[person_id], labels)
            else:
                draft.summary.missing.append(f"{person_id} (credited) is not on Wikidata")
        slug = draft.add_drama(drama, labels)
        if ost is not None:
            await _add_ost(s, draft, drama, labels, ost)
    _summarise(draft)
    return _finish(draft, out_dir / f"{slug}.toml", merge_into, dry_run, qid,
                   drama.get("lastrevid"))


async def _referenced(s: Services, drama: wd.Entity) -> dict[str, wd.Entity]:
    """Every item the drama points at, then the groups and occupations of its people:
    at most 50 a call, one call at a time."""
    labels = await s.wikidata.entities(wd.item_ids(drama, ITEM_PROPS), s.progress)
    people = [labels[i] for i in wd.item_ids(drama, QID_PROPS, qualifiers=False) if i in labels]
    more = {i for p in people for i in wd.item_ids(p, PERSON_PROPS)} - labels.keys()
    labels.update(await s.wikidata.entities(sorted(more), s.progress))
    return labels


async def _add_ost(s: Services, draft: Draft, drama: wd.Entity,
                   labels: dict[str, wd.Entity], query: str) -> None:
    group = _named_soundtrack(drama, labels)
    if group is not None:
        draft.summary.found.append("soundtrack named by the Wikidata item (P406, P436)")
    elif mb.MBID_RE.fullmatch(query.lower()):
        group = query.lower()
    else:
        group = await _find_soundtrack(s, draft, query or str(draft.drama["title"]["value"]))
    if group is None:
        return
    releases = await s.musicbrainz.releases(group)
    s.progress(1)
    main, latin = mb.main_and_latin(releases)
    if latin is None:
        draft.summary.missing.append("no Latin-script pseudo-release: English titles not on "
                                     "record")
    draft.add_ost(main, latin)


def _named_soundtrack(drama: wd.Entity, labels: dict[str, wd.Entity]) -> str | None:
    for album in wd.item_ids(drama, ("P406",)):
        for statement in wd.truthy(labels.get(album, {}), "P436"):
            if isinstance(statement.value, str):
                return statement.value
    return None


async def _find_soundtrack(s: Services, draft: Draft, title: str) -> str | None:
    groups = await s.musicbrainz.soundtracks(title)
    s.progress(1)
    if len(groups) == 1:
        return groups[0].id
    if not groups:
        draft.summary.missing.append(f"no OST found on MusicBrainz for '{title}'")
    else:
        listed = "; ".join(f"{g.title} ({g.first_release or 'no date'}) {g.id}" for g in groups)
        draft.summary.missing.append("several soundtracks match, none taken: run again with "
                                     f"--ost musicbrainz <MBID>: {listed}")
    return None


def _summarise(draft: Draft) -> None:
    cast, crew = len(draft.sections["cast"]), len(draft.sections["credits"])
    draft.summary.found.insert(0, f"{cast} cast member(s), {crew} crew credit(s), "
                               f"{len(draft.people)} people, {len(draft.sources)} source(s)")
    if not draft.sections["ost"] and not any("OST" in m for m in draft.summary.missing):
        draft.summary.missing.append("no OST imported (add --ost musicbrainz)")


def _finish(draft: Draft, path: Path, merge_into: bool, dry_run: bool, qid: str,
            revision: object) -> Result:
    header = [f" Draft imported from Wikidata {qid} (revision {revision}) by `dramabot pack "
              "import`.", " Review it before committing: see docs/importing.md."]
    text = render(draft.pack(), header)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old and not merge_into:
        raise ImportFailed(f"{path} already exists: add --merge to add the import to it "
                           "(--diff shows what would change)")
    if old:
        text = merge(old, draft.pack(), draft.summary)
    diff = "".join(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                        str(path) if old else "/dev/null", str(path)))
    if dry_run:
        return Result(path, text, diff, False, draft.summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return Result(path, text, diff, True, draft.summary, check_packs(path.parent))


def known_people(folder: Path) -> dict[str, KnownPerson]:
    """The people the packs in `folder` declare, read straight from the TOML (a broken
    pack elsewhere must not stop an import)."""
    known: dict[str, KnownPerson] = {}
    for record in _people_tables(folder):
        pid, table = record
        if pid in known or not isinstance(table.get("name"), str):
            continue
        names = [table["name"], *[a for a in table.get("aliases", []) if isinstance(a, str)]]
        known[pid] = KnownPerson(pid, table["name"], table.get("hangul"),
                                 table.get("kind", "person"),
                                 frozenset(fold_name(n) for n in names))
    return known


def _people_tables(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            people = tomllib.loads(path.read_text(encoding="utf-8")).get("people", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if isinstance(people, dict):
            yield from ((pid, t) for pid, t in people.items() if isinstance(t, dict))
