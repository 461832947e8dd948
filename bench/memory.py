"""A process's memory over a soak: its RSS from /proc, tracemalloc's growing sites, and a verdict.

RSS is what the operating system sees and what an orchestrator's memory limit kills on; the
heap traced by tracemalloc is what Python allocated and still holds, with the line (or the
call chain) that allocated it. A leak shows in both; memory the allocator keeps for reuse
shows in RSS only, and levels off.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# A run "levels off" when its second half adds at most this much: what the allocator's arenas
# and SQLite's page cache settle into, and well under the 5-10 MiB a half-run of the leak in
# issue 11 added (about 1 MiB per 1,000 requests).
LEVEL_TOLERANCE_MIB = 2.0
# Frames of tracemalloc's own bookkeeping and of the import system, never the service's.
_NOT_THE_SERVICE = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    tracemalloc.Filter(False, "<unknown>"),
)

GroupBy = Literal["lineno", "traceback"]


def rss_mib(pid: int | None = None) -> float:
    """The resident set of ``pid`` (this process when None), in MiB."""
    status = Path(f"/proc/{'self' if pid is None else pid}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{status} has no VmRSS line")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``: a gunicorn master's workers."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: the fields after it are fixed.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the measured part began
    requests: int
    rss_mib: float
    traced_mib: float | None = None  # tracemalloc's current total, in-process only
    queued: int | None = None  # issued-card records waiting for the writer thread, in-process only


@dataclass(frozen=True)
class Grower:
    """One allocation site whose live memory grew between two snapshots."""

    site: str  # file:line, or the call chain innermost first
    size_kib: float
    count: int  # live blocks added


def snapshot() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(_NOT_THE_SERVICE)


def growers(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, group_by: GroupBy, limit: int
) -> list[Grower]:
    """The sites that grew most from ``before`` to ``after``, largest first."""
    grown = [stat for stat in after.compare_to(before, group_by) if stat.size_diff > 0]
    return [
        Grower(_site(stat.traceback, group_by), stat.size_diff / 1024, stat.count_diff)
        for stat in grown[:limit]
    ]


def _site(trace: tracemalloc.Traceback, group_by: GroupBy) -> str:
    frames = list(trace) if group_by == "traceback" else list(trace)[:1]
    return " <- ".join(f"{_short(frame.filename)}:{frame.lineno}" for frame in reversed(frames))


def _short(filename: str) -> str:
    """site-packages/… or the path inside the checkout: the rest is the same on every line."""
    for marker in ("site-packages/", "/lib/python3."):
        if marker in filename:
            return filename.split(marker, 1)[1] if marker == "site-packages/" else Path(filename).name
    parts = Path(filename).parts
    for anchor in ("cds_hooks", "service", "bench"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return filename


@dataclass(frozen=True)
class Trend:
    """How the RSS moved over the first and the second half of a run."""

    first_half_mib: float
    second_half_mib: float
    per_1000_requests_mib: float  # over the second half

    @property
    def levels_off(self) -> bool:
        return self.second_half_mib <= LEVEL_TOLERANCE_MIB


def trend(samples: Sequence[Sample]) -> Trend:
    if len(samples) < 3:
        raise ValueError("a trend needs at least three samples")
    first, last = samples[0], samples[-1]
    middle = min(samples, key=lambda s: abs(s.seconds - (first.seconds + last.seconds) / 2))
    requests = max(last.requests - middle.requests, 1)
    return Trend(
        first_half_mib=middle.rss_mib - first.rss_mib,
        second_half_mib=last.rss_mib - middle.rss_mib,
        per_1000_requests_mib=(last.rss_mib - middle.rss_mib) / requests * 1000,
    )
