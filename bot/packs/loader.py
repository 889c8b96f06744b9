"""Reads data packs (docs/pack-format.md) into the model of `bot.packs.model`, checking
every rule of the format.

Pack authors are not programmers, so the loader never stops at the first problem: it
walks the whole file, records every error as a `PackError` (file, key path, plain-English
message) and only then refuses the pack. `load_packs` adds the checks across packs
(unique slugs, people and sources agreeing by id, in `PackChecker`, fed one file at a time)
and merges the people and sources into one `PackSet`. The loader knows neither SQLite nor
Discord.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.packs import schema as S
from bot.packs.model import (
    ArtistCredit,
    CastEntry,
    Credit,
    Drama,
    Episode,
    Fact,
    FactValue,
    Pack,
    PackError,
    PackLoadError,
    PackSet,
    Person,
    Question,
    QuestionText,
    Reading,
    Source,
    Track,
    Trivia,
    UnnumberedTrack,
)

try:  # tomli 2.2-2.3 is tomllib's own parser (TOML 1.0), compiled: three times as fast
    from tomli import loads as _tomli_loads
except ImportError:  # a dependency, but the loader works without it
    _tomli_loads = tomllib.loads
try:  # toml-rs (Rust), told to read TOML 1.0, reads what tomllib reads, as tomllib does
    import toml_rs as _toml_rs
except ImportError:  # a dependency too; where it has no wheel, tomli does the reading
    _toml_rs = None  # type: ignore[assignment]

__all__ = [
    "PackChecker", "check_packs", "format_errors", "load_pack", "load_packs", "pack_paths",
    "parse_file", "settled_people",
]

T = TypeVar("T")
Table = dict[str, Any]

_FACT_SHAPE = 'a fact: an inline table like { value = "...", sources = ["..."] }'
_READING_SHAPE = 'a reading: an inline table like { value = "...", sources = ["..."] }'
_SOURCES_SHAPE = 'a list of source ids, like ["seed-002", "nme"]'


# --------------------------------------------------------------------------- public API


def load_pack(path: Path) -> Pack:
    """One pack file, checked on its own; raises `PackLoadError` carrying every error."""
    parsed = _load_file(path)
    if parsed.pack is None:
        raise PackLoadError(parsed.errors)
    return parsed.pack


def load_packs(packs_dir: Path) -> PackSet:
    """Every pack in `packs_dir` (`*.toml`, sorted, skipping names starting with `_` or
    `.`), checked alone and together; raises `PackLoadError` with all errors of all files."""
    packset, errors = _load_dir(packs_dir)
    if packset is None:
        raise PackLoadError(errors)
    return packset


def check_packs(packs_dir: Path) -> list[PackError]:
    """The errors `load_packs` would raise, as a list; empty means every pack is valid."""
    return _load_dir(packs_dir)[1]


def format_errors(errors: Sequence[PackError]) -> str:
    """One error per line ("file: key.path: message") for the CLI; '' when there are none."""
    return "\n".join(str(error) for error in errors)


def pack_paths(packs_dir: Path) -> tuple[list[Path], list[PackError]]:
    """The pack files `load_packs` reads, in its order, or the folder's error."""
    return _pack_files(packs_dir)


def parse_file(path: Path, content: bytes | None = None) -> _Parsed:
    """One file read and checked on its own: its errors, and what the checks across packs
    need (`PackChecker.add`). For a caller that parses pack by pack (the store's build);
    `content`, the file's bytes if the caller has read them already (to hash them)."""
    return _load_file(path, content)


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class _Parsed:
    """What one file yielded. `pack` is None when the file has errors; `slug`, `people`
    and `sources` (the valid entries only) still feed the cross-pack checks so that one
    run reports everything. `people_keys` may give, per person, a key of the declaration
    (equal keys: equal declarations; see `PackChecker`), from whoever can make it cheaply
    (the store's build, which pickles each person anyway), and `people_settled` which of
    them `settled_people` finds."""

    file: str
    errors: list[PackError]
    slug: str | None = None
    people: Mapping[str, Person] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    pack: Pack | None = None
    people_keys: Mapping[str, bytes] = field(default_factory=dict)
    people_settled: frozenset[str] = frozenset()  # of those: `settled_people`


def _load_dir(packs_dir: Path) -> tuple[PackSet | None, list[PackError]]:
    """Loads and cross-checks a folder; returns the PackSet, or None and the errors."""
    files, errors = _pack_files(packs_dir)
    if errors:
        return None, errors
    people: dict[str, Person] = {}
    checker = PackChecker(people)
    packs = []
    for path in files:
        parsed = _load_file(path)
        checker.add(parsed)
        if parsed.pack is not None:
            packs.append(parsed.pack)
    if checker.errors:
        return None, checker.errors
    return PackSet(packs=tuple(packs), people=people, sources=checker.sources), []


def _pack_files(packs_dir: Path) -> tuple[list[Path], list[PackError]]:
    """The pack files of a folder; a missing or empty folder is an error, not an empty set,
    so a wrong DRAMABOT_PACKS does not silently build an empty fact store."""
    where = str(packs_dir)
    if not packs_dir.is_dir():
        problem = "is not a folder" if packs_dir.exists() else "does not exist"
        return [], [PackError(where, "", f"the packs folder {problem}")]
    files = [packs_dir / name for name in _toml_names(packs_dir)]
    if not files:
        message = "no pack files (*.toml) in the packs folder (names starting _ or . are skipped)"
        return [], [PackError(where, "", message)]
    return files, []


def _toml_names(packs_dir: Path) -> list[str]:
    """The names of the pack files, sorted as their Paths would be: `*.toml` files not
    starting with _ or ., from one directory scan (no glob, stat per file or Path
    comparisons: a folder may hold 100,000 packs); none if the folder cannot be read."""
    try:
        with os.scandir(packs_dir) as scan:
            names = [entry.name for entry in scan
                     if os.path.normcase(entry.name).endswith(".toml")
                     and not entry.name.startswith(("_", ".")) and _is_file(entry)]
    except OSError:
        return []
    return sorted(names, key=os.path.normcase)


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _load_file(path: Path, content: bytes | None = None) -> _Parsed:
    """Reads (unless given its `content`) and checks one file."""
    data, errors = _read_toml(path, content)
    if data is None:
        return _Parsed(file=path.name, errors=errors)
    return _parse(path, data)


def _read_toml(path: Path, content: bytes | None = None
               ) -> tuple[Table | None, list[PackError]]:
    """The file's TOML, or an error naming the file (and tomllib's line and column)."""
    name = path.name
    try:
        text = (path.read_bytes() if content is None else content).decode("utf-8")
    except OSError as exc:
        return None, [PackError(name, "", f"cannot read the file: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return None, [PackError(name, "", "the file is not UTF-8 text; save it as UTF-8")]
    try:
        return _fast_loads(text), []
    except Exception:  # tomllib says what is wrong, in the words it always has
        pass
    except BaseException as exc:  # a panic in toml-rs: pyo3 raises it as a BaseException
        if type(exc).__name__ != "PanicException":
            raise
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        return None, [PackError(name, "", f"TOML syntax error: {exc}")]


def _fast_loads(text: str) -> Table:
    """The TOML of a pack, by the fastest parser at hand that reads TOML 1.0 exactly as
    Python 3.11's tomllib does (the same values, the same types). What it refuses goes to
    tomllib, which has the last word and the error messages pack authors know."""
    if _toml_rs is not None and not text.startswith("\ufeff"):
        # toml-rs skips a leading byte order mark, which tomli refuses as tomllib does
        return _toml_rs.loads(text, toml_version="1.0.0")
    return _tomli_loads(text)


# --------------------------------------------------------------------------- context


@dataclass
class _Ctx:
    """Where errors go while one file is walked, and what references may point at.
    `label` ("track 6") prefixes messages inside a numbered entry, whose key path only
    shows the 0-based list index."""

    file: str
    errors: list[PackError] = field(default_factory=list)
    sources: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    episode_count: int | None = None
    label: str = ""
    citable: frozenset[str] = field(init=False)  # the sources a `sources` list may name

    def __post_init__(self) -> None:
        self.citable = frozenset(sid for sid in self.sources if sid.strip())

    def error(self, path: str, message: str) -> None:
        text = f"{self.label}: {message}" if self.label else message
        self.errors.append(PackError(self.file, path, text))

    def labelled(self, noun: str, number: int | None) -> _Ctx:
        """A context sharing this one's error list whose messages start with "track 6"
        (a copy, not `replace`, which would run `__init__` and make `citable` again)."""
        if number is None:
            return self
        other = copy.copy(self)
        other.label = f"{noun} {number}"
        return other


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _at(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _keep(items: Iterable[T | None]) -> tuple[T, ...]:
    """Drops the entries that failed (their errors are already recorded)."""
    return tuple(item for item in items if item is not None)


# --------------------------------------------------------------------------- shapes


def _as_table(ctx: _Ctx, raw: object, path: str, shape: str) -> Table | None:
    if isinstance(raw, dict):
        return raw
    ctx.error(path, f"must be {shape}, not {S.describe(raw)}")
    return None


def _as_list(ctx: _Ctx, raw: object, path: str, shape: str) -> list[Any] | None:
    if isinstance(raw, list):
        return raw
    ctx.error(path, f"must be {shape}, not {S.describe(raw)}")
    return None


def _check_keys(
    ctx: _Ctx, table: Table, path: str, known: Sequence[str], required: Sequence[str] = ()
) -> None:
    """Unknown keys (with a "did you mean") and missing required keys."""
    if not table.keys() <= _key_set(known):  # most tables: no key to look at one by one
        for key in table:
            if key not in known:
                ctx.error(_key(path, key), S.unknown_key(key, known))
    for key in required:
        if key not in table:
            ctx.error(_key(path, key), f"the required key '{key}' is missing")


_KEY_SETS: dict[int, tuple[Sequence[str], frozenset[str]]] = {}


def _key_set(known: Sequence[str]) -> frozenset[str]:
    """`known` as a set, made once per sequence (the format's key lists are constants;
    the sequence is kept with its set, so its id is not reused for another)."""
    entry = _KEY_SETS.get(id(known))
    if entry is None or entry[0] is not known:
        entry = _KEY_SETS[id(known)] = (known, frozenset(known))
    return entry[1]


def _open(
    ctx: _Ctx, raw: object, path: str, shape: str, known: Sequence[str], required: Sequence[str]
) -> Table | None:
    """A table whose keys have been checked against the format."""
    table = _as_table(ctx, raw, path, shape)
    if table is not None:
        _check_keys(ctx, table, path, known, required)
    return table


def _section(ctx: _Ctx, data: Table, key: str) -> list[Any]:
    """A top-level array of tables (`[[cast]]`); absent means empty."""
    if key not in data:
        return []
    return _as_list(ctx, data[key], key, f"a list of tables, written [[{key}]]") or []


def _items(
    ctx: _Ctx, data: Table, key: str, parse: Callable[[_Ctx, Any, str], T | None]
) -> tuple[T, ...]:
    return _keep(parse(ctx, raw, _at(key, i)) for i, raw in enumerate(_section(ctx, data, key)))


# --------------------------------------------------------------------------- scalars


def _text(ctx: _Ctx, raw: object, path: str, limit: int | None = None) -> str | None:
    if not isinstance(raw, str):
        ctx.error(path, S.wrong_type(raw, S.STR))
        return None
    if not raw.strip():
        ctx.error(path, "must not be empty")
        return None
    if limit is not None and len(raw) > limit:
        ctx.error(path, f"is {len(raw)} characters long; at most {limit} are allowed")
        return None
    return raw


def _whole(ctx: _Ctx, raw: object, path: str) -> int | None:
    """A whole number >= 1 (bool is an int in Python, so it is refused by name)."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        ctx.error(path, S.wrong_type(raw, S.INT))
        return None
    if raw < 1:
        ctx.error(path, f"must be 1 or more, not {raw}")
        return None
    return raw


def _date(ctx: _Ctx, raw: object, path: str) -> dt.date | None:
    """A calendar date (a datetime is a date in Python, so it is refused by name)."""
    if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date):
        ctx.error(path, S.wrong_type(raw, S.DATE))
        return None
    return raw


def _value(ctx: _Ctx, raw: object, path: str, kind: str) -> FactValue | None:
    if kind == S.STR or (kind == S.ANY and isinstance(raw, str)):
        return _text(ctx, raw, path)
    if kind == S.INT:
        return _whole(ctx, raw, path)
    if kind == S.DATE:
        return _date(ctx, raw, path)
    if isinstance(raw, int | dt.date) and S.type_ok(raw, S.ANY):
        return raw
    ctx.error(path, S.wrong_type(raw, S.ANY))
    return None


def _opt_date(ctx: _Ctx, table: Table, key: str, path: str) -> dt.date | None:
    return _date(ctx, table[key], _key(path, key)) if key in table else None


def _opt_text(ctx: _Ctx, table: Table, key: str, path: str, limit: int | None = None) -> str | None:
    return _text(ctx, table[key], _key(path, key), limit) if key in table else None


def _ident(ctx: _Ctx, raw: object, path: str, noun: str = "id") -> str | None:
    text = _text(ctx, raw, path)
    if text is not None and not S.ID_RE.fullmatch(text):
        example = S.ID_EXAMPLES.get(noun, "han-so-hee")
        ctx.error(path, f"'{text}' is not a valid {noun}: {noun}s {S.ID_HINT}, e.g. '{example}'")
        return None
    return text


def _texts(ctx: _Ctx, table: Table, key: str, path: str) -> tuple[str, ...]:
    """A list of plain strings (aliases): matching aids, not facts, so no sources."""
    if key not in table:
        return ()
    p = _key(path, key)
    raw = _as_list(ctx, table[key], p, 'a list of texts, like ["a", "b"]') or []
    return _keep(_text(ctx, item, _at(p, i)) for i, item in enumerate(raw))


def _choice(
    ctx: _Ctx, table: Table, key: str, path: str, enum: str, default: str | None
) -> str | None:
    """One of the format's fixed words (billing, kind, topic)."""
    if key not in table:
        return default
    p, allowed = _key(path, key), S.ENUMS[enum]
    text = _text(ctx, table[key], p)
    if text is None or text in allowed:
        return text or default
    hint = S.did_you_mean(text, allowed)
    ctx.error(p, f"unknown {enum} '{text}'{hint}; allowed: {', '.join(allowed)}")
    return default


# --------------------------------------------------------------------------- references


def _source_ref(ctx: _Ctx, raw: object, path: str) -> str | None:
    text = _text(ctx, raw, path)
    if text is None or text in ctx.sources:
        return text
    hint = S.did_you_mean(text, ctx.sources)
    declared = S.listing(ctx.sources)
    ctx.error(path, f"unknown source '{text}'{hint}; declared sources: {declared}")
    return None


def _sources(ctx: _Ctx, table: Table, path: str) -> tuple[str, ...]:
    """A `sources` list: non-empty, declared, no repeats (a repeated source would make a
    single-source fact look confirmed)."""
    if "sources" not in table:
        return ()
    raw = table["sources"]
    if _cites_cleanly(ctx, raw):
        return tuple(raw)
    p = _key(path, "sources")
    raw = _as_list(ctx, raw, p, _SOURCES_SHAPE)
    if raw is None:
        return ()
    if not raw:
        ctx.error(p, "must name at least one source")
    refs = [_source_ref(ctx, item, _at(p, i)) for i, item in enumerate(raw)]
    for i, ref in enumerate(refs):
        if ref is not None and ref in refs[:i]:
            ctx.error(_at(p, i), f"source '{ref}' is listed twice")
    return _keep(dict.fromkeys(refs))


def _cites_cleanly(ctx: _Ctx, raw: object) -> bool:
    """Whether a `sources` value passes every check of `_sources` (most do: then it is
    the result as it is, and no path or message is made)."""
    try:
        return (type(raw) is list and bool(raw) and len(set(raw)) == len(raw)
                and ctx.citable.issuperset(raw))
    except TypeError:  # an item that is a table or a list: `_sources` names it
        return False


def _person_of(ctx: _Ctx, table: Table, path: str) -> str | None:
    """The `person` key of an entry: a declared person id."""
    if "person" not in table:
        return None
    p = _key(path, "person")
    text = _text(ctx, table["person"], p)
    if text is None or text in ctx.people:
        return text
    hint = S.did_you_mean(text, ctx.people)
    declared = S.listing(ctx.people)
    ctx.error(p, f"unknown person '{text}'{hint}; declared people: {declared}")
    return None


def _check_episode_number(ctx: _Ctx, number: int, path: str) -> None:
    count = ctx.episode_count
    if count is not None and number > count:
        ctx.error(path, f"episode {number} is past the last episode (episode_count is {count})")


def _episode_ref(ctx: _Ctx, table: Table, path: str) -> int | None:
    """The `episode` that reveals a plot fact or answer."""
    if "episode" not in table:
        return None
    p = _key(path, "episode")
    number = _whole(ctx, table["episode"], p)
    if number is not None:
        _check_episode_number(ctx, number, p)
    return number


# --------------------------------------------------------------------------- facts


def _fact(
    ctx: _Ctx, raw: object, path: str, kind: str, known: Sequence[str] = S.FACT_KEYS
) -> Fact | None:
    if type(raw) is dict and len(raw) == 2 and "value" in raw and "sources" in raw:
        return _plain_fact(ctx, raw, path, kind)  # most facts: checked as below, directly
    table = _open(ctx, raw, path, _FACT_SHAPE, known, ("value", "sources"))
    if table is None:
        return None
    primary = _reading_of(ctx, table, path, kind)
    also = _also(ctx, table, path, kind, primary)
    episode = _episode_ref(ctx, table, path)
    return None if primary is None else Fact(primary=primary, also=also, episode=episode)


def _plain_fact(ctx: _Ctx, table: Table, path: str, kind: str) -> Fact | None:
    """A fact of just `value` and `sources`: what `_fact` makes of it, in the same steps
    (the value, then the sources), without looking for the keys it does not have. One
    that passes both checks, as most do, is made without a path for messages."""
    value, sources = table["value"], table["sources"]
    if _clean_value(value, kind) and _cites_cleanly(ctx, sources):
        return Fact(primary=Reading(value=value, sources=tuple(sources)))
    value = _value(ctx, table["value"], _key(path, "value"), kind)
    sources = _sources(ctx, table, path)
    if value is None or not sources:
        return None
    return Fact(primary=Reading(value=value, sources=sources))


def _clean_value(value: object, kind: str) -> bool:
    """Whether `_value` takes `value` as it is, for `kind`, with nothing to report."""
    if type(value) is str:
        return (kind == S.STR or kind == S.ANY) and bool(value.strip())
    if type(value) is int:
        return kind == S.ANY or (kind == S.INT and value >= 1)
    if type(value) is dt.date:
        return kind == S.DATE or kind == S.ANY
    return False


def _reading_of(ctx: _Ctx, table: Table, path: str, kind: str) -> Reading | None:
    """The value/sources/note of a fact or of one of its `also` readings."""
    value = _value(ctx, table["value"], _key(path, "value"), kind) if "value" in table else None
    sources = _sources(ctx, table, path)
    note = _opt_text(ctx, table, "note", path)
    translations = _translations(ctx, table, path, _text)
    if translations and not isinstance(value, str):
        ctx.error(_key(path, "translations"), "only a text value can be translated (a "
                  "date or a number is written in each language by the bot)")
    note_translations = _note_translations(ctx, table, path)
    if value is None or not sources:
        return None
    return Reading(value=value, sources=sources, note=note, translations=translations,
                   note_translations=note_translations)


def _note_translations(ctx: _Ctx, table: Table, path: str) -> tuple[tuple[str, str], ...]:
    """`note_translations = { ko = "..." }`: the note in other languages."""
    found = _translations(ctx, table, path, _text, key="note_translations")
    if found and "note" not in table:
        ctx.error(_key(path, "note_translations"), "translates a note, but there is no "
                  "`note`")
    return found


def _also(
    ctx: _Ctx, table: Table, path: str, kind: str, primary: Reading | None = None
) -> tuple[Reading, ...]:
    """The other readings of a contested fact (or other names of a credit)."""
    if "also" not in table:
        return ()
    p = _key(path, "also")
    raw = _as_list(ctx, table["also"], p, "a list of readings like [{ value, sources }]")
    if raw is None:
        return ()
    if not raw:
        ctx.error(p, "is empty; leave 'also' out when the sources agree")
    readings = [_reading(ctx, item, _at(p, i), kind) for i, item in enumerate(raw)]
    for i, reading in enumerate(readings):
        if primary is not None and reading is not None and reading.value == primary.value:
            ctx.error(_at(p, i), "repeats the main value; add its sources to the main 'sources'")
    return _keep(readings)


def _reading(ctx: _Ctx, raw: object, path: str, kind: str) -> Reading | None:
    table = _open(ctx, raw, path, _READING_SHAPE, S.READING_KEYS, ("value", "sources"))
    return None if table is None else _reading_of(ctx, table, path, kind)


def _opt_fact(ctx: _Ctx, table: Table, key: str, path: str, kind: str) -> Fact | None:
    return _fact(ctx, table[key], _key(path, key), kind) if key in table else None


def _facts(ctx: _Ctx, table: Table, path: str, spec: Mapping[str, str]) -> dict[str, Any]:
    """The optional single facts of a table, by key, ready to pass as keyword arguments."""
    return {key: _opt_fact(ctx, table, key, path, kind) for key, kind in spec.items()}


def _fact_list(ctx: _Ctx, table: Table, key: str, path: str, kind: str) -> tuple[Fact, ...]:
    if key not in table:
        return ()
    p = _key(path, key)
    raw = _as_list(ctx, table[key], p, "a list of facts like [{ value, sources }]") or []
    return _keep(_fact(ctx, item, _at(p, i), kind) for i, item in enumerate(raw))


def _fact_lists(ctx: _Ctx, table: Table, path: str, spec: Mapping[str, str]) -> dict[str, Any]:
    return {key: _fact_list(ctx, table, key, path, kind) for key, kind in spec.items()}


# --------------------------------------------------------------------------- sections


def _keyed(ctx: _Ctx, data: Table, key: str,
           parse: Callable[[_Ctx, str, object], T | None]) -> dict[str, T]:
    """A set of `[<key>.<id>]` tables, each parsed by `parse`; entries with errors left out."""
    if key not in data:
        return {}
    table = _as_table(ctx, data[key], key, f"a set of [{key}.<id>] tables") or {}
    return {ident: item for ident, raw in table.items()
            if (item := parse(ctx, ident, raw)) is not None}


def _parse_sources(ctx: _Ctx, data: Table) -> dict[str, Source]:
    return _keyed(ctx, data, "sources", _source)


def _source(ctx: _Ctx, sid: str, raw: object) -> Source | None:
    """One `[sources.<id>]`; None if it has any error (so it stays out of the merge)."""
    path, before = _key("sources", sid), len(ctx.errors)
    _ident(ctx, sid, path)
    table = _open(ctx, raw, path, "a [sources.<id>] table", S.SOURCE_KEYS, ("kind",))
    if table is None:
        return None
    kind = _choice(ctx, table, "kind", path, "source kind", None)
    texts = {key: _opt_text(ctx, table, key, path)
             for key in ("name", "file", "outlet", "author", "title", "licence")}
    _check_source_described(ctx, table, path, kind, texts)
    url = _url(ctx, table, path)
    published = _published(ctx, table, path)
    names = _translations(ctx, table, path, _text, key="name_translations")
    if names and "name" not in table:
        ctx.error(_key(path, "name_translations"), "translates a name, but there is no "
                  "`name`")
    if len(ctx.errors) > before or kind is None:
        return None
    return Source(sid, kind=kind, url=url, published=published, name_translations=names,
                  **texts)


def _check_source_described(
    ctx: _Ctx, table: Table, path: str, kind: str | None, texts: Mapping[str, str | None]
) -> None:
    """A source must say how readers know it, and never by its file name: readers have
    never seen the seed files."""
    if kind == "article" and "file" not in table:
        ctx.error(
            _key(path, "file"),
            "an article source needs 'file': the seed file name, e.g. '000_fe22804c1aad097d.txt'",
        )
    if not any(key in table for key in S.SOURCE_DESCRIBED_BY):
        ctx.error(path, "says neither 'outlet', 'title' nor 'name': give the outlet, the "
                  "headline, or a plain description such as \"press coverage (outlet not "
                  "recorded)\", so readers can tell what it is")
    name, file = texts["name"], texts["file"]
    if name and file and name.casefold() in (file.casefold(), Path(file).stem.casefold()):
        ctx.error(_key(path, "name"), "is the file name; cite the article by what it says "
                  "of itself (its outlet, headline or subject and date)")


def _url(ctx: _Ctx, table: Table, path: str) -> str | None:
    """A web address readers can open: http(s), with a host, no spaces."""
    text = _opt_text(ctx, table, "url", path)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in S.URL_SCHEMES or not parts.netloc or any(
            c.isspace() for c in text):
        ctx.error(_key(path, "url"), f"must be a web address starting with http:// or "
                  f"https://, not {S.describe(text)}")
        return None
    return text


def _published(ctx: _Ctx, table: Table, path: str) -> dt.date | None:
    """A TOML date, or the same date as ISO text ("2022-03-08")."""
    if "published" not in table:
        return None
    raw, p = table["published"], _key(path, "published")
    if isinstance(raw, str):
        if S.ISO_DATE_RE.fullmatch(raw.strip()):
            try:
                return dt.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        ctx.error(p, f"must be a date like 2022-03-08 (year-month-day), not {S.describe(raw)}")
        return None
    return _date(ctx, raw, p)


def _check_format(ctx: _Ctx, data: Table) -> None:
    if "format" not in data:
        return
    raw = data["format"]
    if not S.type_ok(raw, S.INT):
        ctx.error("format", S.wrong_type(raw, S.INT))
    elif raw != S.FORMAT_VERSION:
        ctx.error("format", f"this bot reads format {S.FORMAT_VERSION}; the file says {raw}")


def _parse_drama(ctx: _Ctx, data: Table) -> tuple[str | None, Drama | None]:
    """The `[drama]` table and its slug (kept apart so a broken drama still has a slug for
    the cross-pack checks). Also records episode_count for the episode checks."""
    if "drama" not in data:
        return None, None
    table = _open(ctx, data["drama"], "drama", "a [drama] table", S.DRAMA_KEYS, ("slug", "title"))
    if table is None:
        return None, None
    slug = _ident(ctx, table["slug"], "drama.slug", "slug") if "slug" in table else None
    facts = _facts(ctx, table, "drama", S.DRAMA_FACTS)
    lists = _fact_lists(ctx, table, "drama", S.DRAMA_FACT_LISTS)
    aliases = _texts(ctx, table, "aliases", "drama")
    ctx.episode_count = _episode_count(facts["episode_count"])
    if slug is None or facts["title"] is None:
        return slug, None
    return slug, Drama(slug=slug, aliases=aliases, **facts, **lists)


def _episode_count(fact: Fact | None) -> int | None:
    """The highest count any source gives: a contested count must not produce errors for
    episodes that one of the sources says exist."""
    if fact is None:
        return None
    counts = [r.value for r in (fact.primary, *fact.also) if isinstance(r.value, int)]
    return max(counts, default=None)


def _check_file_name(ctx: _Ctx, slug: str | None) -> None:
    if slug is not None and ctx.file != f"{slug}.toml":
        ctx.error("drama.slug", f"the slug is '{slug}' so the file should be named '{slug}.toml'")


def _check_unique_numbers(ctx: _Ctx, data: Table, key: str, noun: str) -> None:
    """Episode and track numbers are unique within a pack."""
    first: dict[int, str] = {}
    for i, raw in enumerate(_section(_Ctx(ctx.file), data, key)):
        number = raw.get("number") if isinstance(raw, dict) else None
        if isinstance(number, bool) or not isinstance(number, int):
            continue
        path = _at(key, i)
        if number in first:
            message = f"{noun} {number} is listed twice (also {first[number]})"
            ctx.error(_key(path, "number"), message)
        first.setdefault(number, path)


def _number(ctx: _Ctx, table: Table, path: str) -> int | None:
    return _whole(ctx, table["number"], _key(path, "number")) if "number" in table else None


def _episode(ctx: _Ctx, raw: object, path: str) -> Episode | None:
    table = _as_table(ctx, raw, path, "an [[episodes]] table")
    if table is None:
        return None
    number = _number(ctx, table, path)
    if number is not None:
        _check_episode_number(ctx, number, _key(path, "number"))
    ctx = ctx.labelled("episode", number)
    _check_keys(ctx, table, path, S.EPISODE_KEYS, ("number",))
    facts = _facts(ctx, table, path, S.EPISODE_FACTS)
    return None if number is None else Episode(number=number, **facts)


def _cast(ctx: _Ctx, raw: object, path: str) -> CastEntry | None:
    required = ("person", "sources")  # no character: the role is not on record
    table = _open(ctx, raw, path, "a [[cast]] table", S.CAST_KEYS, required)
    if table is None:
        return None
    person = _person_of(ctx, table, path)
    character = _opt_fact(ctx, table, "character", path, S.STR)
    sources = _sources(ctx, table, path)
    facts = _facts(ctx, table, path, S.CAST_FACTS)
    aliases = _texts(ctx, table, "character_aliases", path)
    billing = _choice(ctx, table, "billing", path, "billing", None)
    if person is None or ("character" in table and character is None) or not sources:
        return None
    return CastEntry(
        person, character, sources, character_aliases=aliases, billing=billing, **facts
    )


def _credit(ctx: _Ctx, raw: object, path: str) -> Credit | None:
    required = ("person", "sources")  # no job: the sources do not say what the person did
    table = _open(ctx, raw, path, "a [[credits]] table", S.CREDIT_KEYS, required)
    if table is None:
        return None
    person = _person_of(ctx, table, path)
    job = _ident(ctx, table["job"], _key(path, "job"), "job") if "job" in table else None
    sources = _sources(ctx, table, path)
    also = _also(ctx, table, path, S.STR)
    note = _opt_text(ctx, table, "note", path)
    note_translations = _note_translations(ctx, table, path)
    if person is None or ("job" in table and job is None) or not sources:
        return None
    return Credit(person, job, sources, also=also, note=note,
                  note_translations=note_translations)


def _track(ctx: _Ctx, raw: object, path: str) -> Track | None:
    table = _as_table(ctx, raw, path, "an [[ost]] table")
    if table is None:
        return None
    number = _number(ctx, table, path)
    ctx = ctx.labelled("track", number)
    _check_keys(ctx, table, path, S.TRACK_KEYS, ("number", "artists"))
    artists = _artists(ctx, table, path)
    facts = _facts(ctx, table, path, S.TRACK_FACTS)
    notes = _fact_list(ctx, table, "notes", path, S.STR)
    if number is None or not artists:
        return None
    return Track(number=number, artists=artists, notes=notes, **facts)


def _unnumbered(ctx: _Ctx, raw: object, path: str) -> UnnumberedTrack | None:
    """An OST contribution without a track number: an announced artist, or a song whose
    number no source gives."""
    shape = "an [[ost_unnumbered]] table"
    table = _open(ctx, raw, path, shape, S.UNNUMBERED_KEYS, ("artists",))
    if table is None:
        return None
    artists = _artists(ctx, table, path)
    facts = _facts(ctx, table, path, S.TRACK_FACTS)
    notes = _fact_list(ctx, table, "notes", path, S.STR)
    return UnnumberedTrack(artists=artists, notes=notes, **facts) if artists else None


def _artists(ctx: _Ctx, table: Table, path: str) -> tuple[ArtistCredit, ...]:
    if "artists" not in table:
        return ()
    p = _key(path, "artists")
    raw = _as_list(ctx, table["artists"], p, 'a list like [{ person = "...", sources = [...] }]')
    if raw == []:
        ctx.error(p, "must name at least one artist")
    return _keep(_artist(ctx, item, _at(p, i)) for i, item in enumerate(raw or []))


def _artist(ctx: _Ctx, raw: object, path: str) -> ArtistCredit | None:
    shape = 'an inline table like { person = "...", sources = ["..."] }'
    table = _open(ctx, raw, path, shape, S.ARTIST_KEYS, ("person", "sources"))
    if table is None:
        return None
    person = _person_of(ctx, table, path)
    sources = _sources(ctx, table, path)
    note = _opt_text(ctx, table, "note", path)
    note_translations = _note_translations(ctx, table, path)
    return None if person is None or not sources else ArtistCredit(person, sources, note,
                                                                   note_translations)


def _trivia(ctx: _Ctx, raw: object, path: str) -> Trivia | None:
    """A trivia entry is a fact (the sentence) plus an optional topic and the number of
    the OST track it is about."""
    fact = _fact(ctx, raw, path, S.STR, known=S.TRIVIA_KEYS)
    table = raw if isinstance(raw, dict) else {}
    topic = _choice(ctx, table, "topic", path, "topic", None)
    track = _whole(ctx, table["track"], _key(path, "track")) if "track" in table else None
    return None if fact is None else Trivia(fact=fact, topic=topic, track=track)


def _translations(ctx: _Ctx, table: Table, path: str,
                  parse: Callable[[_Ctx, Any, str], T | None], key: str = "translations"
                  ) -> tuple[tuple[str, T], ...]:
    """`translations = { ko = ... }`: the entry in other languages, each parsed by `parse`
    (the sources are the entry's own: a translation states the same fact)."""
    if key not in table:
        return ()
    p = _key(path, key)
    raw = _as_table(ctx, table[key], p, 'a table of languages, like { ko = "..." }')
    found: list[tuple[str, T]] = []
    for language, value in (raw or {}).items():
        where = _key(p, language)
        if language == "en" or not S.LANGUAGE_RE.fullmatch(language):
            ctx.error(where, f"'{language}' is not a language to translate into: use a "
                      "lower-case language code such as 'ko' (the entry itself is English)")
            continue
        parsed = parse(ctx, value, where)
        if parsed is not None:
            found.append((language, parsed))
    return tuple(found)


def _check_trivia_tracks(ctx: _Ctx, trivia: Sequence[Trivia], tracks: Sequence[Track]
                         ) -> None:
    """A trivia entry's `track` must be one of the pack's [[ost]] numbers."""
    numbers = {t.number for t in tracks}
    for index, item in enumerate(trivia):
        if item.track is not None and item.track not in numbers:
            known = ", ".join(map(str, sorted(numbers))) or "none"
            ctx.error(_key(_at("trivia", index), "track"),
                      f"there is no [[ost]] track {item.track} in this pack (tracks: {known})")


def _question(ctx: _Ctx, raw: object, path: str) -> Question | None:
    required = ("question", "answer", "wrong", "sources")
    table = _open(ctx, raw, path, "a [[questions]] table", S.QUESTION_KEYS, required)
    if table is None:
        return None
    text = _question_text(ctx, table, path)
    sources = _sources(ctx, table, path)
    episode = _episode_ref(ctx, table, path)
    translations = _translations(ctx, table, path, _translated_question)
    if text is None or not sources:
        return None
    return Question(text.question, text.answer, text.wrong, sources, episode, translations)


def _translated_question(ctx: _Ctx, raw: object, path: str) -> QuestionText | None:
    table = _open(ctx, raw, path, "a table with question, answer and wrong",
                  S.QUESTION_TEXT_KEYS, S.QUESTION_TEXT_KEYS)
    return None if table is None else _question_text(ctx, table, path)


def _question_text(ctx: _Ctx, table: Table, path: str) -> QuestionText | None:
    question = _opt_text(ctx, table, "question", path, S.QUESTION_MAX)
    answer = _opt_text(ctx, table, "answer", path, S.ANSWER_MAX)
    wrong = _wrong(ctx, table, path, answer)
    if question is None or answer is None or wrong is None:
        return None
    return QuestionText(question, answer, wrong)


def _same_answer(text: str) -> str:
    """Answers that differ only in case or spacing count as the same for the quiz."""
    return " ".join(text.casefold().split())


def _wrong(ctx: _Ctx, table: Table, path: str, answer: str | None) -> tuple[str, str, str] | None:
    """Exactly three wrong answers, different from the answer and from each other (each
    becomes a quiz button, hence the answer's length limit)."""
    if "wrong" not in table:
        return None
    p = _key(path, "wrong")
    raw = _as_list(ctx, table["wrong"], p, "a list of three wrong answers")
    if raw is None:
        return None
    if len(raw) != S.WRONG_COUNT:
        ctx.error(p, f"must list exactly {S.WRONG_COUNT} wrong answers, not {len(raw)}")
        return None
    texts = [_text(ctx, item, _at(p, i), S.ANSWER_MAX) for i, item in enumerate(raw)]
    right = _same_answer(answer) if answer else None
    seen: set[str] = set()
    for i, text in enumerate(texts):
        key = _same_answer(text) if text is not None else None
        if key is not None and (key == right or key in seen):
            what = "the answer" if key == right else "listed twice"
            ctx.error(_at(p, i), f"'{text}' is {what}; the wrong answers must all differ")
            texts[i] = None
        if key is not None:
            seen.add(key)
    a, b, c = texts
    return None if a is None or b is None or c is None else (a, b, c)


def _parse_people(ctx: _Ctx, data: Table) -> dict[str, Person]:
    return _keyed(ctx, data, "people", _person)


def _person(ctx: _Ctx, pid: str, raw: object) -> Person | None:
    """One `[people.<id>]`; None if it has any error (so it stays out of the merge)."""
    path, before = _key("people", pid), len(ctx.errors)
    _ident(ctx, pid, path)
    table = _open(ctx, raw, path, "a [people.<id>] table", S.PERSON_KEYS, ("name", "sources"))
    if table is None:
        return None
    name = _opt_text(ctx, table, "name", path)
    hangul = _opt_text(ctx, table, "hangul", path)
    aliases = _texts(ctx, table, "aliases", path)
    kind = _choice(ctx, table, "kind", path, "person kind", "person") or "person"
    lists = _fact_lists(ctx, table, path, S.PERSON_FACT_LISTS)
    sources = _sources(ctx, table, path)
    if len(ctx.errors) > before or name is None:
        return None
    return Person(pid, name, sources, hangul=hangul, aliases=aliases, kind=kind, **lists)


def _declared(data: Table, key: str) -> frozenset[str]:
    """The ids declared under `[sources]` or `[people]`, valid or not: a bad declaration
    gets its own error, not one more at every reference."""
    table = data.get(key)
    return frozenset(table) if isinstance(table, dict) else frozenset()


def _parse(path: Path, data: Table) -> _Parsed:
    """Walks a whole file, collecting every error."""
    ctx = _Ctx(path.name, sources=_declared(data, "sources"), people=_declared(data, "people"))
    _check_keys(ctx, data, "", S.TOP_KEYS, ("format", "drama"))
    _check_format(ctx, data)
    sources = _parse_sources(ctx, data)
    slug, drama = _parse_drama(ctx, data)
    _check_file_name(ctx, slug)
    people = _parse_people(ctx, data)
    parts: dict[str, Any] = {
        "episodes": _items(ctx, data, "episodes", _episode),
        "cast": _items(ctx, data, "cast", _cast),
        "credits": _items(ctx, data, "credits", _credit),
        "ost": _items(ctx, data, "ost", _track),
        "trivia": _items(ctx, data, "trivia", _trivia),
        "questions": _items(ctx, data, "questions", _question),
    }
    unnumbered = _items(ctx, data, "ost_unnumbered", _unnumbered)
    if drama is not None and unnumbered:
        drama = replace(drama, ost_unnumbered=unnumbered)  # travels with the drama record
    _check_unique_numbers(ctx, data, "episodes", "episode")
    _check_unique_numbers(ctx, data, "ost", "track")
    _check_trivia_tracks(ctx, parts["trivia"], parts["ost"])
    pack = None
    if not ctx.errors and drama is not None:
        pack = Pack(str(path), drama, sources=sources, people=people, **parts)
    return _Parsed(ctx.file, ctx.errors, slug, people, sources, pack)


# --------------------------------------------------------------------------- across packs


class PackChecker:
    """The checks across packs, fed one parsed file at a time in file order: slugs are
    unique; a person's name, hangul and kind agree in every pack (their lists are merged);
    a shared source is declared identically. Only the merged people and sources and the
    slugs' owners are kept, so a build can parse pack by pack. `errors` holds every error
    so far, each file's own first, in the order `check_packs` reports them. `people` may
    be any empty mapping to merge into (a build keeps them compact, so each read of it
    costs: a declaration whose `people_keys` key is that of one that last merged into the
    record without changing it is skipped unread, as it would again change nothing)."""

    def __init__(self, people: MutableMapping[str, Person] | None = None) -> None:
        self.people: MutableMapping[str, Person] = {} if people is None else people
        self.sources: dict[str, Source] = {}
        self.errors: list[PackError] = []
        self._slug_owner: dict[str, str] = {}
        self._person_owner: dict[str, str] = {}
        self._source_owner: dict[str, str] = {}
        # people whose record is a merge's result -> the key of a declaration that merged
        # into the record as it is without changing it, if one did
        self._merged: dict[str, bytes | None] = {}

    def add(self, parsed: _Parsed) -> None:
        self.errors += parsed.errors
        self._check_slug(parsed)
        self._merge_people(parsed)
        self._merge_sources(parsed)

    def _check_slug(self, p: _Parsed) -> None:
        if p.slug is None:
            return
        if p.slug in self._slug_owner:
            message = f"slug '{p.slug}' is already used by {self._slug_owner[p.slug]}"
            self.errors.append(PackError(p.file, "drama.slug", message))
        self._slug_owner.setdefault(p.slug, p.file)

    def _merge_people(self, p: _Parsed) -> None:
        """People by id across packs: name, hangul and kind must agree; lists are merged."""
        merged, owner, keys = self.people, self._person_owner, p.people_keys
        for pid in p.people:  # each person read only if needed: `p.people` may be pickled
            if pid not in owner:
                self._adopt(pid, p)
                owner[pid] = p.file
                if pid in keys and pid in p.people_settled:
                    self._merged[pid] = keys[pid]  # as a merge with itself would show
                continue
            key = keys.get(pid)
            if key is not None and self._merged.get(pid) == key:
                continue  # it left this very record unchanged before, so it would again
            person, current = p.people[pid], merged[pid]  # read once: may be a store
            if pid in self._merged and person == current:
                self._merged[pid] = key
                continue  # a merge's result merged with itself is itself: no work
            clashes = _person_clashes(current, person, p.file, owner[pid])
            self.errors += clashes
            if not clashes:
                combined = _merge_person(current, person)
                unchanged = combined == current
                if not unchanged:
                    merged[pid] = combined
                self._merged[pid] = key if unchanged else None

    def _adopt(self, pid: str, p: _Parsed) -> None:
        """Take a person first met in `p` as their record (the store's build overrides
        this to keep the pickle it was handed, unread)."""
        self.people[pid] = p.people[pid]

    def _merge_sources(self, p: _Parsed) -> None:
        """Sources by id across packs: a shared source must be declared identically."""
        merged, owner = self.sources, self._source_owner
        for sid, source in p.sources.items():
            if sid not in merged:
                merged[sid], owner[sid] = source, p.file
            elif source != merged[sid]:
                diffs = _differences(source, merged[sid])
                message = (
                    f"differs from source '{sid}' in {owner[sid]} ({diffs}); "
                    "a source shared by packs must be identical in every pack"
                )
                self.errors.append(PackError(p.file, f"sources.{sid}", message))


def _show(value: object) -> str:
    """A value quoted for a message; None is shown as 'nothing'."""
    if isinstance(value, dt.date):
        return repr(value.isoformat())
    return "nothing" if value is None else repr(value)


def _person_clashes(first: Person, other: Person, file: str, first_file: str) -> list[PackError]:
    """A hangul given in one pack and left out in another is no clash: absent is unknown."""
    errors = []
    for key in ("name", "hangul", "kind"):
        mine, theirs = getattr(other, key), getattr(first, key)
        if mine == theirs or (key == "hangul" and None in (mine, theirs)):
            continue
        message = (
            f"{key} {_show(mine)} here but {_show(theirs)} in {first_file}; "
            "a person's name, hangul and kind must agree in every pack"
        )
        errors.append(PackError(file, f"people.{other.id}.{key}", message))
    return errors


def _union(a: Iterable[T], b: Iterable[T]) -> tuple[T, ...]:
    """Both sequences, de-duplicated, first occurrence order kept."""
    return tuple(dict.fromkeys((*a, *b)))


def _union_facts(a: Iterable[Fact], b: Iterable[Fact]) -> tuple[Fact, ...]:
    """Like `_union`, but two facts differing only in their sources become one fact citing
    both packs' sources (so "actress" is not listed twice)."""
    merged: dict[tuple[object, ...], Fact] = {}
    for fact in (*a, *b):
        key = (fact.primary.value, fact.primary.note, fact.also, fact.episode)
        if key in merged:
            prev = merged[key]
            sources = _union(prev.primary.sources, fact.primary.sources)
            fact = replace(prev, primary=replace(
                prev.primary, sources=sources,
                translations=_merged(prev.primary.translations, fact.primary.translations),
                note_translations=_merged(prev.primary.note_translations,
                                          fact.primary.note_translations)))
        merged[key] = fact
    return tuple(merged.values())


def _merged(first: tuple[tuple[str, str], ...], second: tuple[tuple[str, str], ...]
            ) -> tuple[tuple[str, str], ...]:
    """Both packs' translations of one fact, the first pack's where both have one."""
    return tuple({**dict(second), **dict(first)}.items())


def _merge_person(a: Person, b: Person) -> Person:
    return replace(
        a,
        hangul=a.hangul or b.hangul,
        aliases=_union(a.aliases, b.aliases),
        sources=_union(a.sources, b.sources),
        groups=_union_facts(a.groups, b.groups),
        occupations=_union_facts(a.occupations, b.occupations),
        other_works=_union_facts(a.other_works, b.other_works),
        facts=_union_facts(a.facts, b.facts),
    )


def settled_people(people: Mapping[str, Person]) -> frozenset[str]:
    """The people whose merge with themselves is themselves (`_merge_person(p, p) == p`),
    found without merging: all but those with an item the merge's unions would drop (an
    alias or a source listed twice, two facts of a list differing only in sources or
    translations, a language translated twice)."""
    return frozenset(pid for pid, person in people.items() if _settled(person))


def _settled(p: Person) -> bool:
    if not (_distinct(p.aliases) and _distinct(p.sources)):
        return False
    for facts in (p.groups, p.occupations, p.other_works, p.facts):
        if not _distinct([(f.primary.value, f.primary.note, f.also, f.episode)
                          for f in facts]):
            return False
        for f in facts:
            r = f.primary
            if not (_distinct(r.sources) and _distinct([lang for lang, _ in r.translations])
                    and _distinct([lang for lang, _ in r.note_translations])):
                return False
    return True


def _distinct(items: Sequence[object]) -> bool:
    return len(set(items)) == len(items)


def _differences(mine: Source, theirs: Source) -> str:
    parts = []
    for f in fields(Source):
        a, b = getattr(mine, f.name), getattr(theirs, f.name)
        if a != b:
            parts.append(f"{f.name} {_show(a)} here, {_show(b)} there")
    return "; ".join(parts)
