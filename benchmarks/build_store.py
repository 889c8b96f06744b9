"""Build a fact store in a process of its own and print what it cost, as one JSON line.

A separate process so that its time and peak memory are its own, and so the benchmark
process does not keep that heap while it measures latencies afterwards. A large build
parses in worker processes: `peak_rss_mb` counts the builder and each of them at its peak
(an upper bound on what they held at once).

    python -m benchmarks.build_store PACKS_DIR DB_PATH
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from bot.store.build import PARALLEL_MIN, build_fact_store


def own_peak_mb(own: resource.struct_rusage) -> float:
    """This process's peak resident memory since it started: VmHWM, which belongs to the
    memory of this program. Not `ru_maxrss`: Linux carries that across exec, so it would
    start at what the benchmark process held when it spawned this one (600 MB and more
    once it has generated 100,000 packs)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return own.ru_maxrss / 1024


def main(argv: list[str]) -> int:
    packs_dir, db_path = Path(argv[0]), Path(argv[1])
    db_path.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = build_fact_store(packs_dir, db_path)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    builder, worker = own_peak_mb(own), children.ru_maxrss / 1024
    workers = (os.cpu_count() or 1) if result.packs >= PARALLEL_MIN else 0
    print(json.dumps({
        "seconds": seconds,
        "builder_seconds": result.seconds,
        "peak_rss_mb": builder + workers * worker,
        "builder_peak_rss_mb": builder,
        "worker_peak_rss_mb": worker if workers else 0,
        "workers": workers,
        # CPU is what a shared machine does not inflate: compare these across runs
        "builder_cpu_seconds": round(own.ru_utime + own.ru_stime, 2),
        "workers_cpu_seconds": round(children.ru_utime + children.ru_stime, 2),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "store_bytes": db_path.stat().st_size,
        "dramas": result.dramas,
        "people": result.people,
        "tracks": result.tracks,
        "names": result.names,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
