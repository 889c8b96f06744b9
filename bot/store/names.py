"""Name normalisation and matching: how free text typed by a user finds a drama or a person.

People type names every way: "Han So-hee", "han sohee", "HAN SO HEE", "한소희", "Park
Hyeong-sik" for "Park Hyung-sik". Matching therefore never compares raw strings:

- `fold` drops case, spacing, hyphens, punctuation, emoji and accents but keeps Hangul
  composed, so "Soundtrack #1", "soundtrack1" and "SOUNDTRACK 1" are one key.
- `loose` further merges a small, tested table of romanisation variants (eo/u, oo/u, ou/u,
  ee/i, sh/s, doubled letters), so "Han Seon-woo" meets "Han Sun-woo".
- `NameIndex` is the in-memory index the fact store's build makes once and stores, and
  each start reads back (`to_parts` / `from_parts`): exact and loose
  lookups, autocomplete (prefix, word prefix, substring, then bounded fuzzy) and
  `resolve` (exact, loose, then fuzzy with a clear-winner rule). No I/O, no SQL per keystroke.

Index keys are `search_key(name)`: the folded name in NFD, so Hangul is compared jamo by
jamo. That lets autocomplete match a syllable still being typed ("사우" on the way to
"사운드") and makes a one-jamo typo a small edit for the fuzzy scorer.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.store.models import Match, Resolution

# Bump when fold/loose/search_key/word_starts change: the fact store stores the keys, so a
# new version must force a rebuild (the build fingerprint includes it).
KEY_VERSION = 2

MAX_INPUT = 200  # user text is cut to this many characters before any matching
CONFIDENT = 85.0  # a fuzzy score this high may resolve to a single match ...
CLEAR_LEAD = 5.0  # ... if the runner-up trails by more than this
SUGGEST_MIN = 60.0  # lowest fuzzy score worth a "did you mean"
SUGGEST_COUNT = 3
FUZZY_POOL = 2500  # most names autocomplete scores fuzzily per keystroke: five windows
# of FUZZY_POOL // 5 (names on either side of the text, names with its first two
# letters, words on either side of it)
FUZZY_COMPLETE_MIN_LEN = 4  # shorter input has too many near neighbours to be worth it
FUZZY_COMPLETE_MIN = 75.0  # fuzz.ratio against the start of a name or word
RESOLVE_FULL_SCAN = 20_000  # up to this many names, resolve scores every name with WRatio
RESOLVE_POOL = 200  # beyond it, this many nearest names per way of finding them
SUBSTRING_SCAN = 2000  # most substring hits autocomplete walks per keystroke

# Autocomplete tiers: the score a Match carries says how it was found.
EXACT, PREFIX, WORD_PREFIX, SUBSTRING = 100.0, 90.0, 85.0, 75.0
LOOSE = 95.0
FUZZY_SCALE = 0.7  # autocomplete fuzzy scores are scaled below SUBSTRING

_LOOSE_RE = re.compile(r"eo|oo|ou|ee|sh")
_LOOSE_MAP = {"eo": "u", "oo": "u", "ou": "u", "ee": "i", "sh": "s"}
_DOUBLE_RE = re.compile(r"([a-z])\1+")
_DIGITS_RE = re.compile(r"\d+")
_NOT_ASCII_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_WORD_SPLIT_RE = re.compile(r"[\s\-_/.,:;!?'\"()\[\]{}#&+*~|<>@]+")


@functools.lru_cache(maxsize=1 << 14)  # a name's keys fold it 3 to 5 times, its words too
def fold(text: str) -> str:
    """The matching key of a name: case, spacing, punctuation, symbols and accents removed
    (NFKD, combining marks dropped, NFC again so Hangul stays composed, casefold)."""
    if text.isascii():  # the common case; NFKD and casefold change nothing here
        return _NOT_ASCII_ALNUM_RE.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    composed = unicodedata.normalize("NFC", bare).casefold()
    return "".join(c for c in composed if c.isalnum())


def search_key(text: str) -> str:
    """`fold` in NFD: the form the index stores, so Hangul prefixes work jamo by jamo."""
    key = fold(text)
    return key if key.isascii() else unicodedata.normalize("NFD", key)


def loose(text: str) -> str:
    """A looser key that merges common Korean romanisation variants.

    Only a small table, applied left to right: eo->u (Seon/Sun, Hyeong/Hyung), oo->u
    (Joo/Ju, kook/kuk), ou->u (Young/Yung, so Doyoung = Doyeong), ee->i (Hee/Hi), sh->s
    (Shik/Sik); then doubled letters collapse. Digits are never touched, so "Soundtrack
    #11" stays apart from "#1". Variants that change consonants (Park/Bak, Lee/Yi) are
    left to aliases in the packs: merging them here would join unrelated names."""
    key = _LOOSE_RE.sub(lambda m: _LOOSE_MAP[m.group()], fold(text))
    return _DOUBLE_RE.sub(r"\1", key)


def word_starts(name: str) -> tuple[int, ...]:
    """Offsets in `search_key(name)` where the second and later words begin, so
    autocomplete can match "hyung" against "Park Hyung-sik"."""
    return _word_starts(name, search_key(name))


def _word_starts(name: str, skey: str) -> tuple[int, ...]:
    """`word_starts(name)`, given its `search_key` (`name_row` has it already)."""
    starts: list[int] = []
    pos = 0
    for token in _WORD_SPLIT_RE.split(name):
        key = search_key(token)
        if key:
            starts.append(pos)
            pos += len(key)
    if pos != len(skey):  # normalisation did not split cleanly: no word keys
        return ()
    return tuple(starts[1:])


def clip(text: str) -> str:
    """User text cut to MAX_INPUT characters: nothing longer is a name, and it bounds the
    cost of folding and fuzzy scoring whatever is pasted in."""
    return text[:MAX_INPUT]


class NameRow(NamedTuple):
    """One name of one entity, with its precomputed keys (the fact store keeps these in its
    `names` table so opening it does not fold every name again)."""

    key: str  # entity key: drama slug or person id
    label: str  # the entity's canonical name
    name: str  # this name as written in the pack
    skey: str
    loose: str
    words: str  # comma-separated word_starts


def name_row(key: str, label: str, name: str) -> NameRow:
    """Compute every key of one name."""
    skey = search_key(name)
    words = ",".join(map(str, _word_starts(name, skey)))
    return NameRow(key, label, name, skey, loose(name), words)


class _Hit(NamedTuple):
    entity: int
    name: int
    score: float


class NameIndex:
    """Every name of one kind of entity ("drama" or "person"), indexed in memory.

    Stored as int arrays and strings packed into one (`_Strings`, `_Keys`) rather than
    objects per name, to keep 100,000 dramas in tens of megabytes: names sorted by key
    (exact and prefix lookups by bisect), by loose key, word-start suffixes (word-prefix
    lookups) and the keys joined into one string (substring lookups run in C with
    str.find)."""

    def __init__(self, kind: str, rows: Iterable[NameRow]) -> None:
        self.kind = kind
        lists = _Lists()
        for row in rows:
            lists.add(row)
        skeys, loose_keys, labels = lists.skeys, lists.loose, lists.labels
        self._by_skey = array("i", sorted(range(len(skeys)), key=skeys.__getitem__))
        self._by_loose = array("i", sorted(range(len(loose_keys)), key=loose_keys.__getitem__))
        words = lists.words
        words.sort(key=lambda w: skeys[w[0]][w[1]:])
        self._word_name = array("i", (w[0] for w in words))
        self._word_off = array("i", (w[1] for w in words))
        self._by_label = _label_order(labels)
        self._name_ent = lists.name_ent
        self._ent_keys = _Strings(lists.keys)
        self._ent_labels = _Strings(labels)
        self._names = _Strings(lists.names)
        self._loose = _Strings(loose_keys)
        self._skeys = _Keys(skeys)

    @classmethod
    def assemble(cls, kind: str, *, ent_keys: Iterable[str], ent_labels: Iterable[str],
                 by_label: Iterable[int], names: Iterable[str], skeys: list[str],
                 loose_keys: Iterable[str], name_ent: Iterable[int], by_skey: Iterable[int],
                 by_loose: Iterable[int], words: Iterable[tuple[int, int]]) -> NameIndex:
        """The index from its columns with the orders sorted elsewhere: what
        `NameIndex(kind, rows)` makes, column by column (`by_label`: the entities in
        `_label_order`). The build has SQLite sort the names (UTF-8 order is code point
        order, so the orders are the ones sorting here gives), so it never holds every
        name's strings at once."""
        index = cls.__new__(cls)
        index.kind = kind
        index._by_skey = array("i", by_skey)
        index._by_loose = array("i", by_loose)
        index._word_name, index._word_off = array("i"), array("i")
        for name, off in words:
            index._word_name.append(name)
            index._word_off.append(off)
        index._by_label = array("i", by_label)
        index._name_ent = array("i", name_ent)
        index._ent_keys = _Strings(ent_keys)
        index._ent_labels = _Strings(ent_labels)
        index._names = _Strings(names)
        index._loose = _Strings(loose_keys)
        index._skeys = _Keys(skeys)
        return index

    # -- stored form ------------------------------------------------------------------

    _ARRAYS = ("_by_skey", "_by_loose", "_word_name", "_word_off", "_by_label", "_name_ent")
    _STRINGS = ("_ent_keys", "_ent_labels", "_names", "_loose")

    def to_parts(self) -> dict[str, bytes]:
        """The index as named byte strings, for the fact store to keep beside the rows:
        opening the store then reads them back (`from_parts`) instead of sorting every
        name again."""
        parts = {name: _array_bytes(getattr(self, name)) for name in self._ARRAYS}
        for name in self._STRINGS:
            parts.update(getattr(self, name).to_parts(name))
        parts.update(self._skeys.to_parts("_skeys"))
        return parts

    @classmethod
    def from_parts(cls, kind: str, parts: Mapping[str, bytes]) -> NameIndex:
        """The index `to_parts` stored; raises KeyError or ValueError on a part missing
        or malformed."""
        index = cls.__new__(cls)
        index.kind = kind
        for name in cls._ARRAYS:
            setattr(index, name, _array_of("i", parts[name]))
        for name in cls._STRINGS:
            setattr(index, name, _Strings.from_parts(name, parts))
        index._skeys = _Keys.from_parts("_skeys", parts)
        return index

    def __len__(self) -> int:
        return len(self._ent_keys)

    # -- public queries -------------------------------------------------------------

    def resolve(self, text: str) -> Resolution:
        """Free text to one entity: exact key, then loose key (several entities sharing
        the key is `ambiguous`), then fuzzy: a `match` only for a clear winner, else up to
        three `suggestions`."""
        query = search_key(clip(text))
        if not query:
            return Resolution()
        for hits in (self._exact(query, EXACT), self._loose_hits(loose(query), LOOSE)):
            if len(hits) == 1:
                return Resolution(match=self._match(hits[0]))
            if hits:
                return Resolution(ambiguous=tuple(self._match(h) for h in hits))
        return self._fuzzy_resolution(query)

    def complete(self, text: str, limit: int = 25) -> list[Match]:
        """Autocomplete: names starting with the text, then names with a word starting
        with it, then names containing it, then (bounded) fuzzy matches, unless the text
        is a name typed whole (no typo to forgive; the fuzzy tier is also the costliest,
        about a millisecond a keystroke). Empty text lists the first `limit` entities by
        label."""
        if limit <= 0:
            return []
        query = search_key(clip(text))
        if not query:
            return [self._entity_match(e) for e in self._by_label[:limit]]
        found: dict[int, _Hit] = {}
        for tier in (self._prefix_hits, self._word_hits, self._substring_hits, None):
            if tier is None:
                if any(h.score == EXACT for h in found.values()):
                    break
                tier = self._fuzzy_complete_hits
            for hit in tier(query):
                found.setdefault(hit.entity, hit)
                if len(found) >= limit:
                    return [self._match(h) for h in found.values()]
        return [self._match(h) for h in found.values()]

    def keys(self) -> list[str]:
        """Every entity key, in label order."""
        return [self._ent_keys[e] for e in self._by_label]

    # -- lookups ---------------------------------------------------------------------

    def _exact(self, query: str, score: float) -> list[_Hit]:
        return self._equal(self._by_skey, self._skeys, query, score)

    def _loose_hits(self, query: str, score: float) -> list[_Hit]:
        return self._equal(self._by_loose, self._loose, query, score)

    def _equal(self, order: array[int], keys: _Strings | _Keys, query: str,
               score: float) -> list[_Hit]:
        """All entities with a name whose key equals `query`, one hit each, by label."""
        hits: dict[int, _Hit] = {}
        i = bisect_left(order, query, key=keys.__getitem__)
        while i < len(order) and keys[order[i]] == query:
            name = order[i]
            hits.setdefault(self._name_ent[name], _Hit(self._name_ent[name], name, score))
            i += 1
        return sorted(hits.values(), key=lambda h: fold(self._ent_labels[h.entity]))

    def _prefix_hits(self, query: str) -> Iterator[_Hit]:
        order, keys = self._by_skey, self._skeys
        i = bisect_left(order, query, key=keys.__getitem__)
        while i < len(order) and keys[order[i]].startswith(query):
            name = order[i]
            yield _Hit(self._name_ent[name], name, EXACT if keys[name] == query else PREFIX)
            i += 1

    def _word_hits(self, query: str) -> Iterator[_Hit]:
        names, offs, keys = self._word_name, self._word_off, self._skeys
        i = bisect_left(range(len(names)), query, key=self._word_key)
        while i < len(names) and keys[names[i]].startswith(query, offs[i]):
            yield _Hit(self._name_ent[names[i]], names[i], WORD_PREFIX)
            i += 1

    def _substring_hits(self, query: str) -> Iterator[_Hit]:
        for name in self._skeys.find(query):
            yield _Hit(self._name_ent[name], name, SUBSTRING)

    def _fuzzy_complete_hits(self, query: str) -> Iterator[_Hit]:
        """Typo-tolerant autocomplete: the query against the same-length start of names
        and of words in names, over a bounded pool (all names when there are few; else
        the names and words sorted next to the query and to its first two characters, so
        a typo after the first letters still finds its name)."""
        if len(query) < FUZZY_COMPLETE_MIN_LEN:
            return
        width = len(query) + 1
        pool = self._fuzzy_pool(query)
        choices = [self._skeys[name][off:off + width] for name, off in pool]
        scored = process.extract(query, choices, scorer=fuzz.ratio,
                                 score_cutoff=FUZZY_COMPLETE_MIN, limit=50)
        best: dict[int, _Hit] = {}
        for _choice, score, pos in scored:
            name = pool[pos][0]
            ent = self._name_ent[name]
            if ent not in best or score > best[ent].score:
                best[ent] = _Hit(ent, name, round(float(score) * FUZZY_SCALE, 1))
        yield from sorted(best.values(), key=lambda h: -h.score)

    def _fuzzy_pool(self, query: str) -> list[tuple[int, int]]:
        """(name, offset) pairs to score: at most FUZZY_POOL, whatever the index size."""
        if len(self._skeys) + len(self._word_name) <= FUZZY_POOL:
            return ([(i, 0) for i in range(len(self._skeys))]
                    + list(zip(self._word_name, self._word_off, strict=True)))
        window = FUZZY_POOL // 5  # five windows: FUZZY_POOL in all at most
        skey_of = self._skeys.__getitem__
        near = bisect_left(self._by_skey, query, key=skey_of)
        start = bisect_left(self._by_skey, query[:2], key=skey_of)
        names = {*self._by_skey[max(0, near - window):near + window],
                 *self._by_skey[start:start + window]}
        pool = [(i, 0) for i in names]
        w = bisect_left(range(len(self._word_name)), query, key=self._word_key)
        pool += [(self._word_name[i], self._word_off[i])
                 for i in range(max(0, w - window), min(len(self._word_name), w + window))]
        return pool

    def _word_key(self, w: int) -> str:
        return self._skeys[self._word_name[w]][self._word_off[w]:]

    def _fuzzy(self, query: str, pool: list[int] | None, limit: int) -> list[_Hit]:
        """Best fuzzy score per entity (WRatio over keys), best first."""
        choices = list(self._skeys) if pool is None else [self._skeys[i] for i in pool]
        scored = process.extract(query, choices, scorer=fuzz.WRatio,
                                 score_cutoff=SUGGEST_MIN, limit=limit)
        best: dict[int, _Hit] = {}
        for _choice, score, pos in scored:
            name = pos if pool is None else pool[pos]
            ent = self._name_ent[name]
            if ent not in best or score > best[ent].score:
                best[ent] = _Hit(ent, name, float(score))
        return sorted(best.values(),
                      key=lambda h: (-h.score, fold(self._ent_labels[h.entity])))

    def _fuzzy_resolution(self, query: str) -> Resolution:
        hits = self._fuzzy(query, self._resolve_pool(query), limit=30)
        if not hits:
            return Resolution()
        if self._clear_winner(query, hits):
            return Resolution(match=self._match(hits[0]))
        return Resolution(suggestions=tuple(self._match(h) for h in hits[:SUGGEST_COUNT]))

    def _resolve_pool(self, query: str) -> list[int] | None:
        """The names `resolve` scores with WRatio: all of them when there are few (None);
        in a large index WRatio over every name is too slow (0.2 s at 100,000 dramas), so
        the pool is the names plain edit distance ranks nearest (a typo), plus names that
        start with, have a word starting with, or contain the query (a fragment)."""
        if len(self._skeys) <= RESOLVE_FULL_SCAN:
            return None
        near = process.extract(query, list(self._skeys), scorer=fuzz.ratio,
                               limit=RESOLVE_POOL)
        pool = {pos for _choice, _score, pos in near}
        for tier in (self._prefix_hits, self._word_hits, self._substring_hits):
            pool.update(hit.name for hit in itertools.islice(tier(query), RESOLVE_POOL))
        return sorted(pool)

    def _clear_winner(self, query: str, hits: list[_Hit]) -> bool:
        """A fuzzy hit may stand as the answer only when it scores high, leads the
        runner-up clearly, the query is not a fragment, and no number differs
        ("soundtrack 3" must not become "Soundtrack #1")."""
        top = hits[0]
        if top.score < CONFIDENT or len(query) < 3:
            return False
        if len(hits) > 1 and hits[1].score > top.score - CLEAR_LEAD:
            return False
        digits = _DIGITS_RE.findall(query)
        return not digits or digits == _DIGITS_RE.findall(self._skeys[top.name])

    # -- results ---------------------------------------------------------------------

    def _match(self, hit: _Hit) -> Match:
        return Match(self.kind, self._ent_keys[hit.entity], self._ent_labels[hit.entity],
                     self._names[hit.name], hit.score)

    def _entity_match(self, ent: int) -> Match:
        label = self._ent_labels[ent]
        return Match(self.kind, self._ent_keys[ent], label, label, 0.0)


def _label_order(labels: list[str]) -> array[int]:
    """Entities by label: folded, then as written."""
    return array("i", sorted(range(len(labels)), key=lambda e: (fold(labels[e]), labels[e])))


class _Lists:
    """The index's columns as plain lists while rows stream in; `NameIndex` sorts them
    and then packs them into `_Strings` and `_Keys`."""

    def __init__(self) -> None:
        self.keys: list[str] = []  # per entity
        self.labels: list[str] = []  # per entity
        self.names: list[str] = []  # per name, and the rest likewise
        self.skeys: list[str] = []
        self.loose: list[str] = []
        self.name_ent = array("i")
        self.words: list[tuple[int, int]] = []  # (name, offset of a word start)
        self._ent_ids: dict[str, int] = {}

    def add(self, row: NameRow) -> None:
        if not row.skey:
            return
        ent = self._ent_ids.get(row.key)
        if ent is None:
            ent = self._ent_ids[row.key] = len(self.keys)
            self.keys.append(row.key)
            self.labels.append(row.label)
        idx = len(self.names)
        self.names.append(row.name)
        self.skeys.append(row.skey)
        self.loose.append(row.loose)
        self.name_ent.append(ent)
        self.words.extend((idx, int(off)) for off in row.words.split(",") if off)


class _Strings:
    """Many short strings kept as one UTF-8 byte string and an array of end offsets. A
    Python str costs about 50 bytes before its first character, and one str holding any
    Hangul stores every character in two bytes; for the million names of 100,000 dramas,
    kept as separate objects, that overhead was most of the index. Reading one
    back decodes its slice: a new small str, which is what callers get anyway."""

    __slots__ = ("_data", "_ends")

    def __init__(self, items: Iterable[str]) -> None:
        data = bytearray()  # not a list of parts: a bytes object each was 33 bytes more
        self._ends = array("i", [0])
        for item in items:
            data += item.encode()
            self._ends.append(len(data))
        self._data = bytes(data)

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, i: int) -> str:
        return self._data[self._ends[i]:self._ends[i + 1]].decode()

    def to_parts(self, name: str) -> dict[str, bytes]:
        return {f"{name}.data": self._data, f"{name}.ends": _array_bytes(self._ends)}

    @classmethod
    def from_parts(cls, name: str, parts: Mapping[str, bytes]) -> _Strings:
        strings = cls.__new__(cls)
        strings._data = bytes(parts[f"{name}.data"])
        strings._ends = _array_of("i", parts[f"{name}.ends"])
        return strings


class _Keys:
    """The search keys, packed into two newline-joined strings, which also serve substring
    search: the ASCII keys, and the others. Kept apart because one Hangul key would make
    the whole string two bytes a character and every search twice as slow; an ASCII
    query searches the ASCII keys (Hangul titles' digits are found through their English
    titles), anything else the rest."""

    __slots__ = ("_ascii", "_other", "_slots")

    def __init__(self, keys: list[str]) -> None:
        self._other = _Blob(keys, ascii_keys=False)
        self._ascii = _Blob(keys, ascii_keys=True)
        # Per key: its slot in its blob, stored as ~slot (negative) for the non-ASCII blob.
        self._slots = array("i", bytes(4 * len(keys)))
        for slot, name in enumerate(self._ascii.names):
            self._slots[name] = slot
        for slot, name in enumerate(self._other.names):
            self._slots[name] = ~slot

    def __len__(self) -> int:
        return len(self._slots)

    def to_parts(self, name: str) -> dict[str, bytes]:
        return {**self._ascii.to_parts(f"{name}.ascii"), **self._other.to_parts(f"{name}.other"),
                f"{name}.slots": _array_bytes(self._slots)}

    @classmethod
    def from_parts(cls, name: str, parts: Mapping[str, bytes]) -> _Keys:
        keys = cls.__new__(cls)
        keys._ascii = _Blob.from_parts(f"{name}.ascii", parts)
        keys._other = _Blob.from_parts(f"{name}.other", parts)
        keys._slots = _array_of("i", parts[f"{name}.slots"])
        return keys

    def __getitem__(self, i: int) -> str:
        slot = self._slots[i]
        blob = self._ascii if slot >= 0 else self._other
        if slot < 0:
            slot = ~slot
        return blob.text[blob.starts[slot]:blob.starts[slot + 1] - 1]

    def __iter__(self) -> Iterator[str]:
        """Every key in index order, split out of the blobs in C (fuzzy scoring over all
        keys must not slice them one by one)."""
        keys = [""] * len(self._slots)
        for blob in (self._ascii, self._other):
            if blob.names:
                for name, key in zip(blob.names, blob.text.split("\n"), strict=True):
                    keys[name] = key
        return iter(keys)

    def find(self, query: str) -> Iterator[int]:
        """Indexes of the keys containing `query`, each once, at most SUBSTRING_SCAN."""
        return (self._ascii if query.isascii() else self._other).find(query)


class _Blob:
    """The ASCII keys, or the other keys, joined by newlines, so a substring search is one
    str.find in C. `starts` ends with one past the text's end, so key `slot` always runs
    from starts[slot] to starts[slot + 1] - 1."""

    def __init__(self, keys: list[str], ascii_keys: bool) -> None:
        self.names = array("i", (i for i, k in enumerate(keys) if k.isascii() == ascii_keys))
        self.text = "\n".join(keys[i] for i in self.names)
        self.starts = array("i")
        pos = 0
        for i in self.names:
            self.starts.append(pos)
            pos += len(keys[i]) + 1
        self.starts.append(pos)

    def to_parts(self, name: str) -> dict[str, bytes]:
        return {f"{name}.names": _array_bytes(self.names), f"{name}.text": self.text.encode(),
                f"{name}.starts": _array_bytes(self.starts)}

    @classmethod
    def from_parts(cls, name: str, parts: Mapping[str, bytes]) -> _Blob:
        blob = cls.__new__(cls)
        blob.names = _array_of("i", parts[f"{name}.names"])
        blob.text = bytes(parts[f"{name}.text"]).decode()
        blob.starts = _array_of("i", parts[f"{name}.starts"])
        return blob

    def find(self, query: str) -> Iterator[int]:
        """Indexes of the names containing `query`, each once, at most SUBSTRING_SCAN."""
        pos = self.text.find(query)
        for _ in range(SUBSTRING_SCAN):
            if pos < 0:
                return
            slot = bisect_left(self.starts, pos + 1) - 1
            yield self.names[slot]
            pos = self.text.find(query, max(pos + 1, self.starts[slot + 1]))


def _array_bytes(values: array[int]) -> bytes:
    """An int array as little-endian bytes (the stored form, whatever the machine)."""
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array(values.typecode, values)
    swapped.byteswap()
    return swapped.tobytes()


def _array_of(typecode: str, data: bytes) -> array[int]:
    """`_array_bytes` read back."""
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values
