"""Writes that wait and never lose an answer: a small write-behind queue above the store.

A quiz must not stop because the state store is locked by another process or its disk is
full for a while: the game goes on from memory (the engine holds every answer and total),
and what each closed question changed is queued here and written in order, retried with
backoff until the store takes it. Nothing here knows SQLite or Discord: whether an error is
worth retrying is the store's call (`is_transient`), so a second backend plugs in its own.

An outage is logged once when it starts and once when it ends, not at every retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

Write = Callable[[], Awaitable[object]]
T = TypeVar("T")

FIRST_DELAY = 0.05  # seconds before the first retry; doubled each time
MAX_DELAY = 2.0


def backoff(attempt: int, first: float = FIRST_DELAY, most: float = MAX_DELAY) -> float:
    """Seconds to wait before retry number `attempt` (0-based)."""
    return min(most, first * (2 ** min(attempt, 30)))


async def with_retries(operation: Callable[[], Awaitable[T]],
                       transient: Callable[[BaseException], bool], budget: float) -> T:
    """Run `operation`, retrying transient failures with backoff for up to `budget`
    seconds; the last failure is raised when the budget is spent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    attempt = 0
    while True:
        try:
            return await operation()
        except Exception as error:
            delay = backoff(attempt)
            if not transient(error) or loop.time() + delay > deadline:
                raise
        await asyncio.sleep(delay)
        attempt += 1


@dataclass
class _Job:
    what: str
    write: Write


class WriteBehind:
    """Queued writes, applied one at a time in submission order by one task.

    `submit` never waits and never fails. A transient failure keeps the write at the head
    of the queue and retries it (so a later write never overtakes an earlier one); any
    other failure is a bug: logged with its traceback, and the write is dropped so the
    queue goes on."""

    def __init__(self, transient: Callable[[BaseException], bool], *,
                 name: str = "state store") -> None:
        self.transient = transient
        self.name = name
        self._jobs: deque[_Job] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._failing_since: float | None = None
        self.saved = 0  # writes applied, for the logs and the tests

    @property
    def pending(self) -> int:
        return len(self._jobs)

    @property
    def failing(self) -> bool:
        """Whether the store is refusing writes right now."""
        return self._failing_since is not None

    def submit(self, what: str, write: Write) -> None:
        """Queue `write` (`what` names it in the logs)."""
        self._jobs.append(_Job(what, write))
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"write-behind {self.name}")

    async def flush(self, timeout: float) -> bool:
        """Wait until every queued write is applied; False if that took over `timeout`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout: float) -> int:
        """Flush for up to `timeout` seconds, then stop. Returns the writes left unsaved
        (and says so in one line: they are lost with the process)."""
        await self.flush(timeout)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        left = len(self._jobs)
        if left:
            log.error("Shutting down with %d %s write(s) unsaved (the store still refuses "
                      "them); the first: %s", left, self.name, self._jobs[0].what)
        return left

    async def _run(self) -> None:
        attempt = 0
        while True:
            if not self._jobs:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._jobs[0]
            try:
                await job.write()
            except Exception as error:
                if self.transient(error):
                    self._note_failure(job, error)
                    await asyncio.sleep(backoff(attempt))
                    attempt += 1
                    continue
                log.exception("Dropped a %s write that can never succeed: %s", self.name,
                              job.what)
            else:
                self.saved += 1
                self._note_success()
            self._jobs.popleft()
            attempt = 0

    def _note_failure(self, job: _Job, error: BaseException) -> None:
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            log.warning("The %s refuses writes (%s); holding %d write(s) in memory and "
                        "retrying (first: %s)", self.name, _one_line(error), self.pending,
                        job.what)

    def _note_success(self) -> None:
        if self._failing_since is not None:
            took = time.monotonic() - self._failing_since
            self._failing_since = None
            log.warning("The %s takes writes again after %.1f s; %d held write(s) left to "
                        "save", self.name, took, self.pending - 1)


def _one_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return text or type(error).__name__
