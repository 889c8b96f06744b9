"""Which of the ways two harnesses can differ changes the figure: one `/ost track`
variant at a time, each interleaved with the baseline bot, latency AND CPU per
interaction read from each bot's /proc (load-independent, unlike wall time).

    python -m benchmarks.factors --rounds 300

Every variant is a fresh bot process against a fresh offline Discord: the way it is
started (`python -m bot run` or `dramabot run`), DEV_GUILD_ID, the OpenAPI validation in
the fake (after the arrival is stamped), and the invocation. Written for issue 17 (why
`make bench` and another harness disagreed); kept as a tool to check a harness change.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.fake import GUILD, BenchDiscord
from benchmarks.measure import gc_paused
from benchmarks.procs import (
    BASELINE_COMMAND,
    BOT_COMMAND,
    DRAMABOT_COMMAND,
    BotProcess,
    bot_environment,
    running,
)
from benchmarks.scenarios import USER
from benchmarks.stats import summarize
from bot.offline.state import InteractionRecord

log = logging.getLogger("benchmarks")


@dataclass(frozen=True)
class Variant:
    name: str
    command: tuple[str, ...] = BOT_COMMAND
    dev_guild: bool = False
    validate: bool = False
    text: str = "/ost track 7 drama:soundtrack1"


VARIANTS = {
    "bench": Variant("make bench as it was"),
    "dev-guild": Variant("+ DEV_GUILD_ID", dev_guild=True),
    "dramabot-run": Variant("+ dramabot run", command=DRAMABOT_COMMAND, dev_guild=True),
    "validate": Variant("+ OpenAPI validation", command=DRAMABOT_COMMAND, dev_guild=True,
                        validate=True),
    "no-drama": Variant("+ no drama: (server default)", command=DRAMABOT_COMMAND,
                        dev_guild=True, validate=True, text="/ost track number:7"),
}


@contextlib.asynccontextmanager
async def started(name: str, command: tuple[str, ...], workdir: Path, *, validate: bool,
                  dev_guild: bool, extra: dict[str, str] | None = None
                  ) -> AsyncIterator[tuple[BenchDiscord, BotProcess]]:
    discord = BenchDiscord(validate=validate)
    await discord.start()
    try:
        env = {**discord.endpoints(), **(extra or {})}
        if dev_guild:
            env["DEV_GUILD_ID"] = str(discord.world.guilds[GUILD].id)
        async with running(name, command, bot_environment(env), workdir) as proc:
            try:
                await discord.wait_until_ready(timeout=60)
            except TimeoutError:
                print(proc.log_tail(), file=sys.stderr)
                raise
            await asyncio.sleep(2.5)
            yield discord, proc
    finally:
        await discord.stop(check=False)


async def one(discord: BenchDiscord, text: str) -> float:
    """One interaction's latency; text starting with "?" is typed for autocomplete."""
    interaction: InteractionRecord | None
    if text.startswith("?"):
        await discord.autocomplete(text[1:], user=USER)
        interaction = discord.last_interaction()
    else:
        interaction = (await discord.invoke(text, user=USER)).interaction
    assert interaction is not None
    seconds = discord.arrivals.latency(interaction)
    assert seconds is not None, text
    return seconds


async def compare(variant: Variant, rounds: int, workdir: Path, data_dir: Path,
                  baseline: tuple[BenchDiscord, BotProcess], base_text: str,
                  packs: Path) -> dict[str, float]:
    from benchmarks.run import UNLIMITED

    extra = {"DRAMABOT_DATA_DIR": str(data_dir), "DRAMABOT_PACKS": str(packs), **UNLIMITED}
    (data_dir / "commands.sha256").unlink(missing_ok=True)
    async with started("bot", variant.command, workdir, validate=variant.validate,
                       dev_guild=variant.dev_guild, extra=extra) as (discord, bot):
        base_discord, base = baseline
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(20):
            await one(discord, variant.text)
            await one(base_discord, base_text)
        cpu = [bot.cpu_seconds(), base.cpu_seconds()]
        with gc_paused():
            for _ in range(rounds):
                ours.append(await one(discord, variant.text))
                theirs.append(await one(base_discord, base_text))
        cpu = [bot.cpu_seconds() - cpu[0], base.cpu_seconds() - cpu[1]]
    a, b = summarize(ours), summarize(theirs)
    return {"p50": a.p50, "p99": a.p99, "base_p50": b.p50, "base_p99": b.p99,
            "p50x": a.p50 / b.p50, "p99x": a.p99 / b.p99,
            "cpu_ms": 1000 * cpu[0] / rounds, "base_cpu_ms": 1000 * cpu[1] / rounds}


WRAP: tuple[str, ...] = ()  # --wrap: a profiler to start the bot under
WRAP_BASELINE: tuple[str, ...] = ()  # --wrap-baseline: the same for the baseline bot
TEXT: str | None = None  # --text: what to ask instead of the variant's invocation


async def main_async(names: Sequence[str], rounds: int, validate_baseline: bool) -> None:
    from benchmarks.run import BUNDLED_PACKS, build_store, bundled_data

    with tempfile.TemporaryDirectory(prefix="dramabot-factors-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        await build_store(bundled_data(), data_dir, 300)
        for name in names:
            variant = VARIANTS[name]
            if WRAP or TEXT:
                variant = Variant(variant.name, (*WRAP, *variant.command), variant.dev_guild,
                                  variant.validate, TEXT or variant.text)
            async with started("baseline", (*WRAP_BASELINE, *BASELINE_COMMAND),
                               workdir / "base",
                               validate=variant.validate and validate_baseline,
                               dev_guild=False) as baseline:
                base_text = "?/baseline name:dra" if variant.text.startswith("?") else (
                    "/baseline name:x")
                result = await compare(variant, rounds, workdir, data_dir, baseline,
                                       base_text, BUNDLED_PACKS)
            print(json.dumps({"variant": name, "what": variant.name, "text": variant.text,
                              "load": Path("/proc/loadavg").read_text().split()[0],
                              **{k: round(v, 3) for k, v in result.items()}}), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.factors")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--text", help="the bot's interaction instead of the variant's "
                        "(\"?/drama name:sou\": autocomplete, against the baseline's)")
    parser.add_argument("--wrap", default="", help="e.g. 'py-spy record -o p.txt -f raw --'")
    parser.add_argument("--wrap-baseline", default="", help="the same for the baseline bot")
    args = parser.parse_args(argv)
    global WRAP, WRAP_BASELINE, TEXT
    WRAP = tuple(args.wrap.split())
    WRAP_BASELINE = tuple(args.wrap_baseline.split())
    TEXT = args.text
    started_at = time.monotonic()
    asyncio.run(main_async(args.variants, args.rounds, True))
    print(f"{time.monotonic() - started_at:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
