"""The soak in-process: the real app, one chart sent for many thousands of calls, under tracemalloc.

The app is built as ``microcyte serve --no-auth`` builds it, with the feedback store and the
issued-cards recorder on a scratch data folder, and the garbage collector is tuned as a
gunicorn worker tunes it, so what grows here grows in a worker. The issued-card queue is not
flushed between samples: a writer falling behind would be a leak of its own.

tracemalloc slows every allocation (several times over with deep tracebacks), so this part
sends fewer calls per minute than the HTTP part; the growth per call is what it measures.
"""

from __future__ import annotations

import gc
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from bench import inprocess
from bench.charts import chart
from bench.memory import GroupBy, Grower, Sample, growers, rss_mib, snapshot
from cds_hooks.feedback.sinks import StoreSinks
from service.app import SINKS_KEY
from service.server import tune_garbage_collector

WARMUP_CALLS = 50
TOP_GROWERS = 15


@dataclass(frozen=True)
class InProcessSoak:
    size: int
    seconds: float
    requests: int
    frames: int
    group_by: GroupBy
    samples: list[Sample]
    growers: list[Grower]  # from the start to the end, as the collector left the heap
    held: list[Grower]  # the same after a full collection: what no collector frees
    garbage_mib: float  # what that full collection freed: cycles the tuned collector had not reached


def soak(
    *,
    size: int,
    seconds: float,
    max_requests: int,
    samples: int,
    frames: int,
    group_by: GroupBy,
    seed: int,
    now: datetime,
    progress: Callable[[str], Any],
) -> InProcessSoak:
    with tempfile.TemporaryDirectory(prefix="microcyte-soak-") as scratch:
        app = inprocess.benchmark_app(Path(scratch) / "data")
        sinks: StoreSinks = app.extensions[SINKS_KEY]
        try:
            client = app.test_client()
            body = orjson.dumps(
                chart(size, seed=seed, now=now).hook_request(
                    seed=seed, prefetch_keys=inprocess.declared_prefetch(app)
                )
            )
            for _ in range(WARMUP_CALLS):
                inprocess.cards_of(inprocess.post(client, body))
            sinks.recorder.flush()
            tune_garbage_collector()
            tracemalloc.start(frames)
            try:
                return _run(
                    client, body, sinks, size, seconds, max_requests, samples, frames, group_by, progress
                )
            finally:
                tracemalloc.stop()
        finally:
            sinks.close()


def _run(
    client: Any,
    body: bytes,
    sinks: StoreSinks,
    size: int,
    seconds: float,
    max_requests: int,
    sample_count: int,
    frames: int,
    group_by: GroupBy,
    progress: Callable[[str], Any],
) -> InProcessSoak:
    started = time.monotonic()

    def sample(requests: int) -> Sample:
        return Sample(
            seconds=time.monotonic() - started,
            requests=requests,
            rss_mib=rss_mib(),
            traced_mib=tracemalloc.get_traced_memory()[0] / 2**20,
            queued=sinks.recorder.pending(),
        )

    start = snapshot()
    taken = [sample(0)]
    interval = seconds / sample_count
    requests = 0
    while requests < max_requests and time.monotonic() - started < seconds:
        inprocess.cards_of(inprocess.post(client, body))
        requests += 1
        if time.monotonic() - started >= interval * len(taken):
            taken.append(sample(requests))
            progress(
                f"in-process: {requests:,} calls, RSS {taken[-1].rss_mib:.1f} MiB,"
                f" traced {taken[-1].traced_mib:.2f} MiB"
            )
    taken.append(sample(requests))
    end = snapshot()
    before_collection = tracemalloc.get_traced_memory()[0]
    gc.collect()
    collected = snapshot()
    freed = (before_collection - tracemalloc.get_traced_memory()[0]) / 2**20
    return InProcessSoak(
        size=size,
        seconds=taken[-1].seconds,
        requests=requests,
        frames=frames,
        group_by=group_by,
        samples=taken,
        growers=growers(start, end, group_by, TOP_GROWERS),
        held=growers(start, collected, group_by, TOP_GROWERS),
        garbage_mib=freed,
    )
