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
from pathlib import Path
from typing import Any

import orjson
from flask import Flask
from werkzeug.test import EnvironBuilder

from bench import inprocess
from bench.inprocess import BenchError
from bench.memory import GroupBy, Grower, Sample, growers, rss_mib, snapshot
from bench.soak_traffic import Call, Plan, Traffic
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
    held_mib: float  # what the heap kept from the start to the end, the full collection done: a leak


class _Caller:
    """Sends the soak's calls to the WSGI app as a server does, and checks every answer.

    Not through Flask's test client: werkzeug's client keeps each call's environ, and with it
    the request body, in a reference cycle of its own, which would be measured as the app's.
    """

    def __init__(self, app: Flask, traffic: Traffic) -> None:
        self._app = app
        self._traffic = traffic
        self.sent = 0
        self._cards: int | None = None

    def send(self) -> None:
        self.sent += 1
        call = self._traffic.call(self.sent)
        environ = EnvironBuilder(
            path=call.path,
            method="POST",
            data=call.body,
            content_type="application/json",
            headers={"X-Request-ID": call.request_id},
        ).get_environ()
        statuses: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], object]:
            statuses.append(status)
            return len

        chunks = self._app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status = int(statuses[-1].split()[0])
        if status != call.status:
            raise BenchError(f"{call.path} answered {status}, not {call.status}")
        if call.status == 200:
            self._check(call, len(orjson.loads(body).get("cards", [])))

    def _check(self, call: Call, cards: int) -> None:
        if self._cards is None:
            self._cards = cards
        elif cards != self._cards:
            raise BenchError(f"call {call.request_id} got {cards} cards, not {self._cards}: renamed badly?")


def soak(plan: Plan, *, frames: int, group_by: GroupBy, progress: Callable[[str], Any]) -> InProcessSoak:
    with tempfile.TemporaryDirectory(prefix="microcyte-soak-") as scratch:
        app = inprocess.benchmark_app(Path(scratch) / "data")
        sinks: StoreSinks = app.extensions[SINKS_KEY]
        try:
            caller = _Caller(app, plan.traffic(inprocess.declared_prefetch(app)))
            for _ in range(WARMUP_CALLS):
                caller.send()
            sinks.recorder.flush()
            gc.collect()  # the start holds no garbage, so the end's held memory is what calls kept
            tune_garbage_collector()
            tracemalloc.start(frames)
            try:
                samples, start, end, collected = _run(plan, caller, sinks, progress)
            finally:
                tracemalloc.stop()
        finally:
            sinks.close()
    return InProcessSoak(
        size=plan.size,
        seconds=samples[-1].seconds,
        requests=samples[-1].requests,
        frames=frames,
        group_by=group_by,
        samples=samples,
        growers=growers(start, end, group_by, TOP_GROWERS),
        held=growers(start, collected, group_by, TOP_GROWERS),
        garbage_mib=(_total(end) - _total(collected)) / 2**20,
        held_mib=(_total(collected) - _total(start)) / 2**20,
    )


def _total(taken: tracemalloc.Snapshot) -> int:
    """Bytes live in a snapshot: tracemalloc's own total would count the snapshots themselves."""
    return sum(stat.size for stat in taken.statistics("filename"))


def _run(
    plan: Plan, caller: _Caller, sinks: StoreSinks, progress: Callable[[str], Any]
) -> tuple[list[Sample], tracemalloc.Snapshot, tracemalloc.Snapshot, tracemalloc.Snapshot]:
    """The samples; the snapshots at the start, at the end, and after a full collection."""
    started = time.monotonic()
    first = caller.sent

    def sample() -> Sample:
        return Sample(
            seconds=time.monotonic() - started,
            requests=caller.sent - first,
            rss_mib=rss_mib(),
            traced_mib=tracemalloc.get_traced_memory()[0] / 2**20,
            queued=sinks.recorder.queued(),
        )

    start = snapshot()
    taken = [sample()]
    interval = plan.seconds / plan.samples
    while caller.sent - first < plan.max_requests and time.monotonic() - started < plan.seconds:
        caller.send()
        if time.monotonic() - started >= interval * len(taken):
            taken.append(sample())
            progress(
                f"in-process: {taken[-1].requests:,} calls, RSS {taken[-1].rss_mib:.1f} MiB,"
                f" traced {taken[-1].traced_mib:.2f} MiB"
            )
    if taken[-1].requests != caller.sent - first:
        taken.append(sample())
    end = snapshot()
    gc.collect()
    return taken, start, end, snapshot()
