"""SQLite-specific health: how long a write waits for a lock, which errors are worth
retrying, and the integrity check made at start. Kept out of the stores' own modules so a
second backend brings its own versions of these few functions.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

import aiosqlite

# Short on purpose: the one aiosqlite connection runs every query on one thread, so a
# write waiting for another process's lock holds up every read queued behind it. Longer
# waits are retries with backoff above the store (bot.quiz.writeback), with the thread
# free in between.
BUSY_TIMEOUT_MS = 1000

# Primary result codes that say "not now" rather than "never": busy or locked by another
# connection, out of memory, an I/O error, a full disk, a file that cannot be opened yet.
_TRANSIENT_CODES = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL,
})


class StoreProblem(Exception):
    """A store the bot cannot start with; the message names the file and what to do."""


async def set_busy_timeout(db: aiosqlite.Connection, ms: int = BUSY_TIMEOUT_MS) -> None:
    await db.execute(f"PRAGMA busy_timeout = {int(ms)}")


def is_transient(error: BaseException) -> bool:
    """Whether a failed write may succeed if tried again later (the lock is released,
    space is freed); anything else is a bug, and retrying would not help."""
    if isinstance(error, OSError):
        return True
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    return code is None or (code & 0xFF) in _TRANSIENT_CODES


def describe(error: BaseException) -> str:
    """One short line for a log: SQLite's own message, e.g. 'database is locked'."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def quick_check(path: Path) -> str | None:
    """SQLite's `PRAGMA quick_check` of the file at `path`: None when it is sound, else
    the first problem found ("file is not a database" for a file that is not SQLite at
    all). Raises `sqlite3.OperationalError` when the file cannot be opened."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            rows = db.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.OperationalError as error:
        if "unable to open" in str(error):
            raise
        return describe(error)
    except sqlite3.DatabaseError as error:  # "file is not a database", "malformed"
        return describe(error)
    found = str(rows[0][0]) if rows else "no answer from quick_check"
    # SQLite's report spans lines ("*** in database main ***\nPage 14: ..."): one line.
    return None if found == "ok" else " ".join(found.replace("***", "").split())


def set_aside_if_damaged(path: Path, *, keep_serving: bool = False
                         ) -> tuple[str, Path] | None:
    """`quick_check` the store at `path`; a damaged one (or one SQLite cannot open) is
    renamed beside itself, kept for a look and never deleted, so that it is rebuilt.
    `keep_serving`: linked beside itself instead (renamed only where the file system has
    no hard links), so `path` still opens until the rebuilt store replaces it: a bot
    serving it meanwhile reopens it for some reads. Returns the problem and where the
    file was put, or None when it is sound or missing."""
    if not path.exists():
        return None
    try:
        problem = quick_check(path)
    except sqlite3.Error as error:
        problem = describe(error)
    if problem is None:
        return None
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    if keep_serving:
        try:
            aside.hardlink_to(path)
            return problem, aside
        except OSError:
            pass  # a file system without hard links: moved instead
    path.replace(aside)
    return problem, aside
