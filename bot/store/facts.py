"""The fact store: the read-only SQLite file compiled from the data packs, and its async
query API (the contract in bot/store/API.md).

Facts are stored as JSON of the pack dataclasses (`to_json` / `from_json` below), so a fact
keeps every reading, source, note and episode from the pack file to the reply. Name lookups
never touch SQL: the build stores two `NameIndex`es (dramas, people) ready-made,
`FactStore.open` reads them back, and `resolve_*` / `complete_*` run in memory.

The store knows nothing of Discord. It opens the file read-only; `bot.store.build` replaces
the file atomically, and an open store keeps reading the file it opened until reopened.
"""

from __future__ import annotations

import asyncio
import copyreg
import dataclasses
import datetime as dt
import hashlib
import io
import json
import pickle
import random
import sqlite3
import types
import typing
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import orjson

from bot.packs.model import (
    CastEntry,
    Credit,
    Person,
    Source,
    Track,
)
from bot.store.models import (
    CrewRole,
    DramaInfo,
    DramaRef,
    Match,
    PersonInfo,
    PersonRef,
    Resolution,
    Role,
    TrackInfo,
)
from bot.store.names import KEY_VERSION, NameIndex, NameRow, clip, loose, search_key

# Bump when sql/facts.sql or the JSON encoding changes (the build fingerprint includes it,
# so a new version forces a rebuild; FactStore.open refuses a store of another version).
SCHEMA_VERSION = 4  # 4: dramas.info holds the person refs

# Decoded DramaInfo / PersonInfo kept per store: the store never changes while it is open,
# and fans ask about the same few dramas and people again and again.
INFO_CACHE_SIZE = 256
# A result is kept from its key's second read among the last SEEN_SIZE keys read once:
# what is asked about once is dropped as soon as it is answered (see InfoCache).
SEEN_SIZE = 4 * INFO_CACHE_SIZE
# Results read ahead of an ask (`expected`), held until asked or pushed out by newer ones:
# a few, briefly, since most will be asked within seconds or never.
EXPECTED_SIZE = 32

SCHEMA_PATH = Path(__file__).with_name("sql") / "facts.sql"

# The store keeps each drama's parts pickled (`dramas.info`): a pickle is tied to the
# dataclasses that made it, so the build records a hash of their source, the fingerprint
# includes it (a change forces a rebuild) and FactStore.open refuses a store made by others.
MODEL_HASH = hashlib.sha256(b"".join(
    (Path(__file__).parents[1] / part).read_bytes()
    for part in ("packs/model.py", "store/models.py"))).hexdigest()[:16]

SQL_CHUNK = 500  # ids per "IN (...)": well under SQLite's parameter limit
# sample_dramas reads a dramas table whole when its rowid range is at most
# FACTOR x (n + excluded) + MIN rows (cheap at that size, and random draws would mostly
# collide); otherwise it draws rowids for up to SAMPLE_ROUNDS rounds.
SAMPLE_SCAN_FACTOR = 4
SAMPLE_SCAN_MIN = 64
SAMPLE_ROUNDS = 4

T = TypeVar("T")
V = TypeVar("V")


class FactStoreError(Exception):
    """The fact store file is missing, unreadable or from another schema version: rebuild it
    with `dramabot db build`."""


# -- JSON codec for the pack dataclasses ---------------------------------------------------

def to_jsonable(obj: object, cited: set[str] | None = None) -> Any:
    """Plain JSON data for a pack dataclass tree. Fields left at their default are omitted
    (smaller rows); dates become {"$date": "YYYY-MM-DD"} so they stay apart from strings.
    `cited`, if given, gets the source ids `cited_sources` would find, from the same walk
    (no default of the model holds a source, so the omitted fields cite none)."""
    return _encode(obj, set() if cited is None else cited)


def _encode(obj: object, cited: set[str]) -> Any:
    if obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, tuple | list):
        return [_encode(v, cited) for v in obj]
    if isinstance(obj, dt.date):
        return {"$date": obj.isoformat()}
    if isinstance(obj, dict):
        return {str(k): _encode(v, cited) for k, v in obj.items()}
    out = {}
    for name, default in _field_defaults(type(obj)):
        value = getattr(obj, name)
        if value is default or (default is not _REQUIRED and value == default):
            continue
        kind = type(value)
        if kind in _PLAIN:
            out[name] = value
        elif kind is tuple:  # inline, not a call per tuple: most are of plain items
            if name == "sources":
                cited.update(v for v in value if isinstance(v, str))
            out[name] = [v if type(v) in _PLAIN else _encode(v, cited) for v in value]
        else:
            out[name] = _encode(value, cited)
    return out


_PLAIN = frozenset({str, int, bool, type(None)})  # JSON as they are (most fields)


_REQUIRED = object()


_DEFAULTS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _field_defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, default) per field of a dataclass (cached); _REQUIRED for no default."""
    if cls not in _DEFAULTS:
        _DEFAULTS[cls] = _compute_defaults(cls)
    return _DEFAULTS[cls]


def _compute_defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"cannot encode {cls.__name__}")
    specs = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            specs.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:
            specs.append((f.name, f.default_factory()))
        else:
            specs.append((f.name, _REQUIRED))
    return tuple(specs)


def to_json(obj: object, cited: set[str] | None = None) -> str:
    """The JSON text of `to_jsonable(obj, cited)`, compact, non-ASCII as it is."""
    data = to_jsonable(obj, cited)
    try:  # orjson writes the same text as json.dumps below, in a tenth of its time
        return orjson.dumps(data).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def from_json(cls: type[T], text: str) -> T:
    """Decode `to_json` output back into `cls` (a pack dataclass)."""
    return typing.cast(T, _decoder(cls)(orjson.loads(text)))


def from_jsonable(tp: Any, data: Any) -> Any:
    """Rebuild a value of type `tp` from `to_jsonable` output."""
    return _decoder(tp)(data)


Decoder = Callable[[Any], Any]


_DECODERS: dict[Any, Decoder] = {}


def _decoder(tp: Any) -> Decoder:
    """The decoder for `tp`, compiled on first use."""
    if tp not in _DECODERS:
        _DECODERS[tp] = _compile_decoder(tp)
    return _DECODERS[tp]


def _compile_decoder(tp: Any) -> Decoder:
    """A decoding function for type `tp` (dataclass, union, tuple, dict, date, scalar),
    compiled once per type from the dataclasses' own annotations, so the model stays the
    single description of the data and decoding does no type inspection per value."""
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        return _union_decoder(typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda data: tuple(map(item, data))
        items = [_decoder(a) for a in args]
        return lambda data: tuple(f(d) for f, d in zip(items, data, strict=True))
    if origin is dict:
        value = _decoder(typing.get_args(tp)[1])
        return lambda data: {k: value(v) for k, v in data.items()}
    if tp is dt.date:
        return _date
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    return _same


def _same(data: Any) -> Any:
    return data


def _date(data: Any) -> dt.date:
    return dt.date.fromisoformat(data["$date"])


_IMMUTABLE = (str, int, float, bool, tuple, frozenset, dt.date, type(None))


def _dataclass_decoder(cls: type) -> Decoder:
    """Decode a dataclass without calling its `__init__`: a frozen dataclass's `__init__`
    sets each field through `object.__setattr__`, and that was most of the time `/drama`
    spent on a drama not cached yet. The instance gets its defaults, then the decoded
    fields, as its `__dict__` (what `__init__` would produce: the model dataclasses have no
    `__post_init__` and no slots). A class with a mutable default or a row missing a
    required field goes through `__init__`, which copies defaults and names the field."""
    fields = {name: _decoder(tp) for name, tp in typing.get_type_hints(cls).items()}
    specs = _field_defaults(cls)
    defaults = {name: value for name, value in specs if value is not _REQUIRED}
    required = frozenset(name for name, value in specs if value is _REQUIRED)
    direct = (not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")
              and all(isinstance(v, _IMMUTABLE) for v in defaults.values()))

    def decode(data: Any) -> Any:
        values = {k: fields[k](v) for k, v in data.items() if k in fields}
        if not direct or not required <= values.keys():
            return cls(**values)
        obj: Any = object.__new__(cls)
        object.__setattr__(obj, "__dict__", {**defaults, **values})
        return obj
    return decode


def _union_decoder(args: tuple[Any, ...]) -> Decoder:
    """Unions in the model are `X | None` and `str | int | date` (FactValue): JSON's own
    types tell them apart, and dates carry their "$date" marker."""
    dataclass_arg = next((a for a in args if dataclasses.is_dataclass(a)), None)
    inner = _decoder(dataclass_arg) if dataclass_arg is not None else _same

    def decode(data: Any) -> Any:
        if isinstance(data, dict):
            return _date(data) if "$date" in data else inner(data)
        return data
    return decode


# -- the stored parts of a drama (dramas.info) -------------------------------------------

def dump_info(parts: tuple[object, ...]) -> bytes:
    """A drama's parts pickled for `dramas.info`, each dataclass without the fields left
    at their defaults: unpickling builds every instance's dict field by field, and that
    is most of what a first ask of a drama spends reading it. `pickle.loads` reads the
    result as it reads a plain pickle (a field not in an instance's dict reads the
    default, which a dataclass keeps on its class), so readers need no change."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _LeanReducers()
    pickler.dump(parts)
    return buffer.getvalue()


class _LeanReducers(dict[type, Callable[[Any], Any]]):
    """The pickler's reducers by class, found on first sight: `_lean_reduce` for the
    dataclasses whose defaults are class attributes; a KeyError (pickle as usual) for
    any other class."""

    def __missing__(self, cls: type) -> Callable[[Any], Any]:
        if cls not in _LEAN:
            _LEAN[cls] = _lean_defaults(cls)
        if _LEAN[cls] is None:
            raise KeyError(cls)
        self[cls] = _lean_reduce
        return _lean_reduce


_LEAN: dict[type, dict[str, Any] | None] = {}
# The reducer pickle writes as its NEWOBJ opcode, as for any plain instance.
_NEWOBJ: Callable[..., Any] = copyreg.__newobj__  # type: ignore[attr-defined]  # untyped


def _lean_defaults(cls: type) -> dict[str, Any] | None:
    """Each field's default, for a dataclass whose every default is a class attribute
    (no default_factory, no slots); None for any other class."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__slots__"):
        return None
    fields = dataclasses.fields(cls)
    if any(f.default_factory is not dataclasses.MISSING for f in fields):
        return None
    return {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}


def _lean_reduce(obj: Any) -> tuple[Any, ...]:
    defaults = _LEAN[type(obj)]
    assert defaults is not None
    state = {name: value for name, value in vars(obj).items()
             if name not in defaults or value != defaults[name]}
    return _NEWOBJ, (type(obj),), state


def cited_sources(*objs: object) -> set[str]:
    """Every source id cited anywhere inside the given dataclass trees (any `sources`
    field: readings, cast entries, credits, artist credits, questions, people)."""
    found: set[str] = set()
    stack: list[object] = list(objs)
    while stack:
        obj = stack.pop()
        names = _walked_fields(type(obj))
        if names is not None:
            for name in names:
                value = getattr(obj, name)
                if name == "sources" and isinstance(value, tuple):
                    found.update(v for v in value if isinstance(v, str))
                elif type(value) not in _LEAVES:
                    stack.append(value)
        elif isinstance(obj, tuple | list):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
    return found


_LEAVES = frozenset({str, int, bool, type(None), dt.date})  # nothing inside to walk
_WALKED: dict[type, tuple[str, ...] | None] = {}


def _walked_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass (cached per class: `dataclasses.fields` on every
    object was most of a build's time in cited_sources); None for any other type."""
    if cls not in _WALKED:
        _WALKED[cls] = (tuple(f.name for f in dataclasses.fields(cls))
                        if dataclasses.is_dataclass(cls) else None)
    return _WALKED[cls]


# -- the store -----------------------------------------------------------------------------

class FactStore:
    """Async, read-only queries over a built fact store, plus the in-memory name index.

    Queries run on a plain `sqlite3` connection on the event loop's own thread, not through
    a worker thread as aiosqlite does: the file is local and read-only, and every query
    the commands make is an indexed lookup of tens of microseconds, ten times less than
    handing it to a thread and back (measured: 14 µs against 140 µs). The few reads whose
    cost grows with the store (every drama, every person) run in a worker thread on a
    connection of their own, so they never hold up the loop. The API stays `async`, so
    callers need not know."""

    def __init__(self, conn: sqlite3.Connection, path: Path, dramas: NameIndex,
                 people: NameIndex) -> None:
        self._conn = conn
        self.path = path
        self.drama_names = dramas
        self.people_names = people
        # Every source, decoded once: outlets and articles number in the hundreds at most,
        # and every reply's footer needs some.
        self._sources = {str(r[0]): from_json(Source, r[1]) for r in conn.execute(
            "SELECT id, data FROM sources ORDER BY id")}
        self._dramas: InfoCache[DramaInfo] = InfoCache()
        self._people: InfoCache[PersonInfo] = InfoCache()

    @classmethod
    async def open(cls, path: Path | str) -> FactStore:
        """Open a built store read-only and read back its name indexes (in a worker
        thread: tens of megabytes at 100,000 dramas). Raises FactStoreError if the file is
        missing or was built by another schema version."""
        path = Path(path)
        if not path.is_file():
            raise FactStoreError(f"no fact store at {path}: run `dramabot db build`")
        conn, dramas, people = await asyncio.to_thread(_open, path)
        return cls(conn, path, dramas, people)

    async def close(self) -> None:
        self._conn.close()

    def clear_caches(self) -> None:
        """Drop the cached DramaInfo and PersonInfo results (the bot switched to a rebuilt
        store: they are of no more use, and later reads here just read again)."""
        self._dramas.clear()
        self._people.clear()

    async def meta(self) -> dict[str, str]:
        """Build metadata: schema_version, fingerprint, built_at, counts."""
        rows = await self._all("SELECT key, value FROM meta")
        return {str(k): str(v) for k, v in rows}

    async def count_dramas(self) -> int:
        """How many dramas `dramas()` lists, without reading them."""
        return await self._count("dramas")

    async def count_people(self) -> int:
        """How many people and groups `people()` lists (no `kind` filter), without reading
        them."""
        return await self._count("people")

    async def _count(self, table: str) -> int:
        """The row count the build recorded in `meta` under the table's name (one indexed
        read, where COUNT(*) walks a whole index); COUNT(*) if it is missing."""
        row = await self._one("SELECT value FROM meta WHERE key = ?", table)
        if row is not None and str(row[0]).isdigit():
            return int(row[0])
        row = await self._one(f"SELECT count(*) FROM {table}")
        return int(row[0]) if row else 0

    # -- dramas ---------------------------------------------------------------------------

    async def dramas(self, limit: int | None = None) -> tuple[DramaRef, ...]:
        """Every drama (or the first `limit`), ordered by title."""
        sql = "SELECT slug, title, korean_title FROM dramas ORDER BY sort_key, slug"
        rows = await (self._all_in_thread(sql) if limit is None
                      else self._all(sql + " LIMIT ?", [limit]))
        return tuple(DramaRef(*r) for r in rows)

    async def drama_ref(self, slug: str) -> DramaRef | None:
        row = await self._one("SELECT slug, title, korean_title FROM dramas WHERE slug = ?",
                              slug)
        return DramaRef(*row) if row else None

    async def drama(self, slug: str, *, expected: bool = False) -> DramaInfo | None:
        """Everything about one drama; `sources` holds every source any part cites.
        `expected`: the caller reads ahead of an ask it expects (a fan typing the title),
        so the result is held for that ask (`InfoCache`)."""
        return await _through_cache(self._dramas, slug, self._read_drama, expected)

    async def _read_drama(self, slug: str) -> DramaInfo | None:
        """One row, unpickled: the build stored the parts ready-made, the people's refs
        too (decoding some 70 dataclasses from JSON was most of a first ask's time)."""
        row = await self._one("SELECT info, cited FROM dramas WHERE slug = ?", slug)
        if row is None:
            return None
        if row[0] is None:  # the build always writes it: a row added by hand
            raise FactStoreError(f"drama {slug!r} has no stored parts: rebuild the store")
        drama, cast, crew, episodes, tracks, trivia, questions = pickle.loads(row[0])
        return DramaInfo(drama, cast, crew, episodes, tracks, trivia, questions,
                         await self.sources(orjson.loads(row[1])))

    async def resolve_drama(self, text: str) -> Resolution:
        """Slug, title, former title, alias or Korean title to one drama."""
        return self.drama_names.resolve(text)

    async def complete_dramas(self, text: str, limit: int = 25) -> list[Match]:
        return self.drama_names.complete(text, limit)

    # -- people ---------------------------------------------------------------------------

    async def person(self, person_id: str, *, expected: bool = False) -> PersonInfo | None:
        """A person with every role, crew credit and track across all dramas; `expected`
        as for `drama`."""
        return await _through_cache(self._people, person_id, self._read_person, expected)

    async def _read_person(self, person_id: str) -> PersonInfo | None:
        row = await self._one("SELECT data, cited FROM people WHERE id = ?", person_id)
        if row is None:
            return None
        person = from_json(Person, row[0])
        roles = tuple(Role(ref, e) for ref, e in await self._by_person(
            CastEntry, "cast_entries", person_id))
        crew = tuple(CrewRole(ref, c) for ref, c in await self._by_person(
            Credit, "credits", person_id))
        tracks = tuple(info for _, info in await self._track_infos(
            "(t.slug, t.number) IN (SELECT slug, number FROM track_artists"
            " WHERE person_id = ?)", (person_id,)))
        return PersonInfo(person, roles, crew, tracks, await self.sources(orjson.loads(row[1])))

    async def _by_person(self, cls: type[T], table: str,
                         person_id: str) -> list[tuple[DramaRef, T]]:
        rows = await self._all(
            f"SELECT d.slug, d.title, d.korean_title, x.data FROM {table} x"
            " JOIN dramas d ON d.slug = x.slug WHERE x.person_id = ?"
            " ORDER BY d.sort_key, d.slug, x.position", (person_id,))
        return [(DramaRef(r[0], r[1], r[2]), from_json(cls, r[3])) for r in rows]

    async def person_ref(self, person_id: str) -> PersonRef | None:
        return (await self.person_refs([person_id])).get(person_id)

    async def person_refs(self, ids: Iterable[str]) -> dict[str, PersonRef]:
        """PersonRefs by id for the ids that exist."""
        rows = await self._in("SELECT id, name, hangul FROM people WHERE id IN ({})", ids)
        return {r[0]: PersonRef(r[0], r[1], r[2]) for r in rows}

    async def people(self, limit: int | None = None,
                     kind: str | None = None) -> tuple[PersonRef, ...]:
        """People by name (quiz distractors); `kind` "person" or "group" filters."""
        sql = "SELECT id, name, hangul FROM people"
        params: list[object] = []
        if kind is not None:
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " ORDER BY sort_key, id"
        if limit is None:
            rows = await self._all_in_thread(sql, params)
        else:
            rows = await self._all(sql + " LIMIT ?", [*params, limit])
        return tuple(PersonRef(*r) for r in rows)

    async def resolve_person(self, text: str) -> Resolution:
        """Name, Hangul, alias or romanisation variant to one person (characters excluded)."""
        return self.people_names.resolve(text)

    async def complete_people(self, text: str, limit: int = 25) -> list[Match]:
        return self.people_names.complete(text, limit)

    # -- tracks ---------------------------------------------------------------------------

    async def track(self, slug: str, number: int) -> TrackInfo | None:
        found = await self._track_infos("t.slug = ? AND t.number = ?", (slug, number))
        return found[0][1] if found else None

    async def tracks(self, slug: str) -> tuple[TrackInfo, ...]:
        """A drama's OST, ordered by number (only the tracks the pack lists); from the
        cached drama, which `/ost` and the quiz read again and again."""
        info = await self.drama(slug)
        return info.tracks if info is not None else ()

    async def search_tracks(self, query: str, limit: int = 25) -> tuple[TrackInfo, ...]:
        """Tracks whose English or Korean title, or any artist's name, Hangul or alias
        contains the query (folded; loose romanisation too). Exact title/artist matches
        first, then prefixes, then the rest; empty query -> ()."""
        key = search_key(clip(query))
        if not key or limit <= 0:
            return ()
        rows = await self._all(
            "SELECT id FROM track_search WHERE instr(search, ?1) > 0 OR instr(search, ?2) > 0"
            " ORDER BY CASE WHEN instr(search, '|' || ?1 || '|') > 0 THEN 0"
            " WHEN instr(search, '|' || ?1) > 0 THEN 1 ELSE 2 END,"
            " sort_key, slug, number LIMIT ?3", (key, _loose_query(key), limit))
        ids = [r[0] for r in rows]
        found = await self._track_infos(f"t.id IN ({','.join('?' * len(ids))})", ids)
        by_id = dict(found)
        return tuple(by_id[i] for i in ids)

    async def _track_infos(self, where: str,
                           params: Sequence[object]) -> list[tuple[int, TrackInfo]]:
        """(track id, TrackInfo) for the tracks matching `where` (over `tracks t`), by
        drama title then number, with the artists' PersonRefs in credit order."""
        rows = await self._all(
            "SELECT t.id, t.slug, d.title, d.korean_title, t.data FROM tracks t"
            f" JOIN dramas d ON d.slug = t.slug WHERE {where}"
            " ORDER BY d.sort_key, t.slug, t.number", params)
        tracks = [(r[0], DramaRef(r[1], r[2], r[3]), from_json(Track, r[4])) for r in rows]
        refs = await self.person_refs(a.person for _, _, t in tracks for a in t.artists)
        return [(i, TrackInfo(d, t, tuple(_ref(refs, a.person) for a in t.artists)))
                for i, d, t in tracks]

    # -- sources --------------------------------------------------------------------------

    async def sources(self, ids: Iterable[str]) -> dict[str, Source]:
        """The Source records for the given ids (unknown ids are left out), keyed by id,
        in sorted id order."""
        known = self._sources
        return {i: known[i] for i in sorted(set(ids)) if i in known}

    # -- helpers --------------------------------------------------------------------------

    async def _all(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Every row of one query, run right here on the loop's thread (see the class)."""
        return self._conn.execute(sql, params).fetchall()

    async def _all_in_thread(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """Every row of a query whose cost grows with the store, in a worker thread on a
        connection of its own (sharing the loop's would make the loop wait for it)."""
        def run() -> list[Any]:
            conn = _connect(self.path)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        return await asyncio.to_thread(run)

    async def _one(self, sql: str, *params: object) -> Any | None:
        """The first row of one query, or None."""
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _in(self, sql: str, ids: Iterable[str] | Iterable[int]) -> list[Any]:
        """Run `sql` with its "IN ({})" filled for `ids` (each once), in chunks of
        SQL_CHUNK, under SQLite's parameter limit."""
        unique: list[Any] = sorted(set(ids))
        rows: list[Any] = []
        for i in range(0, len(unique), SQL_CHUNK):
            chunk = unique[i:i + SQL_CHUNK]
            rows.extend(await self._all(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    # -- quiz sampling ----------------------------------------------------------------------

    async def sample_dramas(self, n: int, seed: int | str,
                            exclude: Iterable[str] = ()) -> tuple[DramaRef, ...]:
        """Up to `n` dramas picked at random, none of them in `exclude` (slugs), in the
        order picked: the same ones for the same seed and store, so a quiz's wrong choices
        stay stable.

        The quiz only needs a few other dramas for its distractor pools; reading every
        `DramaRef` to choose them (`dramas()`) cost half a second at 100,000 dramas. Here
        the cost follows `n`, not the store: rowids are drawn at random from the table's
        rowid range (a build numbers the rows 1..N without gaps) and fetched by rowid. A
        small table is read whole, and so, as a last resort, is a table whose rowids have
        so many gaps that a few rounds of draws did not find enough rows."""
        excluded = set(exclude)
        bounds = await self._one("SELECT min(rowid), max(rowid) FROM dramas")
        if n <= 0 or bounds is None or bounds[0] is None:
            return ()
        low, high = int(bounds[0]), int(bounds[1])
        rng = random.Random(seed)
        wanted = n + len(excluded)
        chosen: list[tuple[Any, ...]] = []
        if high - low + 1 > SAMPLE_SCAN_FACTOR * wanted + SAMPLE_SCAN_MIN:
            tried: set[int] = set()
            for _ in range(SAMPLE_ROUNDS):
                need = n - len(chosen)
                picks: list[int] = []
                while len(picks) < need + len(excluded):
                    rowid = rng.randrange(low, high + 1)
                    if rowid not in tried:  # the range is larger than all rounds' draws
                        tried.add(rowid)
                        picks.append(rowid)
                found = {r[0]: r for r in await self._drama_rows(picks)}
                chosen += [found[i] for i in picks
                           if i in found and found[i][1] not in excluded][:need]
                if len(chosen) >= n:
                    return tuple(DramaRef(*r[1:]) for r in chosen)
        have = {r[1] for r in chosen} | excluded
        rows = await self._all(
            "SELECT rowid, slug, title, korean_title FROM dramas ORDER BY rowid")
        pool = [r for r in rows if r[1] not in have]
        chosen += rng.sample(pool, min(n - len(chosen), len(pool)))
        return tuple(DramaRef(*r[1:]) for r in chosen)

    async def _drama_rows(self, rowids: Sequence[int]) -> list[Any]:
        """(rowid, slug, title, korean_title) of the dramas with these rowids."""
        return await self._in(
            "SELECT rowid, slug, title, korean_title FROM dramas WHERE rowid IN ({})", rowids)

    async def person_records(self, ids: Iterable[str]) -> dict[str, Person]:
        """The bare pack records (`Person`: name, Hangul, aliases, kind, groups,
        occupations, other works) of the people that exist, keyed by id in id order.

        For callers that need what a person is, not what they did: `person` also gathers
        every role, credit and track with their dramas and cited sources, about six
        queries a person. A quiz needs that only for the people it asks about; its wrong
        choices need the records of a few hundred more people, read here in one query
        per SQL_CHUNK ids."""
        rows = await self._in("SELECT id, data FROM people WHERE id IN ({})", ids)
        found = {r[0]: from_json(Person, r[1]) for r in rows}
        return {i: found[i] for i in sorted(found)}


def _loose_query(key: str) -> str:
    """The loose form of a search, unless it collapsed into something much shorter
    ("zzzz" -> "z" would find every track with a z): then just the key again."""
    alt = loose(key)
    return alt if len(alt) >= min(len(key), 3) else key


def _ref(refs: dict[str, PersonRef], person_id: str) -> PersonRef:
    """The person's ref; the id itself as the name if the store lacks the person (the
    loader rejects such packs, so this only guards against a hand-edited store)."""
    return refs.get(person_id) or PersonRef(person_id, person_id)


class InfoCache(Generic[V]):
    """The decoded results of one kind, least recently used dropped beyond `size`, each
    kept only from the second time its key is read (among the last `seen` keys read once).

    A result asked about once, which is most of the dramas a large store serves, then
    lives only while it is answered: kept, it would displace a result fans ask about
    again, and its few hundred objects would be walked by every garbage collection until
    evicted (docs/benchmarks.md, issue 17's first ask). The price: a second ask is read
    again.

    A result read ahead of an ask (`expected`) is held apart, among the last `ahead`
    such, until that ask takes it, which counts as its first read."""

    def __init__(self, size: int = INFO_CACHE_SIZE, seen: int = SEEN_SIZE,
                 ahead: int = EXPECTED_SIZE) -> None:
        self.size, self.seen, self.ahead = size, seen, ahead
        self._kept: OrderedDict[str, V] = OrderedDict()
        self._once: OrderedDict[str, None] = OrderedDict()  # keys read once, not kept
        self._expected: OrderedDict[str, V] = OrderedDict()  # read ahead, not yet asked

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, key: object) -> bool:
        return key in self._kept

    def get(self, key: str) -> V | None:
        """The kept result for `key` (now the most recently used), or one read ahead for
        this ask, or None."""
        value = self._kept.get(key)
        if value is not None:
            self._kept.move_to_end(key)
            return value
        value = self._expected.pop(key, None)
        if value is not None:
            self.offer(key, value)
        return value

    def offer(self, key: str, value: V, expected: bool = False) -> None:
        """A result just read: kept if its key was read once lately; else held for the
        ask it was read ahead of (`expected`), or remembered as read once."""
        if key in self._once:
            del self._once[key]
            self._kept[key] = value
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        elif expected:
            self._expected[key] = value
            while len(self._expected) > self.ahead:
                self._expected.popitem(last=False)
        else:
            self._once[key] = None
            while len(self._once) > self.seen:
                self._once.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()
        self._once.clear()
        self._expected.clear()


async def _through_cache(cache: InfoCache[V], key: str,
                         read: Callable[[str], Awaitable[V | None]], expected: bool = False
                         ) -> V | None:
    """The cached value for `key`, else `read(key)`, offered to the cache unless None."""
    value = cache.get(key)
    if value is not None:
        return value
    value = await read(key)
    if value is not None:
        cache.offer(key, value, expected)
    return value


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection (URI mode=ro: the bot can never write the fact store).
    `check_same_thread=False` because the store opens it in a worker thread and then uses
    it on the loop's thread, one thread at a time."""
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True,
                           check_same_thread=False)


def _open(path: Path) -> tuple[sqlite3.Connection, NameIndex, NameIndex]:
    """Connect, check the version, load both name indexes; close again on any failure."""
    conn = _connect(path)
    try:
        _check_version(conn, path)
        dramas, people = _load_indexes(conn)
    except BaseException:
        conn.close()
        raise
    return conn, dramas, people


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a store built by another schema or name-key version: its rows or its stored
    name keys would not match what this code expects."""
    try:
        rows = conn.execute(
            "SELECT key, value FROM meta"
            " WHERE key IN ('schema_version', 'key_version', 'model_hash')").fetchall()
    except sqlite3.DatabaseError as exc:
        raise FactStoreError(f"{path} is not a fact store ({exc}): rebuild it") from exc
    found = {str(k): str(v) for k, v in rows}
    for key, needed in (("schema_version", SCHEMA_VERSION), ("key_version", KEY_VERSION),
                        ("model_hash", MODEL_HASH)):
        if found.get(key) != str(needed):
            raise FactStoreError(
                f"{path} has {key.replace('_', ' ')} {found.get(key, 'none')}, this bot needs "
                f"{needed}: rebuild it with `dramabot db build`")


def _load_indexes(conn: sqlite3.Connection) -> tuple[NameIndex, NameIndex]:
    """Both name indexes, read back in the form the build stored (`NameIndex.to_parts`),
    one part at a time: holding every blob while decoding them doubled the memory a
    start takes."""
    try:
        return (NameIndex.from_parts("drama", _StoredParts(conn, "drama")),
                NameIndex.from_parts("person", _StoredParts(conn, "person")))
    except (KeyError, ValueError) as exc:
        raise FactStoreError(f"the fact store's name index is damaged ({exc!r}): "
                             "rebuild it with `dramabot db build`") from exc


class _StoredParts(Mapping[str, bytes]):
    """One kind's stored index parts, each read when asked for."""

    def __init__(self, conn: sqlite3.Connection, kind: str) -> None:
        self._conn, self._kind = conn, kind

    def __getitem__(self, part: str) -> bytes:
        row = self._conn.execute("SELECT data FROM name_index WHERE kind = ? AND part = ?",
                                 (self._kind, part)).fetchone()
        if row is None:
            raise KeyError(part)
        return bytes(row[0])

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._conn.execute(
            "SELECT part FROM name_index WHERE kind = ?", (self._kind,)))

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM name_index WHERE kind = ?",
                                      (self._kind,)).fetchone()[0])


def index_rows(conn: sqlite3.Connection, kind: str) -> Iterator[NameRow]:
    """The `names` rows of one kind in rowid (pack) order, streamed from the cursor: the
    build makes each NameIndex from them, without holding every row at once."""
    cursor = conn.execute(
        "SELECT key, label, name, skey, loose, words FROM names WHERE kind = ?"
        " ORDER BY rowid", (kind,))
    return (NameRow(*r) for r in cursor)
