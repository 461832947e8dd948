"""The soak over HTTP: ``microcyte serve`` on loopback, N clients posting one chart for minutes.

Each client is a thread with one keep-alive connection that sends the next call as soon as
the last is answered, as wrk does, but written here so the soak needs nothing beyond Python.
The clients share the cores with the server: what is measured is the worker's memory, which
the clients' speed only scales. A sampler reads the worker's RSS from /proc meanwhile. The run
is bounded by time and by a number of calls.
"""

from __future__ import annotations

import contextlib
import http.client
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import http_load, inprocess
from bench.inprocess import BenchError
from bench.memory import Sample, children, rss_mib
from bench.soak_traffic import Plan, Traffic

# Long enough for the workers' start-up to settle (imports, the first calls' caches).
WARMUP_SECONDS = 10.0


@dataclass(frozen=True)
class HttpSoak:
    size: int
    clients: int
    workers: int
    seconds: float
    requests: int
    errors: int  # connection failures, timeouts and answers other than the expected status
    worker_pids: list[int]  # more than ``workers`` means a worker was restarted mid-run
    samples: list[Sample]  # the workers' RSS, summed


class _Counter:
    """Numbers the calls of all clients, up to a limit."""

    def __init__(self, start: int, limit: int) -> None:
        self._lock = threading.Lock()
        self._first = start
        self._next = start
        self._end = start + limit
        self.errors = 0

    @property
    def sent(self) -> int:
        return self._next - self._first

    def take(self) -> int | None:
        """The number of the next call; None once the limit is reached."""
        with self._lock:
            if self._next >= self._end:
                return None
            self._next += 1
            return self._next

    def failed(self) -> None:
        with self._lock:
            self.errors += 1


def _client(base: str, traffic: Traffic, counter: _Counter, stop: threading.Event) -> None:
    address = urlsplit(base)
    connection: http.client.HTTPConnection | None = None
    while not stop.is_set() and (n := counter.take()) is not None:
        call = traffic.call(n)
        headers = {"Content-Type": "application/json", "X-Request-ID": call.request_id}
        try:
            if connection is None:
                connection = http.client.HTTPConnection(
                    address.hostname or "127.0.0.1", address.port, timeout=http_load.REQUEST_TIMEOUT_S
                )
            connection.request("POST", call.path, body=call.body, headers=headers)
            reply = connection.getresponse()
            reply.read()
            if reply.status != call.status:
                counter.failed()
        except (OSError, http.client.HTTPException):
            counter.failed()
            if connection is not None:
                connection.close()
            connection = None
    if connection is not None:
        connection.close()


def _load(base: str, traffic: Traffic, clients: int, counter: _Counter, seconds: float) -> None:
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client, args=(base, traffic, counter, stop), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=http_load.REQUEST_TIMEOUT_S * 2)


def _workers_rss(master: int) -> tuple[float, list[int]]:
    pids = children(master)
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, RuntimeError):  # it exited between the listing and the read
            total += rss_mib(pid)
    return total, pids


def soak(plan: Plan, *, clients: int, workers: int, progress: Callable[[str], Any]) -> HttpSoak:
    with tempfile.TemporaryDirectory(prefix="microcyte-soak-") as scratch:
        work = Path(scratch)
        traffic = plan.traffic(inprocess.declared_prefetch(inprocess.benchmark_app(work / "declared")))
        with http_load.served(workers, work) as (base, master):
            http_load.check_answer(base, traffic.call(1).body)
            warmup = _Counter(1, plan.max_requests)
            _load(base, traffic, clients, warmup, WARMUP_SECONDS)
            counter = _Counter(warmup.sent + 1, plan.max_requests)
            return _measure(plan, base, master.pid, traffic, clients, workers, counter, progress)


def _measure(
    plan: Plan,
    base: str,
    master: int,
    traffic: Traffic,
    clients: int,
    workers: int,
    counter: _Counter,
    progress: Callable[[str], Any],
) -> HttpSoak:
    seen: set[int] = set()
    taken: list[Sample] = []
    started = time.monotonic()

    def sample() -> None:
        rss, pids = _workers_rss(master)
        if not pids:
            raise BenchError("microcyte serve has no worker process")
        seen.update(pids)
        taken.append(Sample(seconds=time.monotonic() - started, requests=counter.sent, rss_mib=rss))

    sample()
    load = threading.Thread(target=_load, args=(base, traffic, clients, counter, plan.seconds), daemon=True)
    load.start()
    interval = plan.seconds / plan.samples
    while load.is_alive():
        load.join(timeout=max(interval * len(taken) - (time.monotonic() - started), 0.0))
        if load.is_alive():
            sample()
            progress(f"HTTP: {counter.sent:,} calls, worker RSS {taken[-1].rss_mib:.1f} MiB")
    sample()
    return HttpSoak(
        size=plan.size,
        clients=clients,
        workers=workers,
        seconds=taken[-1].seconds,
        requests=counter.sent,
        errors=counter.errors,
        worker_pids=sorted(seen),
        samples=taken,
    )
