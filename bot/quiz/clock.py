"""Clocks for the quiz. The engine reads time through `now()` only and the Discord session
waits through `sleep_until()`, so a test can swap in `ManualClock` and play a whole game,
timing and speed bonuses included, without waiting and with exact scores."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class GameClock(Protocol):
    """Seconds on an arbitrary monotonic scale, and a way to wait for a moment on it."""

    def now(self) -> float: ...

    async def sleep_until(self, when: float) -> None: ...


class RealClock:
    """The monotonic clock; `scale` < 1 makes game seconds pass faster (0.01: a 10 s
    question lasts 0.1 s), for demos and for tests that want real timers."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale

    def now(self) -> float:
        return time.monotonic() / self.scale

    async def sleep_until(self, when: float) -> None:
        delay = (when - self.now()) * self.scale
        if delay > 0:
            await asyncio.sleep(delay)


class ManualClock:
    """A clock that moves only when told (`advance`); sleepers wake when their moment is
    reached. Tests use it to press buttons at exact game times."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep_until(self, when: float) -> None:
        if when <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._seq), future))
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleeper whose moment has come."""
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)

    @property
    def sleepers(self) -> int:
        """How many waits are pending (a test can wait until the session is waiting)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())
