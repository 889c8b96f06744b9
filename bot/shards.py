"""Which shards a process runs, and which guilds they own.

Discord assigns every guild to one shard: `(guild_id >> 22) % shard_count`. A process
started with SHARD_COUNT and SHARD_IDS runs only those shards, so it receives only their
guilds' events; the live state of a guild (its running quiz) belongs to that process. The
stored state (scores, settings) is shared by every process in the state store.
"""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardScope:
    """The shards one process runs: `ids` of `count` (ids sorted, each below count)."""

    ids: tuple[int, ...]
    count: int

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("the shard count must be at least 1")
        if not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError(f"shard ids must be between 0 and {self.count - 1}")

    @property
    def syncs_commands(self) -> bool:
        """Only the process with shard 0 syncs global commands, so N processes starting
        together send one sync, not N."""
        return 0 in self.ids

    @property
    def label(self) -> str:
        """"0-3/8": the shards in a log line or a User-Agent."""
        return f"{format_ids(self.ids)}/{self.count}"

    def owns(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.count) in self.ids

    def sql_filter(self, column: str) -> str:
        """A WHERE clause (same text in SQLite and PostgreSQL) selecting the rows whose
        guild is on these shards. Only integers from this validated scope are inlined."""
        ids = ", ".join(str(i) for i in self.ids)
        return f"(({column} >> 22) % {int(self.count)}) IN ({ids})"


def parse_ids(raw: str, count: int) -> tuple[int, ...]:
    """"0-3", "0,2,5" or "1-2,6" -> sorted, unique ids; ValueError says what is wrong."""
    found: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        low, sep, high = part.partition("-")
        if not low.strip().isdigit() or (sep and not high.strip().isdigit()):
            raise ValueError(f"{part!r} is not a shard id or a range such as 0-3")
        first, last = int(low), int(high) if sep else int(low)
        if first > last:
            raise ValueError(f"{part!r}: a range goes from low to high")
        if last >= count:
            raise ValueError(f"shard {last} does not exist with SHARD_COUNT={count} "
                             f"(ids go from 0 to {count - 1})")
        found.update(range(first, last + 1))
    return tuple(sorted(found))


def format_ids(ids: tuple[int, ...]) -> str:
    """The reverse of parse_ids, with runs as ranges: (0, 1, 2, 5) -> "0-2,5"."""
    parts: list[str] = []
    start = prev = ids[0]
    for i in (*ids[1:], None):
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ",".join(parts)
