"""Latency (closed loop, one interaction at a time) and throughput (open loop, a ramp of
offered rates). Every loop is bounded in count and in time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field

from benchmarks.procs import cpu_seconds, run_seconds
from benchmarks.scenarios import Scenario, with_befores
from benchmarks.stats import Summary, summarize
from bot.offline import NoResponse, RejectedResponse, UsageError

log = logging.getLogger("benchmarks")

FAILURES = (NoResponse, RejectedResponse, UsageError, TimeoutError, AssertionError)
P99_LIMIT_MS = 100.0
TASK_LIMIT = 15.0  # seconds: longer than the fake's deadline plus a follow-up wait
REFINE_STEPS = 3  # bisections after the ramp's first failing step


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # the bot process's, per interaction
    errors: int = 0
    first_error: str = ""

    def fail(self, error: BaseException) -> None:
        self.errors += 1
        self.first_error = self.first_error or f"{type(error).__name__}: {error}"[:300]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection in this process while measuring. The offline Discord keeps
    every interaction and message, and a full collection over them stalls this event
    loop for tens of milliseconds: an answer arriving meanwhile would be timed late, and
    the stall charged to the bot. (The bots' own collections are theirs, and count.)"""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class CpuMeter:
    """Each interaction's CPU in the process that answered it: the process's run time
    (procs.run_seconds) read just before each interaction it is sent, charged to the one
    before. Interactions run one at a time, so what a bot process does between two of its
    interactions (the reply, then discord.py parsing Discord's answer to it, logging,
    collecting garbage) belongs to the first: nothing else is asked of it meanwhile."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[Samples | None, float]] = {}  # pid -> (charged, at)

    def before(self, pid: int, into: Samples | None) -> None:
        if not pid:
            return
        now = run_seconds(pid)
        charged = self._open.get(pid)
        if charged is not None and charged[0] is not None:
            charged[0].cpu.append(now - charged[1])
        self._open[pid] = (into, now)

    def close(self) -> None:
        for pid in list(self._open):
            self.before(pid, None)


async def latencies(scenarios: Sequence[Scenario], warmup: int, iterations: int,
                    time_limit: float) -> tuple[dict[str, Summary], dict[str, str]]:
    """Round-robin over `scenarios` (bot and baseline interleaved, so both see the same
    machine at the same moment), `warmup` unrecorded rounds then `iterations` recorded.
    Each scenario's first answer is checked for content; a wrong answer stops the run.
    Returns the summaries (with each recorded interaction's CPU in the bot process that
    answered it) and, for scenarios that failed, the first error."""
    # a scenario may come twice a round; what a user does before one is a row of its own
    samples = {s.name: Samples() for s in with_befores(scenarios)}
    meter = CpuMeter()
    deadline = time.monotonic() + time_limit
    with gc_paused():
        for round_number in range(warmup + iterations):
            if time.monotonic() > deadline:
                log.warning("latency: time limit reached after %d rounds", round_number)
                break
            record = round_number >= warmup
            for scenario in scenarios:
                if scenario.before is not None:
                    typed = samples[scenario.before.name]
                    meter.before(scenario.pid, typed if record else None)
                    await _one(scenario.before, typed, record=record,
                               check=round_number == 0)
                if scenario.pause:
                    await asyncio.sleep(scenario.pause)
                into = samples[scenario.name]
                meter.before(scenario.pid, into if record else None)
                await _one(scenario, into, record=record, check=round_number == 0)
        await asyncio.sleep(0.05)  # the last answers' tails, then the final readings
        meter.close()
    errors = {name: got.first_error for name, got in samples.items() if got.errors}
    for name, first in errors.items():
        log.warning("latency: %s: %d error(s), first: %s", name, samples[name].errors, first)
    return {name: summarize(s.seconds, s.errors, s.cpu) for name, s in samples.items()}, errors


async def _one(scenario: Scenario, into: Samples, *, record: bool, check: bool) -> None:
    try:
        answer = await asyncio.wait_for(scenario.act(), TASK_LIMIT)
    except FAILURES as error:
        into.fail(error)
        return
    if check:
        scenario.check(answer)
    seconds = scenario.latency(answer)
    if seconds is None:
        into.fail(RuntimeError("the answer's arrival was not seen"))
    elif record:
        into.seconds.append(seconds)


@dataclass(frozen=True)
class Step:
    """One offered rate: how many were sent, the latencies from each one's scheduled send
    time to its answer (so a sender that falls behind counts against the figure), the rate
    at which answers came back, and the share of a core the bot and this process (the
    offline Discord and its users) used: whichever is near 1.0 is the bottleneck."""

    offered: float
    sent: int
    latency: Summary
    achieved: float
    bot_cpu: float
    harness_cpu: float

    @property
    def ok(self) -> bool:
        return self.latency.errors == 0 and self.latency.p99 <= P99_LIMIT_MS


@dataclass(frozen=True)
class Ramp:
    steps: tuple[Step, ...]

    @property
    def sustained(self) -> float:
        """The highest offered rate whose p99 stayed within the limit, with no errors."""
        passing = [s.offered for s in self.steps if s.ok]
        return max(passing, default=0.0)


def rates(start: float, ceiling: float, factor: float = 1.5) -> list[float]:
    """start, start*factor, ... up to ceiling (a bounded list)."""
    found: list[float] = []
    rate = start
    while rate <= ceiling and len(found) < 50:
        found.append(float(round(rate)))
        rate *= factor
    return found


async def ramp(mix: Sequence[Scenario], offered_rates: Sequence[float], seconds: float,
               bot_pid: int, before_step: Callable[[], Awaitable[object]] | None = None,
               refine: int = REFINE_STEPS) -> Ramp:
    """Offer each rate for `seconds` until one fails, then bisect (geometrically) between
    the last rate that passed and the first that failed, `refine` times: the ramp's steps
    are 1.5x apart, too coarse to tell 67 % of another bot's rate from 80 %; three
    bisections bring that to about 5 %. `before_step` runs before each step (untimed) to
    put the bot in a known state, e.g. a fresh quiz game."""
    steps: list[Step] = []

    async def step_at(rate: float) -> Step:
        if before_step is not None:
            await before_step()
        with gc_paused():
            step = await offer(mix, rate, seconds, bot_pid)
        log.info("throughput: %.0f/s offered -> p99 %.1f ms, %d errors, %.0f/s answered, "
                 "CPU bot %.0f%% harness %.0f%%", rate, step.latency.p99, step.latency.errors,
                 step.achieved, 100 * step.bot_cpu, 100 * step.harness_cpu)
        steps.append(step)
        # let the bot's loop drain before the next step (longer after an overload)
        await asyncio.sleep(0.5 if step.ok else 2.0)
        return step

    passed = failed = None
    for rate in offered_rates:
        if not (await step_at(rate)).ok:
            failed = rate
            break
        passed = rate
    for _ in range(refine if passed is not None and failed is not None else 0):
        assert passed is not None and failed is not None
        middle = float(round(math.sqrt(passed * failed)))
        if middle in (passed, failed):
            break
        if (await step_at(middle)).ok:
            passed = middle
        else:
            failed = middle
    return Ramp(tuple(steps))


async def offer(mix: Sequence[Scenario], rate: float, seconds: float, bot_pid: int) -> Step:
    """Open loop: interaction i is sent at start + i/rate whether or not earlier ones have
    been answered, cycling through `mix`."""
    loop = asyncio.get_running_loop()
    count = max(1, math.ceil(rate * seconds))
    cpu_before = cpu_seconds(bot_pid), cpu_seconds(os.getpid())
    start = loop.time() + 0.05
    tasks = []
    for index in range(count):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_timed(mix[index % len(mix)], due)))
    results = await asyncio.gather(*tasks)
    done = [r for r in results if r is not None]
    samples = [latency for latency, _ in done]
    finished = max((end for _, end in done), default=start)
    wall = max(finished - start, 1e-9)
    bot_cpu = (cpu_seconds(bot_pid) - cpu_before[0]) / wall
    harness_cpu = (cpu_seconds(os.getpid()) - cpu_before[1]) / wall
    return Step(rate, count, summarize(samples, errors=len(results) - len(done)),
                len(done) / wall, bot_cpu, harness_cpu)


async def _timed(scenario: Scenario, due: float) -> tuple[float, float] | None:
    """(latency from the scheduled send, finish time), or None on any failure."""
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(scenario.act(), TASK_LIMIT)
    except FAILURES:
        return None
    end = loop.time()
    return end - due, end
