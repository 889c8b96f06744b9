"""`--merge`: add a draft's facts to an existing (hand-written) pack without losing any.

Works on the tomlkit document of the existing file, so its comments and layout stay as the
author wrote them. The rules:
- a new fact, entry, person or source is added with its sources;
- a value the pack already has gains the draft's sources;
- a value that differs from the pack's becomes an "also reported as" reading (`also`),
  never an overwrite;
- nothing hand-written is removed.
Tracks are matched by title, not by number: a hand-written pack may number the OST by
release order where MusicBrainz numbers the album's positions. An imported track that
matches none, and whose number the pack already uses, goes to `[[ost_unnumbered]]` with
a note of its position on the release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping, MutableSequence
from typing import Any

import tomlkit

from bot.importers.draft import Summary, Table, inline

FACT_LIST_KEYS = ("former_titles", "genres", "production_companies", "other_platforms",
                  "sequel_of", "followed_by", "groups", "occupations", "notes")


def merge(existing_text: str, draft: Table, summary: Summary) -> str:
    """The existing pack's text with the draft merged in."""
    doc = tomlkit.parse(existing_text)
    changes = Changes(summary)
    _merge_sources(doc, draft.get("sources", {}), changes)
    _merge_record(doc.setdefault("drama", tomlkit.table()), draft["drama"], "drama", changes,
                  skip=("slug",))
    _merge_entries(doc, "cast", draft.get("cast", []), ("person",), changes)
    _merge_entries(doc, "credits", draft.get("credits", []), ("person", "job"), changes)
    _merge_tracks(doc, draft.get("ost", []), changes)
    people = doc.setdefault("people", tomlkit.table(is_super_table=True))
    for pid, record in draft.get("people", {}).items():
        if pid in people:
            _merge_record(people[pid], record, f"people.{pid}", changes,
                          skip=("name", "hangul", "kind"))
        else:
            people.append(pid, _table(record))
            changes.added(f"people.{pid}")
    summary.found.append(f"merge: {changes.count} change(s)")
    return tomlkit.dumps(doc)


class Changes:
    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.count = 0

    def added(self, where: str) -> None:
        self.count += 1

    def reading(self, where: str, value: object) -> None:
        self.count += 1
        self.summary.notes.append(f"{where}: Wikidata/MusicBrainz give {_show(value)}, "
                                  "kept as an 'also reported as' reading")


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _plain(value: Any) -> Any:
    return value.unwrap() if hasattr(value, "unwrap") else value


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
    return bool(a == b and type(a) is type(b))


def _is_fact(value: Any) -> bool:
    return isinstance(value, MutableMapping) and "value" in value and "sources" in value


def _merge_sources(doc: Any, sources: Table, changes: Changes) -> None:
    table = doc.setdefault("sources", tomlkit.table(is_super_table=True))
    for sid, source in sources.items():
        if sid not in table:
            table.append(sid, _table(source))
            changes.added(f"sources.{sid}")


def _add_sources(target: MutableSequence[Any], sources: list[str], changes: Changes) -> None:
    for sid in sources:
        if sid not in [_plain(s) for s in target]:
            target.append(sid)
            changes.added("sources")


def _merge_fact(existing: MutableMapping[str, Any], new: Table, where: str,
                changes: Changes) -> None:
    """Same value: more sources. Another value: one more reading. Never an overwrite."""
    for reading in [existing, *existing.get("also", [])]:
        if _same(reading["value"], new["value"]):
            _add_sources(reading["sources"], new["sources"], changes)
            return
    if "also" not in existing:
        existing["also"] = inline([])
        existing["also"].multiline(True)
    existing["also"].append(inline({"value": new["value"], "sources": new["sources"]}))
    changes.reading(where, new["value"])


def _merge_fact_list(existing: MutableSequence[Any], new: list[Table], where: str,
                     changes: Changes) -> None:
    for fact in new:
        match = next((f for f in existing if _same(f["value"], fact["value"])), None)
        if match is None:
            existing.append(inline(fact))
            changes.added(where)
        else:
            _add_sources(match["sources"], fact["sources"], changes)


def _merge_record(existing: MutableMapping[str, Any], new: Table, where: str,
                  changes: Changes, skip: tuple[str, ...] = ()) -> None:
    """A table (the drama, a cast entry, a person): key by key."""
    for key, value in new.items():
        path = f"{where}.{key}"
        if key in skip and key in existing:
            if not _same(existing[key], value):
                kept = _show(_plain(existing[key]))
                changes.summary.notes.append(f"{path}: the pack says {kept}, the import "
                                             f"{_show(value)}; the pack's is kept")
            continue
        if key not in existing:
            existing[key] = inline(value)
            changes.added(path)
        elif key == "sources":
            _add_sources(existing[key], value, changes)
        elif key == "aliases":
            for alias in value:
                if alias not in [_plain(a) for a in existing[key]]:
                    existing[key].append(alias)
                    changes.added(path)
        elif key == "artists":
            _merge_artists(existing[key], value, path, changes)
        elif _is_fact(value) and _is_fact(existing[key]):
            _merge_fact(existing[key], value, path, changes)
        elif key in FACT_LIST_KEYS:
            _merge_fact_list(existing[key], value, path, changes)


def _merge_artists(existing: MutableSequence[Any], new: list[Table], where: str,
                   changes: Changes) -> None:
    """A track's artists by person: more sources for one already credited, else added."""
    for artist in new:
        match = next((a for a in existing if _same(a["person"], artist["person"])), None)
        if match is None:
            existing.append(inline(artist))
            changes.added(where)
        else:
            _add_sources(match["sources"], artist["sources"], changes)


def _merge_entries(doc: Any, key: str, entries: list[Table], match_on: tuple[str, ...],
                   changes: Changes) -> None:
    """Cast entries by person, credits by person and job."""
    section = doc.get(key)
    for entry in entries:
        same = None if section is None else next(
            (e for e in section if all(_same(e.get(k), entry.get(k)) for k in match_on)), None)
        if same is not None:
            _merge_record(same, entry, f"{key}[{entry['person']}]", changes)
            continue
        if section is None:
            section = tomlkit.aot()
            doc.append(key, section)
        section.append(_table(entry))
        changes.added(key)


def _merge_tracks(doc: Any, tracks: list[Table], changes: Changes) -> None:
    section = doc.get("ost")
    for track in tracks:
        same = _matching_track(section, track)
        if same is not None:
            _merge_record(same, track, f"ost[{_plain(same['number'])}]", changes,
                          skip=("number",))
            continue
        numbers = {_plain(t["number"]) for t in section} if section is not None else set()
        if track["number"] not in numbers:
            if section is None:
                section = tomlkit.aot()
                doc.append("ost", section)
            section.append(_table(track))
        else:
            _unnumbered(doc, track)
        changes.added("ost")


def _matching_track(section: Any, track: Table) -> Any:
    if section is None:
        return None
    titles = [track[k]["value"] for k in ("title", "korean_title") if k in track]
    for existing in section:
        for key in ("title", "korean_title"):
            fact = existing.get(key)
            readings = [fact, *fact.get("also", [])] if fact is not None else []
            if any(_same(r["value"], t) for r in readings for t in titles):
                return existing
    return None


def _unnumbered(doc: Any, track: Table) -> None:
    """A track whose number the pack uses for another song: kept, without the number."""
    entry = {k: v for k, v in track.items() if k != "number"}
    source = track["artists"][0]["sources"]
    entry["notes"] = [{"value": f"Track {track['number']} of the MusicBrainz release",
                       "sources": source}]
    section = doc.get("ost_unnumbered")
    if section is None:
        section = tomlkit.aot()
        doc.append("ost_unnumbered", section)
    section.append(_table(entry))


def _table(values: Table) -> Any:
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, inline(value))
    return table
