"""Compile the data packs into the fact store, atomically.

The fact store is derived data: it is never migrated, only rebuilt from the packs. A build
writes a temporary file beside the target, checks it (`PRAGMA quick_check`,
`PRAGMA foreign_key_check`), flushes it to disk and `os.replace`s it over the old store, so
a reader sees either the old store or the new one, never half of one. Any failure (a bad
pack, a full disk) deletes the temporary file, leaves the working store untouched and
propagates the error. `quick_check` is the test a starting bot applies to the store
(bot.runner): every page and b-tree of every table and index well formed, NOT NULL and
CHECK constraints held. What `integrity_check` adds, that each index holds exactly its
table's rows, SQLite maintains in the statement that writes them (UNIQUE keys are refused
as they are inserted, the other indexes are made whole after the rows); it would take a
bug in SQLite or corrupted memory to break it, and re-verifying it cost more than
everything else the check does.

`packs_fingerprint` hashes the pack files and the store's schema, and the build records it,
so `needs_build` can tell whether the packs changed since the last build. The build also
records each file's size, mtime_ns and SHA-256 (meta `pack_files`, a line per file in name
order, read along the folder), so a check re-reads only the files whose name, size or
mtime changed since (hashing every pack took
11.6 s of the start at 100,000 dramas). That assumes an edit changes the size or the
mtime_ns: editors and `touch` set the mtime, and a same-size edit within one mtime tick of
the build is caught because files that recent are not cached (RACY_NS). Whoever rewrites a
pack while keeping its size and restoring its mtime must run `dramabot db build`, which
always hashes every file afresh.

Builds use the synchronous sqlite3 module (one bulk write, run from the CLI or at start-up);
call it through `asyncio.to_thread` from async code. A large build forks worker processes
to parse the packs (see `_parse_all`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import itertools
import json
import multiprocessing
import operator
import os
import pickle
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from bot.packs.loader import (
    PackChecker,
    format_errors,
    pack_paths,
    parse_file,
    settled_people,
)
from bot.packs.loader import _Parsed as ParsedFile
from bot.packs.model import (
    Fact,
    Pack,
    PackLoadError,
    PackSet,
    Person,
    Source,
    Track,
)
from bot.store.facts import (
    MODEL_HASH,
    SCHEMA_PATH,
    SCHEMA_VERSION,
    FactStoreError,
    dump_info,
    to_json,
)
from bot.store.health import set_aside_if_damaged
from bot.store.models import CastMember, CrewMember, DramaRef, PersonRef, TrackInfo
from bot.store.names import KEY_VERSION, NameIndex, NameRow, fold, loose, name_row, search_key

STALE_TEMP_SECONDS = 3600
PACK_ERRORS_EXIT = 3  # `python -m bot.store.build`: the packs have errors (on stderr)
# A file modified this close to the build's look at it is not cached: a second same-size
# edit within one mtime tick (2 s on FAT, coarser on some network mounts) would keep the
# mtime, so its hash is taken again at each start until the next build.
RACY_NS = 2_000_000_000
# From this many packs a build parses in worker processes, BATCH files per task, at most
# BATCHES_AHEAD tasks per worker ahead of the writer.
PARALLEL_MIN = 2000
BATCH = 64
BATCHES_AHEAD = 3


@dataclasses.dataclass(frozen=True)
class BuildResult:
    """What a build wrote, for the CLI to report."""

    path: Path
    fingerprint: str
    packs: int
    dramas: int
    people: int
    tracks: int
    sources: int
    names: int
    seconds: float


@dataclasses.dataclass(frozen=True)
class PackFile:
    """One pack file as the fingerprint saw it; `sha256` is of its bytes."""

    name: str
    size: int
    mtime_ns: int
    sha256: str


def packs_fingerprint(packs_dir: Path, known: Mapping[str, PackFile] | None = None) -> str:
    """SHA-256 over the store's schema version, name-key version and schema SQL, and the
    name, size and content hash of every `*.toml` in the folder: any pack edit, added,
    removed or renamed pack, or store format change gives a new fingerprint. `known`
    (from `stored_pack_files`) spares hashing files whose size and mtime are unchanged;
    the result is the same with or without it."""
    return fingerprint_of(pack_files(packs_dir, known or {}))


def fingerprint_of(files: Iterable[PackFile]) -> str:
    """The fingerprint of pack files already hashed (see `packs_fingerprint`)."""
    digest = hashlib.sha256(
        f"facts:{SCHEMA_VERSION};keys:{KEY_VERSION};model:{MODEL_HASH}\n".encode())
    digest.update(SCHEMA_PATH.read_bytes())
    for f in files:
        digest.update(f"\0{f.name}\0{f.size}\0{f.sha256}".encode())
    return digest.hexdigest()


def pack_files(packs_dir: Path, known: Mapping[str, PackFile]) -> list[PackFile]:
    """Every `*.toml` file in the folder by name, hashed unless `known` has it with the
    same size and mtime_ns. The stat comes before the read, so an edit made while hashing
    shows as a newer mtime next time rather than being cached under the old one."""
    folder = os.fspath(packs_dir)
    return [_pack_file(folder, name, known.get(name)) for name in _toml_names(packs_dir)]


def _pack_files_along(packs_dir: Path, known: Iterable[PackFile]) -> Iterator[PackFile]:
    """`pack_files`, streamed, with `known` an iterable in name order (the stored record,
    read as it goes): a start at 100,000 packs holds neither a PackFile per file nor the
    decoded record, only the names. A `known` out of order only costs hashes."""
    folder = os.fspath(packs_dir)
    records = iter(known)
    record = next(records, None)
    for name in _toml_names(packs_dir):
        while record is not None and record.name < name:
            record = next(records, None)
        cached = record if record is not None and record.name == name else None
        yield _pack_file(folder, name, cached)


def _toml_names(packs_dir: Path) -> list[str]:
    """The names of the files `sorted(packs_dir.glob("*.toml"))` lists, from one directory
    scan (the glob and a second stat per file took 5 s of a start at 100,000)."""
    try:
        with os.scandir(packs_dir) as scan:
            found = [entry.name for entry in scan  # as fnmatch "*.toml", without its regex
                     if os.path.normcase(entry.name).endswith(".toml") and _is_file(entry)]
    except OSError:
        return []
    found.sort()
    return found


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _pack_file(folder: str, name: str, cached: PackFile | None) -> PackFile:
    """`cached` if size and mtime_ns still match, else the file hashed. A file that cannot
    be read gets a hash no file has, so a build is due and the loader reports the file."""
    path = os.path.join(folder, name)
    try:
        stat = os.stat(path)
        if cached is not None and (cached.size, cached.mtime_ns) == (stat.st_size,
                                                                      stat.st_mtime_ns):
            return cached
        return PackFile(name, stat.st_size, stat.st_mtime_ns, _sha256(Path(path)))
    except OSError as exc:
        return PackFile(name, -1, -1, f"unreadable: {exc.strerror or exc}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_fingerprint(db_path: Path) -> str | None:
    """The fingerprint a built store records, or None if there is no readable store."""
    return _stored_meta(db_path, ("fingerprint",)).get("fingerprint")


def stored_pack_files(db_path: Path) -> dict[str, PackFile]:
    """The pack files a built store records by name; {} when there is no readable store
    or the record is missing or malformed (then every file is simply hashed again)."""
    return _decode_pack_files(_stored_meta(db_path, ("pack_files",)).get("pack_files"))


def _stored_meta(db_path: Path, keys: Sequence[str]) -> dict[str, str]:
    """These keys of the `meta` table of the store at `db_path` (those it has); {} if
    there is no readable store."""
    if not Path(db_path).is_file():
        return {}
    try:
        uri = f"file:{quote(str(Path(db_path).resolve()))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute(
                f"SELECT key, value FROM meta WHERE key IN ({','.join('?' * len(keys))})",
                tuple(keys)).fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return {}
    return {str(k): str(v) for k, v in rows}


# meta `pack_files`: this line, then a line per file "name<TAB>size<TAB>mtime_ns<TAB>sha256",
# in name order, so a start reads it along the sorted folder without decoding it whole
# (the JSON it was decoded from at 100,000 files took 190 MB at its peak, kept by the
# bot's heap after).
_RECORD_HEAD = "pack-files 1"


def _encode_pack_files(files: Sequence[PackFile], now_ns: int) -> str:
    """The record for meta `pack_files`, leaving out files modified within RACY_NS of
    `now_ns` (their mtime may not yet show a further edit) and names with a tab or a
    newline (hashed at every start instead: no pack is named so)."""
    lines = [_RECORD_HEAD]
    lines += (f"{f.name}\t{f.size}\t{f.mtime_ns}\t{f.sha256}" for f in files
              if 0 <= f.mtime_ns <= now_ns - RACY_NS and not _BREAKS.intersection(f.name))
    return "\n".join(lines)


_BREAKS = frozenset("\t\n")


def _decode_pack_files(text: str | None) -> dict[str, PackFile]:
    """`_encode_pack_files` read back; {} for anything else, entry by entry."""
    return {f.name: f for f in _record_entries(text)}


def _record_entries(text: str | None) -> Iterator[PackFile]:
    """The well-formed entries of a `pack_files` record, in its order, one at a time."""
    if not text or text.split("\n", 1)[0] != _RECORD_HEAD:
        return
    pos, end = len(_RECORD_HEAD) + 1, len(text)
    while pos < end:
        stop = text.find("\n", pos)
        stop = end if stop < 0 else stop
        parts = text[pos:stop].split("\t")
        pos = stop + 1
        if len(parts) != 4 or not parts[3]:
            continue
        name, size, mtime_ns, sha256 = parts
        if size.isascii() and size.isdigit() and mtime_ns.isascii() and mtime_ns.isdigit():
            yield PackFile(name, int(size), int(mtime_ns), sha256)


def servable_packs(db_path: Path) -> int | None:
    """How many packs the store at `db_path` was built from, if it is one this code can
    open (built, by the same schema, name-key and model versions), whatever packs it was
    built from; else None. A bot may serve such a store while the packs are checked."""
    meta = _stored_meta(db_path, ("fingerprint", "schema_version", "key_version",
                                  "model_hash", "packs"))
    if "fingerprint" not in meta or (
            meta.get("schema_version"), meta.get("key_version"), meta.get("model_hash")
    ) != (str(SCHEMA_VERSION), str(KEY_VERSION), MODEL_HASH):
        return None
    packs = meta.get("packs", "")
    return int(packs) if packs.isascii() and packs.isdigit() else 0


def needs_build(packs_dir: Path, db_path: Path) -> bool:
    """True when the store is missing, unreadable, or built from other packs or by another
    store version. Hashes only the files changed since the store's build."""
    meta = _stored_meta(db_path, ("fingerprint", "pack_files"))
    if "fingerprint" not in meta:
        return True
    files = _pack_files_along(packs_dir, _record_entries(meta.pop("pack_files", None)))
    return meta["fingerprint"] != fingerprint_of(files)


def build_fact_store(packs_dir: Path, db_path: Path, workers: int | None = None
                     ) -> BuildResult:
    """Load and check every pack (raising PackLoadError with all errors), then write the
    store atomically. On any error the old store stays in place. Every file is hashed
    afresh (the build reads them all anyway), so a build also repairs the cache.

    Packs are parsed and written one by one, keeping only what the checks across packs
    need (the merged people and sources), and for a large folder parsed in `workers`
    processes (default: one per CPU from PARALLEL_MIN packs on; 1 parses here)."""
    started = time.monotonic()
    now_ns = time.time_ns()
    paths, errors = pack_paths(Path(packs_dir))
    if errors:
        raise PackLoadError(errors)
    staged = _StagedPeople()
    checker = _Checker(staged)
    hashed: list[PackFile] = []  # each pack file as the worker that read it hashed it

    def packs(batch_map: BatchMap) -> Iterator[_PackRows]:
        for parsed, rows, file in _parse_all(paths, batch_map):
            hashed.append(file)
            checker.add(parsed)
            if rows is not None and not checker.errors:
                yield rows

    def merged() -> tuple[Mapping[str, Person], Mapping[str, Source]]:
        if checker.errors:
            raise PackLoadError(checker.errors)
        return checker.people, checker.sources

    def record() -> tuple[str, str]:
        files = _with_unparsed(packs_dir, hashed)
        return fingerprint_of(files), _encode_pack_files(files, now_ns)

    try:
        with _batch_map(_worker_count(len(paths), workers)) as batch_map:
            return _write_store(db_path, packs(batch_map), merged, record, started,
                                batch_map)
    finally:
        staged.close()


def _with_unparsed(packs_dir: Path, parsed: Sequence[PackFile]) -> list[PackFile]:
    """The files `pack_files` lists, in its order: those parsed, as they were hashed when
    read, and the few the loader skips (names starting with _ or .), hashed here."""
    folder, by_name = os.fspath(packs_dir), {f.name: f for f in parsed}
    return [by_name.get(name) or _pack_file(folder, name, None)
            for name in _toml_names(packs_dir)]


def write_fact_store(packset: PackSet, db_path: Path, fingerprint: str = "",
                     started: float | None = None, files_json: str = "{}") -> BuildResult:
    """Write an already loaded PackSet as the store at `db_path`, atomically;
    `files_json` is the pack files' record for meta `pack_files`."""
    started = time.monotonic() if started is None else started
    return _write_store(db_path, (_pack_rows(p) for p in packset.packs),
                        lambda: (packset.people, packset.sources),
                        lambda: (fingerprint, files_json), started)


Merged = Callable[[], tuple[Mapping[str, Person], Mapping[str, Source]]]


def _write_store(db_path: Path, packs: Iterable[_PackRows], merged: Merged,
                 record: Callable[[], tuple[str, str]], started: float,
                 batch_map: BatchMap = map) -> BuildResult:
    """Write every pack's rows, then what needs them all (`merged()`: the people and
    sources, raising if the packs had errors; `record()`: the fingerprint and the pack
    files' record for meta), to a temp file swapped in atomically."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(db_path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp",
                                    dir=db_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        counts, fingerprint = _write(tmp, packs, merged, record, batch_map)
        _fsync(tmp)
        os.replace(tmp, db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(db_path.parent)
    return BuildResult(db_path, fingerprint, seconds=round(time.monotonic() - started, 3),
                       **counts)


def _remove_stale_temps(db_path: Path) -> None:
    """Delete temp files a killed build left behind (an hour old: a build running right
    now in another process keeps its own)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for tmp in db_path.parent.glob(f".{db_path.name}.*.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
        except OSError:
            continue


class _StagedPeople(MutableMapping[str, Person]):
    """People by id, kept pickled in a private temporary SQLite file rather than in
    memory: a build merges 290,000 people at 100,000 dramas, and held as objects they were
    most of its memory. Iteration is in insertion order, as a dict's."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect("")  # "": a temporary file, deleted on close
        self._conn.execute("PRAGMA journal_mode = OFF")
        self._conn.execute("PRAGMA synchronous = OFF")
        self._conn.execute(
            "CREATE TABLE people (n INTEGER PRIMARY KEY, id TEXT UNIQUE, data BLOB)")

    def __getitem__(self, pid: str) -> Person:
        row = self._conn.execute("SELECT data FROM people WHERE id = ?", (pid,)).fetchone()
        if row is None:
            raise KeyError(pid)
        person: Person = pickle.loads(row[0])
        return person

    def __setitem__(self, pid: str, person: Person) -> None:
        self.put_pickled(pid, pickle.dumps(person, protocol=pickle.HIGHEST_PROTOCOL))

    def put_pickled(self, pid: str, data: bytes) -> None:
        """Store a person already pickled (`pickle.dumps` of the Person)."""
        self._conn.execute(
            "INSERT INTO people (id, data) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data", (pid, data))

    def __delitem__(self, pid: str) -> None:
        if self._conn.execute("DELETE FROM people WHERE id = ?", (pid,)).rowcount == 0:
            raise KeyError(pid)

    def __contains__(self, pid: object) -> bool:
        found = self._conn.execute("SELECT 1 FROM people WHERE id = ?", (pid,)).fetchone()
        return found is not None

    def __iter__(self) -> Iterator[str]:
        return (r[0] for r in self._conn.execute("SELECT id FROM people ORDER BY n"))

    def values(self) -> Iterator[Person]:  # type: ignore[override]
        """Every person in insertion order, streamed."""
        return (pickle.loads(data) for _pid, data in self.pickled())

    def pickled(self) -> Iterator[tuple[str, bytes]]:
        """Every person's id and pickle in insertion order, streamed."""
        return ((str(pid), bytes(data)) for pid, data in self._conn.execute(
            "SELECT id, data FROM people ORDER BY n"))

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM people").fetchone()[0])

    def close(self) -> None:
        self._conn.close()


# -- parsing, pack by pack ------------------------------------------------------------------

BatchMap = Callable[[Callable[[Any], list[Any]], Iterable[Any]], Iterator[list[Any]]]


def _worker_count(packs: int, workers: int | None) -> int:
    if workers is None:
        workers = (os.cpu_count() or 1) if packs >= PARALLEL_MIN else 1
    return workers if "fork" in multiprocessing.get_all_start_methods() else 1


@contextlib.contextmanager
def _batch_map(workers: int) -> Iterator[BatchMap]:
    """A `map` over batches that runs in `workers` processes (fork) when there are two or
    more: results in order, at most BATCHES_AHEAD batches per worker ahead of the caller,
    so memory stays bounded whichever side is slower. The parsing and the people's rows
    at the end both use it."""
    if workers <= 1:
        yield map
        return
    # fork, not spawn: spawn re-runs the main module in each worker, and `python -m bot`
    # is not import-safe; the pool starts its workers before any thread of its own.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_init)
    try:
        gc.freeze()  # the workers' collections then skip the heap they inherit (and its
        try:  # pages stay shared); a pool forks them all at its first task
            pool.submit(int).result()
        finally:
            gc.unfreeze()
        yield functools.partial(_in_order, pool, workers * BATCHES_AHEAD)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_order(pool: ProcessPoolExecutor, ahead: int, fn: Callable[[Any], list[Any]],
              batches: Iterable[Any]) -> Iterator[list[Any]]:
    todo = iter(batches)
    pending = deque(pool.submit(fn, b) for b in itertools.islice(todo, ahead))
    while pending:
        done = pending.popleft().result()
        following = next(todo, None)
        if following is not None:
            pending.append(pool.submit(fn, following))
        yield done


_Parse = tuple[ParsedFile, "_PackRows | None", PackFile]


def _parse_all(paths: Sequence[Path], batch_map: BatchMap) -> Iterator[_Parse]:
    """Each file parsed, checked alone and turned into rows, in file order, with the file
    as `pack_files` would hash it."""
    batches = (paths[i:i + BATCH] for i in range(0, len(paths), BATCH))
    for done in batch_map(_parse_batch, batches):
        yield from done


def _worker_init() -> None:
    gc.disable()  # collected once per batch instead (see _parse_batch)
    parent = os.getppid()

    def exit_when_orphaned() -> None:  # a killed build must not leave its workers behind
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)
    threading.Thread(target=exit_when_orphaned, daemon=True).start()


def _parse_batch(paths: Sequence[Path]) -> list[_Parse]:
    # Collected before the batch, when little is alive, rather than after it, when the
    # collector would traverse the batch's results (handed back, not garbage) each time.
    gc.collect()
    return [_parse_one(path) for path in paths]


def _parse_one(path: Path) -> _Parse:
    """One file parsed and checked, with its rows if it has no errors; the Pack itself
    is left out of what is handed back (the rows hold all of it). The file is hashed
    from the bytes parsed, not read a second time to be fingerprinted (stat first, as
    `_pack_file` does)."""
    try:
        stat = os.stat(path)
        content = path.read_bytes()
    except OSError as exc:  # the loader reports it: the build fails
        file = PackFile(path.name, -1, -1, f"unreadable: {exc.strerror or exc}")
        parsed = parse_file(path)
    else:
        file = PackFile(path.name, stat.st_size, stat.st_mtime_ns,
                        hashlib.sha256(content).hexdigest())
        parsed = parse_file(path, content)
    people = _PickledPeople(parsed.people)
    handed = dataclasses.replace(parsed, pack=None, people=people, people_keys=people.digests(),
                                 people_settled=settled_people(parsed.people))
    return handed, None if parsed.pack is None else _pack_rows(parsed.pack), file


class _Checker(PackChecker):
    """The checks across packs, keeping people as the workers pickled them where it can."""

    def _adopt(self, pid: str, p: ParsedFile) -> None:
        if isinstance(p.people, _PickledPeople) and isinstance(self.people, _StagedPeople):
            self.people.put_pickled(pid, p.people.pickled[pid])
        else:
            super()._adopt(pid, p)


class _PickledPeople(Mapping[str, Person]):
    """A file's people, each pickled where it was parsed: the builder unpickles only those
    it has to merge, and a declaration it met before is known by its digest."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        self.pickled = {pid: pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)
                        for pid, p in people.items()}

    def digests(self) -> dict[str, bytes]:
        """Per person, a digest of the pickle: equal digests, equal declarations (a
        pickle is a Person's fields, id included; equal people may pickle apart, which
        only costs a merge)."""
        return {pid: hashlib.blake2b(data, digest_size=16).digest()
                for pid, data in self.pickled.items()}

    def __getitem__(self, pid: str) -> Person:
        person: Person = pickle.loads(self.pickled[pid])
        return person

    def __iter__(self) -> Iterator[str]:
        return iter(self.pickled)

    def __len__(self) -> int:
        return len(self.pickled)


class _PackRows(NamedTuple):
    """One pack's rows, made where it was parsed; what needs every pack (people, track
    search keys with the artists' merged names, person names) is written at the end."""

    drama: tuple[str, str, str | None, str, str, str, bytes]  # slug, title, korean, ...
    episodes: list[tuple[str, int, str]]
    cast: list[tuple[str, int, str, str]]
    credits: list[tuple[str, int, str, str, str]]
    tracks: list[tuple[int, str, str, tuple[str, ...]]]  # number, data, title keys, artists
    track_artists: list[tuple[str, int, int, str]]
    trivia: list[tuple[str, int, str | None, str]]
    questions: list[tuple[str, int, str]]
    names: list[tuple[str, ...]]
    cited: dict[str, set[str]]  # person id -> sources their entries here cite
    unsure: tuple[str, ...]  # people in `drama`'s refs without a hangul here (see _drama_info)


def _pack_rows(pack: Pack) -> _PackRows:
    drama, slug = pack.drama, pack.drama.slug
    title = str(drama.title.value)
    korean = str(drama.korean_title.value) if drama.korean_title else None
    cites = _Cites()
    data = cites.json(drama)
    episodes = [(slug, e.number, cites.json(e)) for e in pack.episodes]
    cast = [(slug, i, c.person, cites.json(c, (c.person,))) for i, c in enumerate(pack.cast)]
    # a credit whose job is not on record: "" in the column, None in its JSON
    credits = [(slug, i, c.person, c.job or "", cites.json(c, (c.person,)))
               for i, c in enumerate(pack.credits)]
    tracks = [(t.number, cites.json(t, [a.person for a in t.artists]),
               "|".join(_search_keys(_track_texts(t), {})),
               tuple(a.person for a in t.artists)) for t in pack.ost]
    trivia = [(slug, i, t.topic, cites.json(t)) for i, t in enumerate(pack.trivia)]
    questions = [(slug, i, cites.json(q)) for i, q in enumerate(pack.questions)]
    return _PackRows(
        drama=(slug, title, korean, fold(title), data, _id_list(cites.all),
               _drama_info(pack)),
        episodes=episodes, cast=cast, credits=credits, tracks=tracks,
        track_artists=[(slug, t.number, i, a.person)
                       for t in pack.ost for i, a in enumerate(t.artists)],
        trivia=trivia, questions=questions,
        names=list(_unique(_drama_names([pack]))),
        cited=cites.by_person,
        unsure=tuple(sorted(pid for pid in cites.by_person
                            if (person := pack.people.get(pid)) is None or person.hangul is None)),
    )


class _Cites:
    """The sources a pack's rows cite, gathered while their JSON is written (one walk of
    each object for both): all of them, and per person those their entries cite."""

    def __init__(self) -> None:
        self.all: set[str] = set()
        self.by_person: dict[str, set[str]] = {}

    def json(self, obj: object, people: Iterable[str] = ()) -> str:
        found: set[str] = set()
        text = to_json(obj, found)
        self.all |= found
        for pid in people:
            self.by_person.setdefault(pid, set()).update(found)
        return text


def _drama_info(pack: Pack) -> bytes:
    """`dramas.info`: a DramaInfo's parts but its sources (Drama, cast and crew with their
    PersonRefs, episodes by number, tracks by number with their artists' refs, trivia,
    questions), so a first ask is one row and one unpickling. The refs are made from the
    pack's own people: a person's name and kind agree in every pack, and a Hangul name a
    pack leaves out is filled in at the end of the build (`_fill_hangul`)."""
    drama = pack.drama
    korean = str(drama.korean_title.value) if drama.korean_title else None
    ref = DramaRef(drama.slug, str(drama.title.value), korean)
    refs: dict[str, PersonRef] = {}

    def person(pid: str) -> PersonRef:
        found = refs.get(pid)
        if found is None:
            declared = pack.people.get(pid)
            found = refs[pid] = (PersonRef(pid, declared.name, declared.hangul)
                                 if declared is not None else PersonRef(pid, pid))
        return found
    by_number = operator.attrgetter("number")
    return _pickle_info(
        drama,
        tuple(CastMember(person(c.person), c) for c in pack.cast),
        tuple(CrewMember(person(c.person), c) for c in pack.credits),
        tuple(sorted(pack.episodes, key=by_number)),
        tuple(TrackInfo(ref, t, tuple(person(a.person) for a in t.artists))
              for t in sorted(pack.ost, key=by_number)),
        pack.trivia, pack.questions)


def _pickle_info(*parts: object) -> bytes:
    """Lean (`dump_info`): a little more work here, once per drama, for less at every
    first ask of it, and a store about 8 % smaller."""
    return dump_info(parts)


def _fill_hangul(blob: bytes, hangul: Mapping[str, str]) -> bytes:
    """`dramas.info` with the Hangul names the merged people give (`hangul`, by id) in
    the refs of the people its pack declared without one; each ref made once."""
    drama, cast, crew, episodes, tracks, trivia, questions = pickle.loads(blob)
    made: dict[str, PersonRef] = {}

    def fixed(ref: PersonRef) -> PersonRef:
        if ref.id not in hangul:
            return ref
        if ref.id not in made:
            made[ref.id] = PersonRef(ref.id, ref.name, hangul[ref.id])
        return made[ref.id]
    return _pickle_info(
        drama,
        tuple(CastMember(fixed(c.person), c.entry) for c in cast),
        tuple(CrewMember(fixed(c.person), c.credit) for c in crew),
        episodes,
        tuple(TrackInfo(t.drama, t.track, tuple(map(fixed, t.artists))) for t in tracks),
        trivia, questions)


# -- writing --------------------------------------------------------------------------------

def _write(path: Path, packs: Iterable[_PackRows], merged: Merged,
           record: Callable[[], tuple[str, str]], batch_map: BatchMap
           ) -> tuple[dict[str, int], str]:
    """Create the schema and every row in one transaction, then check the file; returns
    the counts and the fingerprint recorded."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a temp file: nothing to roll back to
        conn.execute("PRAGMA synchronous = OFF")  # flushed once by _fsync before the swap
        conn.execute("PRAGMA cache_size = -16384")  # 16 MB: rows arrive in key order
        tables, indexes = _schema_parts(SCHEMA_PATH.read_text(encoding="utf-8"))
        conn.executescript(tables)
        conn.execute(
            "CREATE TEMP TABLE track_stage (id INTEGER PRIMARY KEY, sort_key TEXT,"
            " slug TEXT, number INTEGER, title_keys TEXT, artists TEXT)")
        conn.execute("BEGIN")
        unsure: dict[str, tuple[str, ...]] = {}
        counts, cited = _insert_packs(conn, packs, unsure)
        people, sources = merged()
        counts = _insert_merged(conn, people, sources, cited, counts, batch_map)
        _update_refs(conn, unsure)
        for statement in indexes:  # one sort each, not an insert per row into a B-tree
            conn.execute(statement)
        _insert_name_indexes(conn)
        fingerprint, files_record = record()
        _insert_meta(conn, {"fingerprint": fingerprint, "pack_files": files_record}, counts)
        conn.execute("COMMIT")
        conn.execute("DROP TABLE temp.track_stage")
        _check(conn)
    finally:
        gc.unfreeze()  # what _flush froze is collected as usual again
        conn.close()
    return counts, fingerprint


def _schema_parts(schema: str) -> tuple[str, list[str]]:
    """The schema script without its CREATE INDEX statements, and those statements
    (comments dropped: the schema has no "--" or ";" inside a literal)."""
    code = "\n".join(line.split("--", 1)[0] for line in schema.splitlines())
    tables, indexes = [], []
    for statement in (part.strip() for part in code.split(";")):
        if statement.upper().startswith("CREATE INDEX"):
            indexes.append(statement)
        elif statement:
            tables.append(statement + ";")
    return "\n".join(tables), indexes


def _insert_packs(conn: sqlite3.Connection, packs: Iterable[_PackRows],
                  unsure: dict[str, tuple[str, ...]]
                  ) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Every pack's own rows, in pack order (tracks numbered 1.. in that order); returns
    counts, and per person the sources their entries in the packs cite. `unsure` gets,
    per drama, the people its refs name without a Hangul name."""
    cited: dict[str, tuple[str, ...]] = {}  # tuples: a third of a set's memory
    dramas = tracks = names = 0
    batch: dict[str, list[tuple[object, ...]]] = {sql: [] for sql in _PACK_INSERTS.values()}
    for rows in packs:
        slug, sort_key = rows.drama[0], rows.drama[3]
        first = tracks + 1
        for part, sql in _PACK_INSERTS.items():
            if part == "drama":
                batch[sql].append(rows.drama)
            elif part == "tracks":
                batch[sql] += [(first + i, slug, t[0], t[1]) for i, t in enumerate(rows.tracks)]
            elif part == "track_stage":
                batch[sql] += [(first + i, sort_key, slug, t[0], t[2], ",".join(t[3]))
                               for i, t in enumerate(rows.tracks)]
            else:
                batch[sql] += getattr(rows, part)
        for pid, ids in rows.cited.items():
            known = cited.get(pid, ())
            if not ids.issubset(known):  # unsorted: the people's rows sort them
                cited[pid] = (*known, *map(sys.intern, ids.difference(known)))
        if rows.unsure:
            unsure[slug] = rows.unsure
        dramas += 1
        tracks += len(rows.tracks)
        names += len(rows.names)
        if dramas % BATCH == 0:
            _flush(conn, batch)
    _flush(conn, batch)
    return {"packs": dramas, "dramas": dramas, "tracks": tracks, "names": names}, cited


_PACK_INSERTS = {  # _PackRows part (or a table made from one) -> its INSERT, in that order
    "drama": "INSERT INTO dramas (slug, title, korean_title, sort_key, data, cited, info)"
             " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "episodes": "INSERT INTO episodes (slug, number, data) VALUES (?, ?, ?)",
    "cast": "INSERT INTO cast_entries (slug, position, person_id, data) VALUES (?, ?, ?, ?)",
    "credits": "INSERT INTO credits (slug, position, person_id, job, data)"
               " VALUES (?, ?, ?, ?, ?)",
    "tracks": "INSERT INTO tracks (id, slug, number, data) VALUES (?, ?, ?, ?)",
    "track_stage": "INSERT INTO temp.track_stage (id, sort_key, slug, number, title_keys,"
                   " artists) VALUES (?, ?, ?, ?, ?, ?)",
    "track_artists": "INSERT INTO track_artists (slug, number, position, person_id)"
                     " VALUES (?, ?, ?, ?)",
    "trivia": "INSERT INTO trivia (slug, position, topic, data) VALUES (?, ?, ?, ?)",
    "questions": "INSERT INTO questions (slug, position, data) VALUES (?, ?, ?)",
    "names": "INSERT INTO names (kind, key, label, name, skey, loose, words)"
             " VALUES (?, ?, ?, ?, ?, ?, ?)",
}


def _flush(conn: sqlite3.Connection, batch: dict[str, list[tuple[object, ...]]]) -> None:
    """Insert and empty the rows collected for each table (one executemany per table for
    BATCH packs, not one per pack). What outlives a batch mostly stays to the end of the
    build (the merged people's owners and keys, the cited sources), so it is frozen: the
    collector then traverses only what the following batches make, not the growing heap
    again each time it has grown by a quarter (`_write` unfreezes it)."""
    for sql, rows in batch.items():
        if rows:
            conn.executemany(sql, rows)
            rows.clear()
    gc.freeze()


def _insert_merged(conn: sqlite3.Connection, people: Mapping[str, Person],
                   sources: Mapping[str, Source], cited: dict[str, tuple[str, ...]],
                   counts: dict[str, int], batch_map: BatchMap) -> dict[str, int]:
    """What needs every pack: sources, people (with every source their entries cite),
    each track's search keys (the artists' merged names) and the person names. The
    people's rows are made by `batch_map` (in the workers, idle once the packs are in)."""
    conn.executemany("INSERT INTO sources (id, data) VALUES (?, ?)",
                     ((sid, to_json(s)) for sid, s in sorted(sources.items())))
    artist_keys: dict[str, str] = {}
    names = 0
    for done in batch_map(_people_rows, _people_batches(people, cited)):
        conn.executemany(
            "INSERT INTO people (id, name, hangul, kind, sort_key, data, cited)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", [person for person, _names, _keys in done])
        rows = [row for _person, person_names, _keys in done for row in person_names]
        conn.executemany(
            "INSERT INTO names (kind, key, label, name, skey, loose, words)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        names += len(rows)
        artist_keys.update((person[0], keys) for person, _names, keys in done)
    staged = conn.execute("SELECT id, sort_key, slug, number, title_keys, artists"
                          " FROM temp.track_stage ORDER BY id")
    conn.executemany(
        "INSERT INTO track_search (id, sort_key, slug, number, search) VALUES (?, ?, ?, ?, ?)",
        ((tid, sort_key, slug, number, _track_search(title_keys, artists, artist_keys))
         for tid, sort_key, slug, number, title_keys, artists in staged))
    return {**counts, "people": len(people), "sources": len(sources),
            "names": counts["names"] + names}


PEOPLE_BATCH = 512  # people a task at the end of a build (some 50 ms of a worker's time)
_PersonItem = tuple[str, bytes, tuple[str, ...]]  # id, pickled Person, cited by entries
_PersonRows = tuple[tuple[object, ...], list[tuple[str, ...]], str]


def _people_batches(people: Mapping[str, Person], cited: dict[str, tuple[str, ...]]
                    ) -> Iterator[list[_PersonItem]]:
    """Each person pickled, with the sources their entries cite (taken out of `cited`
    as they go), PEOPLE_BATCH at a time, in the order of `people`."""
    pickled = (people.pickled() if isinstance(people, _StagedPeople) else
               ((pid, pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL))
                for pid, p in people.items()))
    items = ((pid, data, cited.pop(pid, ())) for pid, data in pickled)
    while batch := list(itertools.islice(items, PEOPLE_BATCH)):
        yield batch


def _people_rows(batch: Sequence[_PersonItem]) -> list[_PersonRows]:
    """Per person: the `people` row, the `names` rows and the keys that find a track by
    this person as its artist (see `_track_search`)."""
    done: list[_PersonRows] = []
    for _pid, data, cited in batch:
        p: Person = pickle.loads(data)
        sources = set(cited)
        text = to_json(p, sources)
        row = (p.id, p.name, p.hangul, p.kind, fold(p.name), text, _id_list(sources))
        named = list(_person_names({p.id: p}))
        done.append((row, list(_unique(named)), "|".join(_artist_keys(p, named))))
    return done


def _artist_keys(p: Person, named: Sequence[tuple[str, NameRow]]) -> dict[str, None]:
    """`_search_keys(_artist_texts(p), {})`, taking the keys of the name, Hangul and
    aliases from their rows in `named` (`_person_names`: the same texts in the same
    order, then the id), so each is folded once."""
    keys: dict[str, None] = {}
    for _kind, row in named[:-1]:
        if row.skey:
            keys[row.skey] = None
            keys[row.loose] = None
    return _search_keys([v for g in p.groups for v in _readings(g)], keys)


def _update_refs(conn: sqlite3.Connection, unsure: Mapping[str, tuple[str, ...]]) -> None:
    """Give the refs in `dramas.info` the Hangul names of the merged people where their
    drama's pack left one out (`unsure`: slug -> person ids; the people are written)."""
    for slug, pids in unsure.items():
        found = dict(conn.execute(
            f"SELECT id, hangul FROM people WHERE id IN ({','.join('?' * len(pids))})"
            " AND hangul IS NOT NULL", pids).fetchall())
        if found:
            (blob,) = conn.execute("SELECT info FROM dramas WHERE slug = ?", (slug,)).fetchone()
            conn.execute("UPDATE dramas SET info = ? WHERE slug = ?",
                         (_fill_hangul(blob, found), slug))


def _id_list(ids: set[str]) -> str:
    return json.dumps(sorted(ids), ensure_ascii=False, separators=(",", ":"))


def _readings(fact: Fact | None) -> list[str]:
    """Every reading of a fact as text: the primary value and each `also` value."""
    if fact is None:
        return []
    return [str(fact.primary.value), *(str(r.value) for r in fact.also)]


def _track_texts(track: Track) -> list[str]:
    """A track's titles, every reading, English then Korean."""
    return _readings(track.title) + _readings(track.korean_title)


def _search_keys(texts: Iterable[str], keys: dict[str, None]) -> dict[str, None]:
    """`keys` with the folded and loose key of each text added, in order, once each."""
    for text in texts:
        key = search_key(text)
        if key:
            keys[key] = None
            keys[loose(text)] = None
    return keys


def _track_search(title_keys: str, artists: str, artist_keys: Mapping[str, str]) -> str:
    """The `track_search.search` column: "|key|key|" over the track's titles (every reading;
    their keys made with the pack's rows) and each artist's name, Hangul, aliases and
    groups, in folded and loose form (`artist_keys`: each person's, made once)."""
    keys = dict.fromkeys(k for k in title_keys.split("|") if k)
    for artist in artists.split(",") if artists else ():
        keys.update(dict.fromkeys(k for k in artist_keys.get(artist, "").split("|") if k))
    return "|" + "|".join(keys) + "|"


def _artist_texts(person: Person | None) -> list[str]:
    """What finds a track by its artist: name, Hangul, aliases, groups (every reading)."""
    if person is None:
        return []
    texts = [person.name, person.hangul or "", *person.aliases]
    return texts + [v for g in person.groups for v in _readings(g)]


def _drama_names(packs: Iterable[Pack]) -> Iterator[tuple[str, NameRow]]:
    """Every name a drama is found by: title, Korean title, former titles (every reading),
    aliases, slug; the title first, so a match shows the title when keys coincide."""
    for pack in packs:
        d = pack.drama
        label = str(d.title.value)
        texts = _readings(d.title) + _readings(d.korean_title)
        texts += [v for f in d.former_titles for v in _readings(f)]
        for text in [*texts, *d.aliases, d.slug]:
            yield "drama", name_row(d.slug, label, text)


def _person_names(people: Mapping[str, Person]) -> Iterator[tuple[str, NameRow]]:
    """A person's name, Hangul, aliases and id. Character names stay out: typing a role's
    name must not find the actor."""
    for p in people.values():
        for text in [p.name, p.hangul or "", *p.aliases, p.id]:
            yield "person", name_row(p.id, p.name, text)


def _unique(*groups: Iterable[tuple[str, NameRow]]) -> Iterator[tuple[str, ...]]:
    """Rows for the names table, one per (kind, entity, key), empty keys dropped."""
    seen: set[tuple[str, str, str]] = set()
    for group in groups:
        for kind, row in group:
            if row.skey and (kind, row.key, row.skey) not in seen:
                seen.add((kind, row.key, row.skey))
                yield (kind, *row)


def _insert_name_indexes(conn: sqlite3.Connection) -> None:
    """Each kind's NameIndex, made from the `names` rows just written and stored whole, so
    a start reads it back instead of sorting every name."""
    for kind in ("drama", "person"):
        parts = name_index(conn, kind).to_parts()
        conn.executemany("INSERT INTO name_index (kind, part, data) VALUES (?, ?, ?)",
                         ((kind, name, data) for name, data in parts.items()))


def name_index(conn: sqlite3.Connection, kind: str) -> NameIndex:
    """The NameIndex of the `names` rows of one kind, the index's own
    `NameIndex(kind, rows in rowid order)`, but with SQLite sorting the names and each
    column read on its own (sorting in Python holds every name's strings, a million at
    100,000 dramas, at once). A name's number is its place in rowid order; ties keep
    that order."""
    ranked = _ranked_names(conn, kind)

    def column(sql: str) -> Iterator[Any]:
        rows = conn.execute(sql, (kind,) if "?1" in sql else ())
        # a single column's values picked in C: a generator cost a call per name
        return map(_first, rows) if len(rows.description) == 1 else rows

    # The entities, numbered in order of their first name, each with the label of that
    # name (a bare column beside min() comes from the row min() picked); a temporary
    # table, so the entities are never all Python objects at once.
    conn.execute("DROP TABLE IF EXISTS temp.entities")
    conn.execute(
        "CREATE TEMP TABLE entities AS SELECT row_number() OVER (ORDER BY first) - 1 AS e,"
        " key, label FROM (SELECT key, label, min(rowid) AS first FROM names"
        " WHERE kind = ?1 GROUP BY key)", (kind,))
    conn.execute("CREATE UNIQUE INDEX temp.entities_by_key ON entities (key)")
    conn.create_function("fold", 1, fold, deterministic=True)
    index = NameIndex.assemble(
        kind,
        ent_keys=column("SELECT key FROM temp.entities ORDER BY e"),
        ent_labels=column("SELECT label FROM temp.entities ORDER BY e"),
        # Python's sort by (fold(label), label), stably: TEXT compares in code point order
        by_label=column("SELECT e FROM temp.entities ORDER BY fold(label), label, e"),
        name_ent=column("SELECT e.e FROM names n JOIN temp.entities e ON e.key = n.key"
                        " WHERE n.kind = ?1 ORDER BY n.rowid"),
        names=column("SELECT name FROM names WHERE kind = ?1 ORDER BY rowid"),
        skeys=list(column("SELECT skey FROM names WHERE kind = ?1 ORDER BY rowid")),
        loose_keys=column("SELECT loose FROM names WHERE kind = ?1 ORDER BY rowid"),
        by_skey=column(f"SELECT i FROM {ranked} ORDER BY skey, i"),
        by_loose=column(f"SELECT i FROM {ranked} ORDER BY loose, i"),
        words=column(f"SELECT n.i, CAST(w.value AS INTEGER) FROM {ranked} n,"
                     " json_each('[' || n.words || ']') w"
                     " ORDER BY substr(n.skey, w.value + 1), n.i, w.key"),
    )
    conn.execute("DROP TABLE temp.entities")
    return index


_first = operator.itemgetter(0)


def _ranked_names(conn: sqlite3.Connection, kind: str) -> str:
    """A subquery of the `names` rows of one kind with their number in rowid order (`i`).
    A build writes each kind's names in one run of rowids, so the number is the rowid less
    the first one; otherwise a window numbers them (sorting them once more, three times
    per kind: half of the name index's time)."""
    first, last, count = conn.execute(
        "SELECT min(rowid), max(rowid), count(*) FROM names WHERE kind = ?", (kind,)).fetchone()
    if count and last - first + 1 == count:
        return f"(SELECT *, rowid - {int(first)} AS i FROM names WHERE kind = ?1)"
    return "(SELECT *, row_number() OVER (ORDER BY rowid) - 1 AS i FROM names WHERE kind = ?1)"


def _insert_meta(conn: sqlite3.Connection, recorded: dict[str, str],
                 counts: dict[str, int]) -> None:
    """Versions, build time and counts, with what the build `recorded` of its packs
    (fingerprint, pack_files)."""
    meta = {"schema_version": str(SCHEMA_VERSION), "key_version": str(KEY_VERSION),
            "model_hash": MODEL_HASH,
            **recorded,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **{k: str(v) for k, v in counts.items()}}
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())


def _check(conn: sqlite3.Connection) -> None:
    """Refuse to swap in a file SQLite itself doubts, or with dangling references (see
    the module's docstring for why `quick_check` suffices)."""
    result = [r[0] for r in conn.execute("PRAGMA quick_check")]
    if result != ["ok"]:
        raise FactStoreError(f"integrity check failed: {'; '.join(result[:5])}")
    dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise FactStoreError(f"dangling references in the built store: {dangling[:5]}")


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- a build in a process of its own ----------------------------------------------------------

def main(argv: Sequence[str]) -> int:
    """`python -m bot.store.build [--if-changed] PACKS_DIR DB_PATH`: build the store, as a
    running bot does in the background (bot.runner); with `--if-changed` only when the
    store is damaged (SQLite's quick_check: it is then linked aside, and replaced by the
    build) or `needs_build` says so. Prints JSON lines: {"changed": true} when a build
    starts after a check (with "damaged": the problem, and "aside": where the damaged file
    was put), then {"built": true, ...the BuildResult} or {"built": false}. With pack
    errors prints them, one a line, on stderr and exits PACK_ERRORS_EXIT. SIGTERM stops
    the build and deletes its temporary file."""

    args = list(argv)
    check = args[:1] == ["--if-changed"]
    if check:
        del args[0]
    if len(args) != 2:
        print("usage: python -m bot.store.build [--if-changed] PACKS_DIR DB_PATH",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    packs, db = Path(args[0]), Path(args[1])
    try:
        if check:
            damage = set_aside_if_damaged(db, keep_serving=True)
            if damage is not None:
                print(json.dumps({"changed": True, "damaged": damage[0],
                                  "aside": str(damage[1])}), flush=True)
            elif not needs_build(packs, db):
                print(json.dumps({"built": False}), flush=True)
                return 0
            else:
                print(json.dumps({"changed": True}), flush=True)
        result = build_fact_store(packs, db)
    except PackLoadError as error:
        print(format_errors(error.errors), file=sys.stderr)
        return PACK_ERRORS_EXIT
    except (sqlite3.Error, OSError, FactStoreError) as error:
        print(f"cannot write the fact store {db}: {str(error).splitlines()[0]}",
              file=sys.stderr)
        return 1
    fields = dataclasses.asdict(result)
    print(json.dumps({"built": True, **fields, "path": str(result.path)}), flush=True)
    return 0


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the build's clean-up


if __name__ == "__main__":  # run the module's own copy, so workers unpickle its functions
    from bot.store.build import main as _main

    raise SystemExit(_main(sys.argv[1:]))
