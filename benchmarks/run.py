"""`make bench`: how fast dramabot answers, next to a bare discord.py bot, and how its costs
grow with the data. See docs/benchmarks.md for what is measured and how to read it.

    python -m benchmarks.run                    # full run (8-15 min on 2 cores)
    python -m benchmarks.run --quick            # smoke run (~1 min)
    python -m benchmarks.run --sizes 1000,10000 --update-docs

Both bots run in processes of their own exactly as deployed (`python -m bot run`, and
`python -m benchmarks.baseline_bot`), each against its own offline Discord on 127.0.0.1
served from this process. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import measure, report, synth
from benchmarks.fake import BenchDiscord
from benchmarks.procs import (
    BASELINE_COMMAND,
    DRAMABOT_COMMAND,
    REPO_ROOT,
    BotProcess,
    bot_environment,
    load_average,
    machine_info,
    running,
)
from benchmarks.scenarios import (
    BaselineScenarios,
    QuizPresser,
    Scenario,
    Targets,
    after_a_pause,
    bot_scenarios,
    paused_name,
    with_befores,
)
from benchmarks.stats import Summary

log = logging.getLogger("benchmarks")

BUNDLED_PACKS = REPO_ROOT / "data" / "packs"
RESULTS = REPO_ROOT / "bench-results" / "latest.json"
DOCS = REPO_ROOT / "docs" / "benchmarks.md"
READY_TIMEOUT = 120.0  # seconds; opening a 100,000-drama store takes a while
SETTLE = 2.5  # seconds after READY before reading RSS: discord.py's on_ready comes 2 s late
LATENCY_LIMIT = 300.0  # seconds per data set, whatever the iteration count

# The benchmarks measure the bot's own speed, not its flood limits (bot.config).
UNLIMITED = {"LOOKUP_RATE": "999999/1", "AUTOCOMPLETE_RATE": "999999/1",
             "QUIZ_START_RATE": "999999/1", "QUIZ_CHANNEL_RATE": "999999/1"}


class BenchError(RuntimeError):
    """The benchmark cannot go on (a bot did not start, or answered wrongly)."""


@dataclass(frozen=True)
class Options:
    warmup: int
    iterations: int
    sizes: tuple[int, ...]
    throughput: bool
    step_seconds: float
    max_rate: float
    budget_minutes: float
    update_docs: bool
    quick: bool
    database_url: str | None = None
    bot_checkout: Path | None = None
    wrap: tuple[str, ...] = ()


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 5 warm-up, 50 measured, 1,000 dramas, short steps")
    parser.add_argument("--warmup", type=int, help="unrecorded rounds (default 50)")
    parser.add_argument("--iterations", type=int, help="recorded rounds (default 500)")
    parser.add_argument("--sizes", help="synthetic data sizes in dramas, comma-separated "
                        "(default 1000,10000,100000; 'none' for the bundled data only)")
    parser.add_argument("--no-throughput", action="store_true", help="skip the rate ramp")
    parser.add_argument("--step-seconds", type=float, help="seconds per offered rate (2)")
    parser.add_argument("--max-rate", type=float, default=3000.0,
                        help="highest rate to offer, interactions/s (3000)")
    parser.add_argument("--budget-minutes", type=float, default=20.0,
                        help="skip the remaining sizes once a run has taken this long (20)")
    parser.add_argument("--update-docs", action="store_true",
                        help="write the figures into docs/benchmarks.md")
    parser.add_argument("--database-url", help="also measure the bundled data with the "
                        "state store on this PostgreSQL database (postgresql://...), as a "
                        "shard process of a sharded bot runs; its tables are created there")
    parser.add_argument("--bot-checkout", type=Path, help="run dramabot's code from this "
                        "checkout (e.g. a worktree of the code before a change) under this "
                        "harness; the baseline and the fact-store build stay this checkout's")
    parser.add_argument("--wrap", default="", help="a profiler to start the bot under, "
                        "e.g. 'py-spy record -o bot.svg --' (its figures are then the "
                        "profiler's, not the bot's)")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    sizes = args.sizes or ("1000" if quick else "1000,10000,100000")
    return Options(
        warmup=args.warmup if args.warmup is not None else (5 if quick else 50),
        iterations=args.iterations if args.iterations is not None else (50 if quick else 500),
        sizes=() if sizes == "none" else tuple(int(s.replace("_", "")) for s in sizes.split(",")),
        throughput=not args.no_throughput,
        step_seconds=args.step_seconds or (0.5 if quick else 2.0),
        max_rate=args.max_rate,
        budget_minutes=args.budget_minutes,
        update_docs=bool(args.update_docs),
        quick=quick,
        database_url=args.database_url,
        bot_checkout=args.bot_checkout.resolve() if args.bot_checkout else None,
        wrap=tuple(args.wrap.split()),
    )


# ---- the two bots ----------------------------------------------------------------------------

async def wait_ready(discord: BenchDiscord, bot: BotProcess) -> float:
    """Seconds from spawning `bot` until it identified, got its guilds and synced its
    commands; fails at once if the process dies first."""
    ready = asyncio.ensure_future(discord.wait_until_ready(timeout=READY_TIMEOUT))
    exited = asyncio.ensure_future(bot.process.wait())
    try:
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        exited.cancel()
    if not ready.done():
        ready.cancel()
        raise BenchError(f"{bot.name} exited ({bot.process.returncode}) before READY:\n"
                         f"{bot.log_tail()}")
    if ready.exception() is not None:
        raise BenchError(f"{bot.name}: {ready.exception()}\n{bot.log_tail()}")
    return time.perf_counter() - bot.started


@dataclass
class Baseline:
    discord: BenchDiscord
    process: BotProcess
    scenarios: BaselineScenarios
    start_seconds: float

    def mix(self) -> list[Scenario]:
        """Its interactions in the proportions of the bot's throughput mix (five commands,
        an autocomplete and a press), the commands small and sized in turn."""
        small, sized, auto, button = self.scenarios.all()
        return [small, sized, small, sized, small, auto, button]

    def all(self) -> list[Scenario]:
        return [dataclasses.replace(s, pid=self.process.pid) for s in self.scenarios.all()]


@contextlib.asynccontextmanager
async def baseline_bot(workdir: Path) -> AsyncIterator[Baseline]:
    discord = BenchDiscord(check_later=True)
    await discord.start()
    try:
        env = bot_environment(discord.endpoints())
        async with running("baseline", BASELINE_COMMAND, env, workdir / "baseline") as proc:
            started = await wait_ready(discord, proc)
            yield Baseline(discord, proc, BaselineScenarios(discord), started)
    finally:
        await discord.stop(check=False)


# ---- one data set ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DataSet:
    name: str
    packs: Path
    targets: Targets
    dramas: int
    people: int
    tracks: int
    packs_bytes: int


async def build_store(data: DataSet, data_dir: Path, timeout: float) -> dict[str, float]:
    """`benchmarks.build_store` in a process of its own; its JSON line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.build_store", str(data.packs),
        str(data_dir / "facts.sqlite3"), cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise BenchError(f"building the store for {data.name} took over {timeout:.0f} s"
                         ) from None
    if process.returncode != 0:
        raise BenchError(f"building the store for {data.name} failed:\n{err.decode()[-2000:]}")
    result: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def bench_data(data: DataSet, baseline: Baseline, opts: Options, workdir: Path,
                     *, build_timeout: float, throughput: bool,
                     database_url: str | None = None) -> report.BotRun:
    """Build the store, start the bot on it, and measure it next to the baseline; with
    `database_url`, the state store on that PostgreSQL database."""
    data_dir = workdir / f"data-{data.dramas}{'-pg' if database_url else ''}"
    log.info("%s: building the fact store", data.name)
    build = await build_store(data, data_dir, build_timeout)
    (data_dir / "commands.sha256").unlink(missing_ok=True)  # sync into this fresh fake
    data = with_cold_dramas(data, data_dir / "facts.sqlite3", opts.warmup + opts.iterations)
    discord = BenchDiscord(check_later=True)
    await discord.start()
    try:
        # As deployed: `dramabot run`, and (as the harness ran it) DEV_GUILD_ID set
        # to the server the interactions come from, so the commands are that server's.
        env = bot_environment({**discord.endpoints(), "DRAMABOT_DATA_DIR": str(data_dir),
                               "DRAMABOT_PACKS": str(data.packs),
                               "DEV_GUILD_ID": str(discord.guild_id), **UNLIMITED,
                               **({"DATABASE_URL": database_url} if database_url else {})},
                              root=opts.bot_checkout)
        command = (*opts.wrap, *DRAMABOT_COMMAND)
        async with running(f"bot-{data.dramas}", command, env, workdir) as bot:
            run = await measure_bot(data, discord, bot, baseline, opts, build, throughput)
    finally:
        await discord.stop(check=False)
    run.violations = [str(v) for v in discord.violations]
    run.violations += discord.check_bodies()
    run.violations += [f"baseline: {v}" for v in baseline.discord.check_bodies()]
    run.bodies_checked = discord.later.checked if discord.later else 0
    return run


def with_cold_dramas(data: DataSet, store: Path, rounds: int) -> DataSet:
    """The data set with distinct dramas to ask about once each, `rounds` for each of the
    two ways a first ask comes (typed, picked from the suggestions), and where the store
    has more than three times `rounds`, `rounds` more to type with a typo; from the middle
    of the store and away from the targets, if it has more than `rounds`; else unchanged.
    A store with fewer than twice `rounds` gives what it has (each half then comes round
    again after its other dramas have pushed it out of the caches)."""
    if data.dramas <= rounds:
        return data
    # and `rounds` more to type with a typo (`misspelt_dramas`), where there are enough
    count = 3 * rounds if data.dramas > 3 * rounds else min(2 * rounds, data.dramas - 1)
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT slug, title FROM dramas WHERE slug != ? ORDER BY rowid LIMIT ? OFFSET ?",
            (data.targets.drama_slug, count, (data.dramas - count) // 2)).fetchall()
    finally:
        conn.close()
    cold = tuple((str(slug), str(title)) for slug, title in rows)
    return dataclasses.replace(data, targets=dataclasses.replace(
        data.targets, cold_dramas=cold[:2 * rounds], misspelt_dramas=cold[2 * rounds:]))


async def measure_bot(data: DataSet, discord: BenchDiscord, bot: BotProcess,
                      baseline: Baseline, opts: Options, build: dict[str, float],
                      throughput: bool) -> report.BotRun:
    start = await wait_ready(discord, bot)
    log.info("%s: READY after %.2f s", data.name, start)
    await asyncio.sleep(SETTLE)
    rss_start = bot.rss_mb()
    await set_default_drama(discord, data.targets.drama_slug)
    quiz = QuizPresser(discord, data.targets.drama_slug)
    ours = [dataclasses.replace(s, pid=bot.pid)
            for s in bot_scenarios(discord, data.targets, quiz)]
    theirs = baseline.all()
    load_before = load_average()
    latency, errors = await latency_phases(data.name, ours, theirs, quiz, opts)
    run = report.BotRun(
        name=data.name, dramas=data.dramas, people=data.people, tracks=data.tracks,
        packs_bytes=data.packs_bytes, build=build, start_seconds=start,
        rss_start_mb=rss_start, rss_end_mb=bot.rss_mb(),
        invocations={s.name: s.invocation for s in with_befores(ours)},
        kinds={**{s.name: s.kind for s in [*theirs, *with_befores(ours)]},
               **{paused_name(report.BASELINE_OF[s.kind]): s.kind for s in ours
                  if s.pause and s.kind in report.BASELINE_OF}}, latency=latency,
        errors=errors, baselines={s.name: paused_name(report.BASELINE_OF[s.kind])
                                  for s in ours if s.pause and s.kind in report.BASELINE_OF},
        quiz_start_seconds=quiz.start_seconds(), load=[load_before, load_average()])
    if throughput:
        run.throughput = await throughputs(ours, quiz, bot, baseline, opts)
    return run


async def set_default_drama(discord: BenchDiscord, slug: str) -> None:
    """The server's default drama, as its admin sets it (untimed): `/ost track number:`
    then resolves it as a fan's command would. Checked, so a refusal stops the run."""
    reply = await discord.invoke(f"/settings default-drama drama:{slug}", user="admin")
    if reply.ephemeral or "default drama" not in reply.text:
        raise BenchError(f"/settings default-drama {slug} was refused:\n{reply.text[:500]}")


def alternated(ours: Sequence[Scenario], theirs: Sequence[Scenario]) -> list[Scenario]:
    """One round: each of the bot's interactions right after one of the baseline's of the
    same kind (commands: the small and the sized answer in turn), so that every
    interaction follows one the other process answered. A process asked twice in a row
    answers the second time with its caches, and its core, still warm from the first: in
    the order this replaced (the baseline's three, then the bot's seven), the bot's
    second to sixth asks were compared with a baseline that always came cold, and looked
    faster by about the cost of an interaction."""
    by_kind: dict[str, list[Scenario]] = {}
    for scenario in theirs:
        by_kind.setdefault(scenario.kind, []).append(scenario)
    turn: dict[str, int] = {}
    round_: list[Scenario] = []
    for scenario in ours:
        choices = by_kind.get(scenario.kind, [])
        if choices and scenario.pause:  # the small answer, after the same pause
            round_.append(after_a_pause(choices[0], scenario.pause))
        elif choices:
            index = turn.get(scenario.kind, 0)
            round_.append(choices[index % len(choices)])
            turn[scenario.kind] = index + 1
        round_.append(scenario)
    return round_


async def latency_phases(name: str, ours: list[Scenario], theirs: list[Scenario],
                         quiz: QuizPresser, opts: Options
                         ) -> tuple[dict[str, Summary], dict[str, str]]:
    """Commands and autocomplete first, then quiz presses (each next to the baseline's
    interaction of the same kind). The quiz goes last because starting a game is the
    heaviest thing the bot does: if it overruns, it must not slow the other figures."""
    log.info("%s: latency, %d + %d rounds", name, opts.warmup, opts.iterations)
    looks = alternated([s for s in ours if s.kind != "button"], theirs)
    presses = alternated([s for s in ours if s.kind == "button"], theirs)
    latency, errors = await measure.latencies(looks, opts.warmup, opts.iterations,
                                              LATENCY_LIMIT)
    try:
        await quiz.new_game()
    except (AssertionError, TimeoutError) as error:
        log.warning("%s: the quiz did not start: %s", name, error)
    quiz_latency, quiz_errors = await measure.latencies(presses, opts.warmup, opts.iterations,
                                                        LATENCY_LIMIT)
    return {**latency, **quiz_latency}, {**errors, **quiz_errors}


async def throughputs(ours: list[Scenario], quiz: QuizPresser, bot: BotProcess,
                      baseline: Baseline, opts: Options) -> dict[str, measure.Ramp]:
    """The ramp for the bot, then for the baseline, over the same mix of interactions. The
    bot's quiz presses do not start new games mid-step (see QuizPresser.press_any)."""
    offered = measure.rates(25, opts.max_rate)
    try:
        await quiz.new_game()
        playing = True
    except (AssertionError, TimeoutError) as error:
        log.warning("throughput: no quiz presses in the mix, a game did not start: %s", error)
        playing = False
    mix = [s if s.kind != "button" else dataclasses.replace(s, act=quiz.press_any)
           for s in ours if playing or s.kind != "button"]
    log.info("throughput: dramabot")
    mine = await measure.ramp(mix, offered, opts.step_seconds, bot.pid,
                              before_step=quiz.new_game if playing else None)
    log.info("throughput: baseline")
    base = await measure.ramp(baseline.mix(), offered, opts.step_seconds, baseline.process.pid)
    return {"dramabot": mine, "baseline": base}


# ---- the whole run ---------------------------------------------------------------------------

def bundled_data() -> DataSet:
    from bot.packs.loader import load_packs

    packs = load_packs(BUNDLED_PACKS)
    size = sum(p.stat().st_size for p in BUNDLED_PACKS.glob("*.toml"))
    return DataSet("bundled", BUNDLED_PACKS, Targets.bundled(), len(packs.packs),
                   len(packs.people), sum(len(p.ost) for p in packs.packs), size)


async def synthetic_data(dramas: int, folder: Path) -> DataSet:
    """Generated in a thread: 100,000 packs take half a minute, and this process's event
    loop must keep answering the baseline bot's heartbeats meanwhile."""
    log.info("generating %d synthetic dramas", dramas)
    manifest = await asyncio.to_thread(synth.write_packs, folder, dramas)
    return DataSet(f"{dramas:,} dramas", folder, Targets.of(manifest), manifest.dramas,
                   manifest.people, manifest.tracks, manifest.bytes)


async def run_all(opts: Options, workdir: Path) -> report.Results:
    began = time.monotonic()
    budget = opts.budget_minutes * 60
    runs: list[report.BotRun] = []
    skipped: list[str] = []
    async with baseline_bot(workdir) as baseline:
        base_info = {"start_seconds": baseline.start_seconds,
                     "rss_mb": baseline.process.rss_mb()}
        runs.append(await bench_data(bundled_data(), baseline, opts, workdir,
                                     build_timeout=budget, throughput=opts.throughput))
        if opts.database_url:
            pg = dataclasses.replace(bundled_data(), name="bundled, PostgreSQL")
            try:
                runs.append(await bench_data(pg, baseline, opts, workdir, build_timeout=budget,
                                             throughput=False, database_url=opts.database_url))
            except BenchError as error:
                skipped.append(f"bundled, PostgreSQL: {error}".splitlines()[0])
        for dramas in opts.sizes:
            left = budget - (time.monotonic() - began)
            if left < 60:
                skipped.append(f"{dramas:,} dramas: the {opts.budget_minutes:g}-minute budget "
                               "was used up")
                continue
            folder = workdir / f"packs-{dramas}"
            try:
                runs.append(await bench_data(await synthetic_data(dramas, folder), baseline, opts,
                                             workdir, build_timeout=left, throughput=False))
            except BenchError as error:
                skipped.append(f"{dramas:,} dramas: {error}".splitlines()[0])
            finally:
                shutil.rmtree(folder, ignore_errors=True)
                shutil.rmtree(workdir / f"data-{dramas}", ignore_errors=True)
    settings = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "quick": opts.quick, "warmup": opts.warmup, "iterations": opts.iterations,
                "sizes": list(opts.sizes), "step_seconds": opts.step_seconds,
                "bot_checkout": str(opts.bot_checkout or "")}
    return report.Results(machine_info(), settings, base_info, runs,
                          time.monotonic() - began, skipped)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("bot.offline").setLevel(logging.ERROR)  # rule notes go in the report
    opts = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dramabot-bench-") as tmp:
        try:
            results = asyncio.run(run_all(opts, Path(tmp)))
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 1
    section = report.markdown(results)
    print("\n" + section)
    report.write_json(results, RESULTS)
    print(f"Wrote {RESULTS.relative_to(REPO_ROOT)}")
    if opts.update_docs:
        report.update_docs(DOCS, section)
        print(f"Updated {DOCS.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
