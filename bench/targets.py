"""The targets of issue 8, checked against the figures of one run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.http_load import LoadRun
from bench.inprocess import InProcess

MAX_RATIO = 3.0
RATIO_SIZES = (1_000, 10_000)
MAX_MEDIAN_MS_AT_1000 = 15.0
# Linear growth: ten times the results may cost at most 10^1.1 ≈ 12.6 times the time.
MAX_SLOPE = 1.1
HTTP_SIZE = 100
HTTP_CLIENTS = 8
MAX_HTTP_P99_MS = 50.0


@dataclass(frozen=True)
class Check:
    target: str
    measured: str
    met: bool | None  # None: not measured in this run


def _by_size(results: Sequence[InProcess]) -> dict[int, InProcess]:
    return {result.size: result for result in results}


def slope(small_size: int, small_ms: float, large_size: int, large_ms: float) -> float:
    """The exponent k of time ∝ size^k between two sizes: 1 is linear."""
    return math.log(large_ms / small_ms) / math.log(large_size / small_size)


def _ratio_checks(by_size: dict[int, InProcess]) -> list[Check]:
    checks = []
    for size in RATIO_SIZES:
        target = f"in-process time ≤ {MAX_RATIO:g} × orjson parse time at {size:,} results"
        result = by_size.get(size)
        if result is None:
            checks.append(Check(target, "not measured", None))
        else:
            checks.append(Check(target, f"{result.ratio:.1f} ×", result.ratio <= MAX_RATIO))
    return checks


def _median_check(by_size: dict[int, InProcess], cores: int) -> Check:
    target = f"median ≤ {MAX_MEDIAN_MS_AT_1000:g} ms at 1,000 results (on {cores} cores)"
    result = by_size.get(1_000)
    if result is None:
        return Check(target, "not measured", None)
    return Check(target, f"{result.service.median:.1f} ms", result.service.median <= MAX_MEDIAN_MS_AT_1000)


def _linearity_check(by_size: dict[int, InProcess]) -> Check:
    sizes = sorted(size for size in by_size if size >= 100)
    if len(sizes) < 2:
        return Check("time grows linearly with size", "not measured", None)
    small, large = by_size[sizes[-2]], by_size[sizes[-1]]
    target = f"time grows linearly with size (exponent ≤ {MAX_SLOPE:g} from {small.size:,} to {large.size:,})"
    exponent = slope(small.size, small.service.median, large.size, large.service.median)
    # The floor's own exponent beside it: parsing and allocating a larger body is not linear on
    # every machine either (caches, the garbage collector), and no service can beat its floor.
    floor = slope(small.size, small.parse.median, large.size, large.parse.median)
    return Check(target, f"{exponent:.2f} (orjson parse alone: {floor:.2f})", exponent <= MAX_SLOPE)


def _http_checks(runs: Sequence[LoadRun]) -> list[Check]:
    target = f"HTTP p99 ≤ {MAX_HTTP_P99_MS:g} ms at {HTTP_CLIENTS} clients, {HTTP_SIZE}-result chart"
    run = next((r for r in runs if r.size == HTTP_SIZE and r.clients == HTTP_CLIENTS), None)
    checks = [
        Check(target, "not measured", None)
        if run is None
        else Check(target, f"{run.p99_ms:.1f} ms", run.p99_ms <= MAX_HTTP_P99_MS)
    ]
    errors = sum(r.errors for r in runs)
    checks.append(
        Check("HTTP: zero errors", f"{errors}" if runs else "not measured", errors == 0 if runs else None)
    )
    return checks


def check(in_process: Sequence[InProcess], http: Sequence[LoadRun], cores: int) -> list[Check]:
    by_size = _by_size(in_process)
    return [
        *_ratio_checks(by_size),
        _median_check(by_size, cores),
        _linearity_check(by_size),
        *_http_checks(http),
    ]
