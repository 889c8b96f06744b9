"""The bots under test, each in its own process as deployed, and what the benchmark reads
about them and about the machine from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
# The shape bot.config checks (three dot-separated parts); the offline Discord accepts any.
FAKE_TOKEN = f"{'a' * 24}.{'b' * 6}.{'c' * 32}"
STOP_SECONDS = 10.0

BOT_COMMAND = (sys.executable, "-m", "bot", "run")
# The console script, as deployed (`dramabot run`, the venv's entry point).
DRAMABOT_COMMAND = (str(Path(sys.executable).with_name("dramabot")), "run")
BASELINE_COMMAND = (sys.executable, "-m", "benchmarks.baseline_bot")


@dataclass
class BotProcess:
    """A running bot: `started` is the perf_counter reading just before it was spawned."""

    name: str
    process: asyncio.subprocess.Process
    started: float
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the bot's log, for the error message when it fails to start."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def bot_environment(extra: Mapping[str, str], root: Path | None = None) -> dict[str, str]:
    """The environment without any of the operator's bot settings (a real token or a
    DEV_GUILD_ID in the shell must not leak into a benchmark), plus `extra`. `root` is the
    checkout whose code runs (default: this one; `--bot-checkout` measures another, e.g.
    the code before a change, with this harness)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "DRAMABOT_", "DEV_GUILD", "DEFAULT_DRAMA",
                                "DATABASE_"))}
    env["PYTHONPATH"] = str(root or REPO_ROOT)
    env["DISCORD_TOKEN"] = FAKE_TOKEN
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def running(
    name: str, command: tuple[str, ...], env: Mapping[str, str], workdir: Path
) -> AsyncIterator[BotProcess]:
    """Run `command` for the duration of the block. The working directory is a scratch
    folder so a `.env` in the repository is never read; stdout and stderr go to a log."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=dict(env), stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            yield BotProcess(name, process, started, log_path)
        finally:
            await stop(process, log)


async def stop(process: asyncio.subprocess.Process, log: IO[bytes] | None = None) -> None:
    """SIGTERM, then SIGKILL if it has not exited within STOP_SECONDS. Only this pid."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
    if log is not None:
        log.flush()


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process in MiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # the name may contain spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_seconds(pid: int) -> float:
    """Seconds a process has run on a CPU, from /proc/<pid>/schedstat: the scheduler's
    own nanosecond count (every thread), not ticks, so one interaction's share can be
    read. Falls back to the tick-based `cpu_seconds` where schedstat is missing."""
    try:
        total = 0
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        return cpu_seconds(pid)


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as /proc/loadavg gives them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine_info() -> dict[str, str | int | float]:
    """What the figures depend on: cores, CPU model, memory, Python and discord.py."""
    import discord

    return {
        "nproc": os.cpu_count() or 0,
        "cpu_model": _cpuinfo_model(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024 / 1024, 1),
        "python": platform.python_version(),
        "discord_py": discord.__version__,
        "platform": platform.platform(),
    }


def _cpuinfo_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kib(field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return 0
