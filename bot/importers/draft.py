"""A draft pack from what Wikidata and MusicBrainz say: a plain dict in the pack format
(docs/pack-format.md) that `render` writes as TOML for the loader to check.

Nothing is added that a record does not state. Every fact cites the Wikidata item at the
revision read (or the MusicBrainz release), plus each reference URL (P854) of its
statement as a source of its own; a fact with no reference therefore has one source and
is single-source. Where statements of a single-valued property disagree, the first
(preferred) value is the fact and the others its `also` readings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import tomlkit

from bot.importers import musicbrainz as mb
from bot.importers import wikidata as wd
from bot.packs.model import MONTHS

LICENCE = "CC0 1.0"  # Wikidata's data and MusicBrainz's core data
# P31 values that make an item a group rather than a person.
GROUP_ITEMS = frozenset({"Q215380", "Q9212979", "Q2088357", "Q5741069", "Q216337", "Q641066"})
HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")

Table = dict[str, Any]


def slugify(text: str) -> str:
    """"Han So-hee" -> "han-so-hee"; '' when nothing Latin is left (a Hangul-only name)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def has_hangul(text: str) -> bool:
    return bool(HANGUL_RE.search(text))


def fold_name(text: str) -> str:
    """Case and punctuation folded: 'Han So-hee' and 'han sohee'... differ; 'HAN So Hee' not."""
    return " ".join(re.findall(r"\w+", text.casefold()))


@dataclass(frozen=True)
class KnownPerson:
    """A person the packs folder already has, so an import reuses their id."""

    id: str
    name: str
    hangul: str | None
    kind: str
    names: frozenset[str]  # folded name and aliases


@dataclass
class Summary:
    """What an import found and what it did not, for the operator."""

    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Draft:
    """Collects sources, people and the drama's parts while the records are read."""

    def __init__(self, known: dict[str, KnownPerson] | None = None) -> None:
        self.known = known or {}
        self.sources: dict[str, Table] = {}
        self.people: dict[str, Table] = {}
        self.person_of_item: dict[str, str] = {}
        self.person_of_artist: dict[str, str] = {}
        self.drama: Table = {}
        self.sections: dict[str, list[Table]] = {"cast": [], "credits": [], "ost": []}
        self.summary = Summary()

    # -- sources ---------------------------------------------------------------------------

    def item_source(self, entity: wd.Entity) -> str:
        """The Wikidata item at the revision read: the id carries the revision, so two
        packs citing the same revision declare the very same source."""
        qid, revision = entity["id"], int(entity.get("lastrevid", 0))
        sid = f"wikidata-{qid.lower()}-r{revision}"
        name = wd.label(entity, "en") or wd.label(entity, "ko") or qid
        table: Table = {"kind": "database", "outlet": "Wikidata", "title": f"{name} ({qid})"}
        day = wd.modified(entity)
        if day is not None:
            table["published"] = day
        table.update(url=wd.revision_url(qid, revision), licence=LICENCE)
        self.sources.setdefault(sid, table)
        return sid

    def url_source(self, url: str) -> str:
        """A statement's reference URL (P854), known by its site's name."""
        host = urlsplit(url).netloc.lower().removeprefix("www.") or "web page"
        digest = hashlib.sha1(url.encode()).hexdigest()[:8]
        sid = f"web-{slugify(host)[:40].strip('-')}-{digest}"
        self.sources.setdefault(sid, {"kind": "other", "name": host, "url": url})
        return sid

    def release_source(self, release: mb.Release) -> str:
        sid = f"musicbrainz-release-{release.id}"
        self.sources.setdefault(sid, {
            "kind": "database", "outlet": "MusicBrainz", "title": release.title,
            "url": release.url, "licence": LICENCE})
        return sid

    def cite(self, base: str, statement: wd.Statement) -> list[str]:
        return [base, *(self.url_source(u) for u in statement.urls)]

    # -- facts -----------------------------------------------------------------------------

    def readings(self, statements: Iterable[wd.Statement], base: str,
                 convert: Callable[[wd.Statement], Any]) -> list[Table]:
        """One reading per distinct value, merging the sources of equal values."""
        found: dict[Any, Table] = {}
        for statement in statements:
            value = convert(statement)
            if value is None:
                continue
            reading = found.setdefault(value, {"value": value, "sources": []})
            for sid in self.cite(base, statement):
                if sid not in reading["sources"]:
                    reading["sources"].append(sid)
        return list(found.values())

    def single(self, statements: Iterable[wd.Statement], base: str,
               convert: Callable[[wd.Statement], Any]) -> Table | None:
        """A single-valued fact: the first reading, the others as `also`."""
        readings = self.readings(statements, base, convert)
        if not readings:
            return None
        fact = dict(readings[0])
        if readings[1:]:
            fact["also"] = readings[1:]
        return fact

    def item_label(self, qid: str, labels: dict[str, wd.Entity]) -> str | None:
        entity = labels.get(qid)
        name = wd.label(entity, "en") if entity else None
        if name is None:
            self.summary.missing.append(f"{qid} has no English label on Wikidata: left out")
        return name

    # -- people ----------------------------------------------------------------------------

    def add_person(self, entity: wd.Entity, labels: dict[str, wd.Entity]) -> str | None:
        """A person (or group) item as a `[people.<id>]` record; returns its id."""
        qid = entity["id"]
        if qid in self.person_of_item:
            return self.person_of_item[qid]
        native = [s.value.text for s in wd.truthy(entity, "P1559")
                  if isinstance(s.value, wd.Text) and s.value.language == "ko"]
        ko_label = wd.label(entity, "ko")
        name = wd.label(entity, "en") or ko_label or (native[0] if native else None)
        if name is None:
            self.summary.missing.append(f"{qid} (credited) has no name on Wikidata: left out")
            return None
        hangul = native[0] if native else (ko_label if ko_label and has_hangul(ko_label)
                                            else None)
        kind = "group" if GROUP_ITEMS & {s.value for s in wd.statements(entity, "P31")} \
            else "person"
        base = self.item_source(entity)
        record: Table = {"name": name}
        names = [*wd.aliases(entity, "en"), *wd.aliases(entity, "ko"), ko_label or ""]
        pid = self._person_id(record, hangul, kind, qid, names)
        groups = self._labelled(wd.statements(entity, "P463"), base, labels)
        jobs = self._labelled(wd.statements(entity, "P106"), base, labels)
        record.update({k: v for k, v in (("groups", groups), ("occupations", jobs)) if v})
        record["sources"] = [base]
        self.person_of_item[qid] = pid
        for statement in wd.truthy(entity, "P434"):
            if isinstance(statement.value, str):
                self.person_of_artist[statement.value] = pid
        return pid

    def _labelled(self, statements: list[wd.Statement], base: str,
                  labels: dict[str, wd.Entity]) -> list[Table]:
        def convert(s: wd.Statement) -> str | None:
            return self.item_label(s.value, labels) if isinstance(s.value, str) else None
        return self.readings(statements, base, convert)

    def _person_id(self, record: Table, hangul: str | None, kind: str, key: str,
                   names: list[str]) -> str:
        """Reuses a known person's id when name, Hangul and kind agree (the loader then
        merges the records); else a new id, suffixed with `key` if the slug is taken."""
        name = record["name"]
        match = self._known_match(name, hangul, kind)
        if match is not None:
            record["name"] = match.name  # the packs must agree on the spelling
            self.summary.notes.append(f"{name}: matched by name to the existing person "
                                      f"'{match.id}'; check that it is the same person")
            pid = match.id
        else:
            pid = slugify(name) or key.lower()
            if pid in self.known or pid in self.people:
                pid = f"{pid}-{slugify(key)}"
        aliases = [a for a in dict.fromkeys([name, *names])
                   if a and a != record["name"] and a != hangul]
        if hangul:
            record["hangul"] = hangul
        if aliases:
            record["aliases"] = aliases
        if kind != "person":
            record["kind"] = kind
        self.people[pid] = record
        return pid

    def _known_match(self, name: str, hangul: str | None, kind: str) -> KnownPerson | None:
        for known in self.known.values():
            if fold_name(name) in known.names and known.kind == kind and (
                    hangul is None or known.hangul in (None, hangul)):
                return known
        return None

    # -- the drama -------------------------------------------------------------------------

    def add_drama(self, entity: wd.Entity, labels: dict[str, wd.Entity]) -> str:
        """The [drama] table, cast and credits from the drama's item; returns the slug."""
        base = self.item_source(entity)
        self._titles(entity, base)
        self._platforms(entity, base, labels)
        self._dates(entity, base)
        count = self.single(wd.truthy(entity, "P1113"), base,
                            lambda s: s.value if isinstance(s.value, int) and s.value > 0
                            else None)
        if count:
            self.drama["episode_count"] = count
        country = self._labelled(wd.truthy(entity, "P495"), base, labels)
        if country:
            self.drama["country"] = country[0]
            for other in country[1:]:
                self.summary.notes.append(f"also from {other['value']} (the pack keeps one "
                                          "country)")
        for key, prop in (("genres", "P136"), ("production_companies", "P272"),
                          ("sequel_of", "P155"), ("followed_by", "P156")):
            facts = self._labelled(wd.statements(entity, prop), base, labels)
            if facts:
                self.drama[key] = facts
        self._cast(entity, base, labels)
        self._credits(entity, base, labels)
        self.drama["slug"] = slugify(str(self.drama["title"]["value"])) or entity["id"].lower()
        return str(self.drama["slug"])

    def _titles(self, entity: wd.Entity, base: str) -> None:
        titles = wd.truthy(entity, "P1476")
        def in_language(language: str) -> Callable[[wd.Statement], str | None]:
            return lambda s: s.value.text if isinstance(s.value, wd.Text) and \
                s.value.language == language else None
        english = self.single(titles, base, in_language("en"))
        korean = self.single(titles, base, in_language("ko"))
        en_label, ko_label = wd.label(entity, "en"), wd.label(entity, "ko")
        if english is None and en_label:
            english = {"value": en_label, "sources": [base]}
        if korean is None and ko_label and has_hangul(ko_label):
            korean = {"value": ko_label, "sources": [base]}
        if english is None:
            english = dict(korean or {"value": entity["id"], "sources": [base]})
            english["note"] = "no English title on record"
            self.summary.missing.append("no English title on Wikidata")
        self.drama["title"] = english
        if korean:
            self.drama["korean_title"] = korean
        names = [en_label, ko_label, *wd.aliases(entity, "en"), *wd.aliases(entity, "ko")]
        shown = {english["value"], korean["value"] if korean else None}
        aliases = [n for n in dict.fromkeys(names) if n and n not in shown]
        if aliases:
            self.drama["aliases"] = aliases

    def _platforms(self, entity: wd.Entity, base: str, labels: dict[str, wd.Entity]) -> None:
        found = self._labelled([*wd.truthy(entity, "P449"), *wd.truthy(entity, "P750")],
                               base, labels)
        if found:
            self.drama["platform"] = found[0]
        if found[1:]:
            self.drama["other_platforms"] = found[1:]

    def _dates(self, entity: wd.Entity, base: str) -> None:
        """Start and end dates at their precision: a year-only date is a year, not a day."""
        start = wd.truthy(entity, "P580")
        premiere = self.single(start, base, lambda s: _day(s.value))
        if premiere:
            self.drama["premiere"] = premiere
        elif start and isinstance(start[0].value, wd.Time):
            time = start[0].value
            year = {"value": time.year, "sources": self.cite(base, start[0])}
            if time.precision == 10:
                year["note"] = f"began in {MONTHS[time.month - 1]} {time.year}; day not on record"
            self.drama["year"] = year
            self.summary.missing.append("start date known only to the "
                                        f"{'month' if time.precision == 10 else 'year'}")
        finale = self.single(wd.truthy(entity, "P582"), base, lambda s: _day(s.value))
        if finale:
            self.drama["finale"] = finale
        elif wd.truthy(entity, "P582"):
            self.summary.missing.append("end date not known to the day: left out")

    def _cast(self, entity: wd.Entity, base: str, labels: dict[str, wd.Entity]) -> None:
        members = wd.statements(entity, "P161")
        ordered = sorted(enumerate(members), key=lambda im: (_ordinal(im[1]), im[0]))
        no_role = 0
        for _, statement in ordered:
            person = self.person_of_item.get(str(statement.value))
            if person is None:
                continue
            entry: Table = {"person": person}
            entry.update(self._role(statement, base, labels))
            no_role += "character" not in entry
            entry["sources"] = self.cite(base, statement)
            self.sections["cast"].append(entry)
        if no_role:
            self.summary.missing.append(f"{no_role} of {len(members)} cast member(s) with no "
                                        "role on record")

    def _role(self, statement: wd.Statement, base: str,
              labels: dict[str, wd.Entity]) -> Table:
        """The character: P453 (an item, with its Korean label) or P4633 (a name)."""
        sources = self.cite(base, statement)
        item, name = statement.qualifier("P453"), statement.qualifier("P4633")
        if isinstance(item, str) and item in labels:
            character = labels[item]
            role: Table = {}
            english, korean = wd.label(character, "en"), wd.label(character, "ko")
            if english:
                role["character"] = {"value": english, "sources": sources}
            if korean and has_hangul(korean):
                role["character_hangul"] = {"value": korean, "sources": sources}
            if role:
                return role
        if isinstance(name, str) and name.strip():
            return {"character": {"value": name.strip(), "sources": sources}}
        return {}

    def _credits(self, entity: wd.Entity, base: str, labels: dict[str, wd.Entity]) -> None:
        for job, prop in (("director", "P57"), ("writer", "P58")):
            for statement in wd.statements(entity, prop):
                person = self.person_of_item.get(str(statement.value))
                if person is not None:
                    self.sections["credits"].append(
                        {"person": person, "job": job, "sources": self.cite(base, statement)})

    # -- the OST ---------------------------------------------------------------------------

    def add_ost(self, main: mb.Release, latin: mb.Release | None) -> None:
        """Tracks in order: the Korean title from the release, the Latin one from its
        pseudo-release, artists, and the release's date, each citing its release."""
        main_sid = self.release_source(main)
        latin_sid = self.release_source(latin) if latin else None
        paired = latin if latin and len(latin.tracks) == len(main.tracks) else None
        if latin and paired is None:
            self.summary.notes.append("the Latin pseudo-release has another track count: "
                                      "its titles were not used")
        for track in main.tracks:
            entry = self._track(track, main, main_sid,
                                paired.tracks[track.number - 1] if paired else None, latin_sid)
            if entry is not None:
                self.sections["ost"].append(entry)
        if main.day is None:
            self.summary.missing.append("OST release date not known to the day: left out")
        self.summary.found.append(f"{len(self.sections['ost'])} OST track(s) from MusicBrainz")

    def _track(self, track: mb.Track, main: mb.Release, main_sid: str,
               latin: mb.Track | None, latin_sid: str | None) -> Table | None:
        artists = [{"person": self._artist_person(a, main_sid), "sources": [main_sid]}
                   for a in track.artists]
        if not artists:
            self.summary.missing.append(f"track {track.number} has no artist: left out")
            return None
        entry: Table = {"number": track.number}
        if has_hangul(track.title):
            if latin is not None and latin_sid is not None and not has_hangul(latin.title):
                entry["title"] = {"value": latin.title, "sources": [latin_sid]}
            entry["korean_title"] = {"value": track.title, "sources": [main_sid]}
        else:
            entry["title"] = {"value": track.title, "sources": [main_sid]}
        entry["artists"] = list({a["person"]: a for a in artists}.values())
        if main.day is not None:
            entry["release_date"] = {"value": main.day, "sources": [main_sid],
                                     "note": "the date of the release"}
        return entry

    def _artist_person(self, artist: mb.Artist, source: str) -> str:
        if artist.id in self.person_of_artist:
            return self.person_of_artist[artist.id]
        record: Table = {"name": artist.name}
        kind = "group" if artist.kind == "Group" else "person"
        hangul = artist.credited_as if has_hangul(artist.credited_as) and \
            not has_hangul(artist.name) else None
        pid = self._person_id(record, hangul, kind, artist.id[:8], [artist.credited_as])
        record["sources"] = [source]
        self.person_of_artist[artist.id] = pid
        return pid

    # -- the pack --------------------------------------------------------------------------

    def pack(self) -> Table:
        """The draft as a pack-format dict, empty sections left out."""
        pack: Table = {"format": 1, "sources": self.sources, "drama": self._drama_table()}
        pack.update({k: v for k, v in self.sections.items() if v})
        pack["people"] = self.people
        return pack

    def _drama_table(self) -> Table:
        order = ("slug", "title", "korean_title", "aliases")
        return {**{k: self.drama[k] for k in order if k in self.drama},
                **{k: v for k, v in self.drama.items() if k not in order}}


def _day(value: wd.Value) -> dt.date | None:
    return value.date if isinstance(value, wd.Time) else None


def _ordinal(statement: wd.Statement) -> float:
    """P1545 (series ordinal): the billing order; unnumbered entries go last."""
    value = statement.qualifier("P1545")
    try:
        return float(str(value)) if value is not None else float("inf")
    except ValueError:
        return float("inf")


# -- writing ----------------------------------------------------------------------------------

def render(pack: Table, header: Iterable[str] = ()) -> str:
    """The pack as TOML: facts as inline tables, the sections as [[tables]], as a person
    would write it."""
    doc = tomlkit.document()
    for line in header:
        doc.add(tomlkit.comment(line))
    doc.add("format", pack.get("format", 1))
    for key in ("sources", "people"):
        if key in pack and key != "people":
            doc.add(key, _super_table(pack[key]))
    doc.add("drama", _table(pack["drama"]))
    for key in ("episodes", "cast", "credits", "ost", "ost_unnumbered", "trivia"):
        if pack.get(key):
            aot = tomlkit.aot()
            for entry in pack[key]:
                aot.append(_table(entry))
            doc.add(key, aot)
    if pack.get("people"):
        doc.add("people", _super_table(pack["people"]))
    return tomlkit.dumps(doc)


def _super_table(tables: Table) -> Any:
    outer = tomlkit.table(is_super_table=True)
    for key, table in tables.items():
        outer.add(key, _table(table))
    return outer


def _table(values: Table) -> Any:
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, inline(value))
    return table


def inline(value: Any) -> Any:
    """A value as a TOML item, tables inline (facts read `{ value = ..., sources = [...] }`)."""
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        for key, item in value.items():
            table.append(key, inline(item))
        return table
    if isinstance(value, list):
        array = tomlkit.array()
        for item in value:
            array.append(inline(item))
        if any(isinstance(item, dict) for item in value):
            array.multiline(True)
        return array
    return tomlkit.item(value)
