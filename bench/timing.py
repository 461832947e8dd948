"""Summaries of repeated timings, and the loop that bounds a measurement by count and by time."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: with 50 samples p99 is the slowest one, never an interpolated guess."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """Milliseconds."""

    count: int
    median: float
    p99: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        millis = [s * 1000 for s in seconds]
        return cls(len(millis), statistics.median(millis), percentile(millis, 99))


@dataclass(frozen=True)
class Budget:
    """How long one measurement may run: at least ``least`` rounds, at most ``most`` or ``seconds``."""

    least: int
    most: int
    seconds: float

    def rounds(self) -> Callable[[], bool]:
        """A predicate to call before each round: True while another round fits."""
        started = time.perf_counter()
        done = 0

        def another() -> bool:
            nonlocal done
            if done >= self.most:
                return False
            if done >= self.least and time.perf_counter() - started > self.seconds:
                return False
            done += 1
            return True

        return another
