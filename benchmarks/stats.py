"""Percentiles and the summary every latency table row is made of."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks, the
    definition numpy uses by default, so figures can be checked with it."""
    if not sorted_values:
        return math.nan
    rank = (len(sorted_values) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Latencies in milliseconds; `errors` counts interactions that got no valid reply."""

    n: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float
    errors: int = 0
    cpu_ms: float = math.nan  # the answering bot process's CPU per interaction (mean)


def summarize(seconds: Sequence[float], errors: int = 0,
              cpu_seconds: Sequence[float] = ()) -> Summary:
    values = sorted(s * 1000 for s in seconds)
    cpu = 1000 * sum(cpu_seconds) / len(cpu_seconds) if cpu_seconds else math.nan
    if not values:
        return Summary(0, math.nan, math.nan, math.nan, math.nan, math.nan, errors, cpu)
    return Summary(
        n=len(values),
        p50=percentile(values, 50),
        p95=percentile(values, 95),
        p99=percentile(values, 99),
        mean=sum(values) / len(values),
        max=values[-1],
        errors=errors,
        cpu_ms=cpu,
    )


def ratio(value: float, base: float) -> float:
    return value / base if base > 0 else math.nan
