"""Reading Wikidata: entities through the action API (`wbgetentities`, at most 50 ids a
call; `wbsearchentities` for a title), and their statements as plain values.

The format is the one `Special:EntityData` and `wbgetentities` share (see
shared/reference/wikidata/README.md): claims by property, each with a rank, a main snak,
qualifiers and references. What this module decides once, for every property:
- deprecated statements are skipped, and statements without a value (somevalue/novalue);
- `truthy` keeps the preferred statements when a property has any (they win), else the
  normal ones;
- a reference's P854 (reference URL) is a source of its own; a reference that only says
  P143 ("imported from Wikipedia") adds none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.importers.http import ImportFailed, NotFound, PoliteClient

PUBLIC_SITE = "https://www.wikidata.org"  # citation links always point here
MAX_IDS = 50  # wbgetentities' limit per call
LANGUAGES = ("en", "ko")

Entity = dict[str, Any]


@dataclass(frozen=True)
class Time:
    """A Wikidata time value: `precision` 11 is a day, 10 a month, 9 a year."""

    year: int
    month: int
    day: int
    precision: int

    @property
    def date(self) -> dt.date | None:
        """The calendar day, only when the value is precise to the day."""
        return dt.date(self.year, self.month, self.day) if self.precision >= 11 else None


@dataclass(frozen=True)
class Text:
    """A monolingual text (P1476 title, P1559 native name)."""

    text: str
    language: str


Value = str | int | Time | Text  # an item id ("Q884"), a string, a quantity, ...


@dataclass(frozen=True)
class Statement:
    value: Value
    rank: str
    qualifiers: dict[str, tuple[Value, ...]] = field(default_factory=dict)
    urls: tuple[str, ...] = ()  # the references' P854, in order, without repeats

    def qualifier(self, prop: str) -> Value | None:
        values = self.qualifiers.get(prop, ())
        return values[0] if values else None


class Wikidata:
    """The action API of one Wikidata (or a server speaking it)."""

    def __init__(self, client: PoliteClient, base: str) -> None:
        self.client = client
        self.url = base.rstrip("/") + "/w/api.php"

    async def entities(self, ids: Iterable[str],
                       progress: Callable[[int], None] | None = None) -> dict[str, Entity]:
        """The entities for `ids`, fetched 50 at a time, one call after the other. An id
        Wikidata does not have is left out (the caller reports it)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Entity] = {}
        for start in range(0, len(wanted), MAX_IDS):
            batch = wanted[start:start + MAX_IDS]
            data = await self.client.get_json(self.url, {
                "action": "wbgetentities", "ids": "|".join(batch), "format": "json"})
            found.update(_entities_of(data))
            if progress is not None:
                progress(len(batch))
        return found

    async def entity(self, qid: str) -> Entity:
        found = await self.entities([qid])
        if qid not in found:
            raise NotFound(f"Wikidata has no item {qid}")
        return found[qid]

    async def search(self, text: str, limit: int = 10) -> list[str]:
        """The Q-ids of items whose label or alias matches `text`, best first."""
        data = await self.client.get_json(self.url, {
            "action": "wbsearchentities", "search": text, "language": "en", "type": "item",
            "limit": str(limit), "format": "json"})
        if not isinstance(data, dict) or "search" not in data:
            raise ImportFailed(f"Wikidata's search answered without results: {_error(data)}")
        return [hit["id"] for hit in data["search"] if isinstance(hit, dict) and "id" in hit]


def _entities_of(data: Any) -> dict[str, Entity]:
    if not isinstance(data, dict) or "entities" not in data:
        raise ImportFailed(f"Wikidata answered without entities: {_error(data)}")
    return {qid: e for qid, e in data["entities"].items()
            if isinstance(e, dict) and "missing" not in e}


def _error(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return str(data["error"].get("info") or data["error"].get("code"))
    return "unexpected answer"


# -- reading an entity ----------------------------------------------------------------------

def revision_url(qid: str, revision: int) -> str:
    """A link that shows the item as it was at `revision`."""
    return f"{PUBLIC_SITE}/w/index.php?title={qid}&oldid={revision}"


def label(entity: Entity, language: str) -> str | None:
    return _text_in(entity.get("labels", {}), language)


def aliases(entity: Entity, language: str) -> list[str]:
    found = entity.get("aliases", {}).get(language, [])
    return [a["value"] for a in found if isinstance(a, dict) and a.get("value")]


def _text_in(table: Any, language: str) -> str | None:
    entry = table.get(language) if isinstance(table, dict) else None
    return entry.get("value") if isinstance(entry, dict) and entry.get("value") else None


def modified(entity: Entity) -> dt.date | None:
    """The day of the revision read (the `modified` timestamp)."""
    stamp = entity.get("modified")
    try:
        return dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def statements(entity: Entity, prop: str) -> list[Statement]:
    """Every usable statement of `prop`: not deprecated, with a value; preferred first."""
    found = []
    for claim in entity.get("claims", {}).get(prop, []):
        rank = claim.get("rank", "normal")
        value = snak_value(claim.get("mainsnak", {}))
        if rank == "deprecated" or value is None:
            continue
        found.append(Statement(value, rank, _qualifiers(claim), _urls(claim)))
    return sorted(found, key=lambda s: s.rank != "preferred")


def truthy(entity: Entity, prop: str) -> list[Statement]:
    """The statements that hold: the preferred ones if there are any, else all normal."""
    found = statements(entity, prop)
    preferred = [s for s in found if s.rank == "preferred"]
    return preferred or found


def item_ids(entity: Entity, props: Sequence[str], *, qualifiers: bool = True) -> list[str]:
    """The item ids that `props` point at: main values, and item qualifiers (a P453
    character) unless `qualifiers` is false."""
    ids = []
    for prop in props:
        for s in statements(entity, prop):
            extra = [q for qs in s.qualifiers.values() for q in qs] if qualifiers else []
            ids += [v for v in (s.value, *extra) if isinstance(v, str) and _is_qid(v)]
    return list(dict.fromkeys(ids))


def _is_qid(text: str) -> bool:
    return text[:1] == "Q" and text[1:].isdigit()


def snak_value(snak: dict[str, Any]) -> Value | None:
    """The plain value of a snak, or None (somevalue, novalue, a type not used here)."""
    if snak.get("snaktype") != "value":
        return None
    datavalue = snak.get("datavalue", {})
    kind, value = datavalue.get("type"), datavalue.get("value")
    if kind == "wikibase-entityid" and isinstance(value, dict):
        return value.get("id")
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "monolingualtext" and isinstance(value, dict):
        return Text(value.get("text", ""), value.get("language", ""))
    if kind == "quantity" and isinstance(value, dict):
        return _quantity(value.get("amount"))
    if kind == "time" and isinstance(value, dict):
        return _time(value)
    return None


def _quantity(amount: object) -> int | None:
    """Quantities are signed decimal strings ("+16"); only whole numbers are used."""
    try:
        number = float(str(amount))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _time(value: dict[str, Any]) -> Time | None:
    """"+2022-03-23T00:00:00Z" with its precision; BCE and malformed times are skipped."""
    text, precision = str(value.get("time", "")), int(value.get("precision", 0))
    if not text.startswith("+") or precision < 9:
        return None
    try:
        year, month, day = (int(part) for part in text[1:11].split("-"))
    except ValueError:
        return None
    return Time(year, max(month, 1), max(day, 1), precision)


def _qualifiers(claim: dict[str, Any]) -> dict[str, tuple[Value, ...]]:
    found: dict[str, tuple[Value, ...]] = {}
    for prop, snaks in claim.get("qualifiers", {}).items():
        values = tuple(v for v in (snak_value(s) for s in snaks) if v is not None)
        if values:
            found[prop] = values
    return found


def _urls(claim: dict[str, Any]) -> tuple[str, ...]:
    """The P854 reference URLs of a statement; P143-only references add nothing."""
    urls: list[str] = []
    for reference in claim.get("references", []):
        for snak in reference.get("snaks", {}).get("P854", []):
            value = snak_value(snak)
            if isinstance(value, str) and value not in urls:
                urls.append(value)
    return tuple(urls)
