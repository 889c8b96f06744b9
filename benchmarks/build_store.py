"""Build a fact store in a process of its own and print what it cost, as one JSON line.

A separate process so that its time and peak memory are its own (a 100,000-drama build
holds every parsed pack at once), and so the benchmark process does not keep that heap
while it measures latencies afterwards.

    python -m benchmarks.build_store PACKS_DIR DB_PATH
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bot.store.build import build_fact_store


def main(argv: list[str]) -> int:
    packs_dir, db_path = Path(argv[0]), Path(argv[1])
    db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = build_fact_store(packs_dir, db_path)
    print(json.dumps({
        "seconds": time.perf_counter() - started,
        "builder_seconds": result.seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "store_bytes": db_path.stat().st_size,
        "dramas": result.dramas,
        "people": result.people,
        "tracks": result.tracks,
        "names": result.names,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
