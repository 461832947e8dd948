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
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from bench import http_load, inprocess
from bench.charts import chart
from bench.inprocess import SERVICE_URL, BenchError
from bench.memory import Sample, children, rss_mib

# Long enough for the workers' start-up to settle (imports, the first calls' caches).
WARMUP_SECONDS = 10.0


@dataclass(frozen=True)
class HttpSoak:
    size: int
    clients: int
    workers: int
    seconds: float
    requests: int
    errors: int  # connection failures, timeouts and answers other than 200
    worker_pids: list[int]  # more than ``workers`` means a worker was restarted mid-run
    samples: list[Sample]  # the workers' RSS, summed


class _Counter:
    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self.sent = 0
        self.errors = 0

    def take(self) -> bool:
        """Claim the next call; False once ``limit`` calls were claimed."""
        with self._lock:
            if self.sent >= self._limit:
                return False
            self.sent += 1
            return True

    def failed(self) -> None:
        with self._lock:
            self.errors += 1


def _client(base: str, body: bytes, counter: _Counter, stop: threading.Event) -> None:
    address = urlsplit(base)
    headers = {"Content-Type": "application/json"}
    connection: http.client.HTTPConnection | None = None
    while not stop.is_set() and counter.take():
        try:
            if connection is None:
                connection = http.client.HTTPConnection(
                    address.hostname or "127.0.0.1", address.port, timeout=http_load.REQUEST_TIMEOUT_S
                )
            connection.request("POST", SERVICE_URL, body=body, headers=headers)
            reply = connection.getresponse()
            reply.read()
            if reply.status != 200:
                counter.failed()
        except (OSError, http.client.HTTPException):
            counter.failed()
            if connection is not None:
                connection.close()
            connection = None
    if connection is not None:
        connection.close()


def _workers_rss(master: int) -> tuple[float, list[int]]:
    pids = children(master)
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, RuntimeError):  # it exited between the listing and the read
            total += rss_mib(pid)
    return total, pids


def soak(
    *,
    size: int,
    clients: int,
    workers: int,
    seconds: float,
    max_requests: int,
    samples: int,
    seed: int,
    now: datetime,
    progress: Callable[[str], Any],
) -> HttpSoak:
    with tempfile.TemporaryDirectory(prefix="microcyte-soak-") as scratch:
        work = Path(scratch)
        app = inprocess.benchmark_app(work / "declared")
        keys = inprocess.declared_prefetch(app)
        body = orjson.dumps(chart(size, seed=seed, now=now).hook_request(seed=seed, prefetch_keys=keys))
        with http_load.served(workers, work) as (base, master):
            http_load.check_answer(base, body)
            warmup = _Counter(max_requests)
            _load(base, body, clients, warmup, WARMUP_SECONDS)
            return _measure(
                base, body, master.pid, size, clients, workers, seconds, max_requests, samples, progress
            )


def _load(base: str, body: bytes, clients: int, counter: _Counter, seconds: float) -> None:
    stop = threading.Event()
    threads = [
        threading.Thread(target=_client, args=(base, body, counter, stop), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=http_load.REQUEST_TIMEOUT_S * 2)


def _measure(
    base: str,
    body: bytes,
    master: int,
    size: int,
    clients: int,
    workers: int,
    seconds: float,
    max_requests: int,
    sample_count: int,
    progress: Callable[[str], Any],
) -> HttpSoak:
    counter = _Counter(max_requests)
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
    load = threading.Thread(target=_load, args=(base, body, clients, counter, seconds), daemon=True)
    load.start()
    interval = seconds / sample_count
    while load.is_alive():
        load.join(timeout=max(interval * len(taken) - (time.monotonic() - started), 0.0))
        if load.is_alive():
            sample()
            progress(f"HTTP: {counter.sent:,} calls, worker RSS {taken[-1].rss_mib:.1f} MiB")
    sample()
    return HttpSoak(
        size=size,
        clients=clients,
        workers=workers,
        seconds=taken[-1].seconds,
        requests=counter.sent,
        errors=counter.errors,
        worker_pids=sorted(seen),
        samples=taken,
    )
