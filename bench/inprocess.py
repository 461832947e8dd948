"""The service in-process, through Flask's test client: its own time, without a network.

Beside each request the same body is parsed with orjson alone, in the same loop and so in
the same state of the heap and the garbage collector: that is the floor any service reading
this request must pay, and the ratio of the two is Microcyte's overhead above it. Peak memory
is what one request allocates on top of what the process already held (tracemalloc, in a
separate pass because tracing slows every allocation).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bench.timing import Budget, Summary
from cds_hooks.blueprint import EXTENSION_KEY, Endpoints
from cds_hooks.prefetch import PrefetchTemplate
from service.app import create_app

SERVICE_ID = "microcytosis-workup"
SERVICE_URL = f"/cds-services/{SERVICE_ID}"
WARMUP_ROUNDS = 3


class BenchError(RuntimeError):
    """The service did not answer as a benchmark run needs it to: the figures would mean nothing."""


@dataclass(frozen=True)
class InProcess:
    size: int
    body_bytes: int
    cards: int
    service: Summary
    parse: Summary
    peak_mib: float

    @property
    def ratio(self) -> float:
        return self.service.median / self.parse.median


def benchmark_app(data_dir: Path) -> Flask:
    """The app as ``microcyte serve --no-auth`` builds it; authentication is measured by its own tests.

    ``data_dir`` takes the cards the app records as issued: a scratch folder, not the checkout's.
    """
    return create_app({"auth": {"enabled": False}, "data_dir": str(data_dir)})


def declared_prefetch(app: Flask) -> Mapping[str, PrefetchTemplate]:
    """The service's prefetch templates, as the app's discovery document declares them."""
    endpoints: Endpoints = app.extensions[EXTENSION_KEY]
    service = endpoints.registry.get(SERVICE_ID)
    if service is None:
        raise BenchError(f"the app offers no service {SERVICE_ID!r}")
    return service.prefetch


def post(client: FlaskClient, body: bytes) -> TestResponse:
    return client.post(SERVICE_URL, data=body, content_type="application/json")


def cards_of(response: TestResponse) -> int:
    """The number of cards; BenchError when the service refused the request."""
    if response.status_code != 200:
        raise BenchError(
            f"the service answered HTTP {response.status_code}: {response.get_data(as_text=True)[:500]}"
        )
    return len(orjson.loads(response.get_data()).get("cards", []))


def _peak_mib(client: FlaskClient, body: bytes) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        cards_of(post(client, body))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - before) / 2**20


def measure(client: FlaskClient, size: int, body: bytes, budget: Budget) -> InProcess:
    cards = cards_of(post(client, body))
    for _ in range(WARMUP_ROUNDS):
        cards_of(post(client, body))
    service: list[float] = []
    parse: list[float] = []
    gc.collect()
    another = budget.rounds()
    while another():
        started = time.perf_counter()
        orjson.loads(body)
        parsed = time.perf_counter()
        response = post(client, body)
        answered = time.perf_counter()
        cards_of(response)
        parse.append(parsed - started)
        service.append(answered - parsed)
    return InProcess(
        size=size,
        body_bytes=len(body),
        cards=cards,
        service=Summary.of(service),
        parse=Summary.of(parse),
        peak_mib=_peak_mib(client, body),
    )
