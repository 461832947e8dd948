"""The FHIR-fetch path: no prefetch, so the service reads the chart from a local sekmet-fhir server.

Each size is measured twice. With the fetch layer's default bounds (the deadline that keeps
a hook call inside the spec's 500 ms, the page and entry limits), as a deployment runs: the
time, and whether the whole record arrived. And with bounds wide enough for the whole record,
where the server allows it in reasonable time: what reading all of it costs. The fetch step
is timed apart from the rest, so Microcyte's own share of the time is visible.

sekmet-fhir sorts a search (``_sort=-date``, which the service's Observation query asks for)
in time that grows with the square of the matching resources; from a few thousand results on
a page takes it tens of seconds. The whole-record run is therefore limited to the sizes up to
``whole_record_limit``; above it the time sekmet takes for the first page alone is recorded.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import requests

from bench.charts import Chart
from bench.inprocess import BenchError, benchmark_app, declared_prefetch, post
from bench.timing import Budget, Summary
from cds_hooks.blueprint import EXTENSION_KEY
from cds_hooks.fhir.client import FhirFetcher
from cds_hooks.fhir.resolve import prefetch_filler
from cds_hooks.fhir.settings import FhirSettings
from cds_hooks.handling import PrefetchFiller
from cds_hooks.models import CDSRequest
from cds_hooks.prefetch import PrefetchData, render
from cds_hooks.service import CDSService
from tests.fhirserver import SekmetServer, SekmetUnavailable

DEFAULT_BOUNDS = FhirSettings()
WHOLE_RECORD = FhirSettings(
    deadline_seconds=600.0,
    connect_timeout_seconds=5.0,
    read_timeout_seconds=600.0,
    max_pages=1000,
    max_entries=1_000_000,
)
FIRST_PAGE_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class FetchRun:
    size: int
    bounds: str  # "default" or "whole record"
    statuses: tuple[tuple[int, int], ...]  # (HTTP status, how many answers had it)
    request: Summary  # the whole hook call
    fetch: Summary  # the fetch step alone
    own_ms: float  # median of (hook call - fetch): Microcyte's own time
    problems: tuple[str, ...]  # why data was missing or cut, by prefetch key; () when all arrived

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class FirstPage:
    """sekmet's time for the first page of the service's Observation search, asked directly."""

    size: int
    seconds: float
    matches: int


class _TimedFiller:
    """The service's prefetch filler, timed and with what it could not get recorded."""

    def __init__(self, fill: PrefetchFiller) -> None:
        self.fill = fill
        self.seconds: list[float] = []
        self.problems: set[str] = set()

    def __call__(self, service: CDSService, request: CDSRequest, prefetch: PrefetchData) -> PrefetchData:
        started = time.perf_counter()
        filled = self.fill(service, request, prefetch)
        self.seconds.append(time.perf_counter() - started)
        self.problems.update(f"{item.key}: {item.problem}" for item in filled.missing())
        return filled


@contextmanager
def sekmet(root: Path) -> Iterator[SekmetServer]:
    try:
        server = SekmetServer.start(root)
    except SekmetUnavailable as error:
        raise BenchError(f"cannot start sekmet-fhir: {error} (or run with --no-fhir)") from None
    try:
        yield server
    finally:
        server.stop()


def first_page(server: SekmetServer, chart: Chart, template: str) -> FirstPage:
    """``template``: the service's Observation prefetch query."""
    query = render(template, {"patientId": chart.patient_id})
    started = time.perf_counter()
    reply = requests.get(f"{server.base_url}/{query}", headers=server.headers(), timeout=FIRST_PAGE_TIMEOUT_S)
    seconds = time.perf_counter() - started
    if reply.status_code != 200:
        raise BenchError(f"sekmet answered the Observation search with HTTP {reply.status_code}")
    return FirstPage(chart.size, seconds, int(reply.json().get("total", 0)))


def measure(
    server: SekmetServer,
    chart: Chart,
    bounds: str,
    settings: FhirSettings,
    budget: Budget,
    *,
    seed: int,
    data_dir: Path,
) -> FetchRun:
    app = benchmark_app(data_dir)
    body = orjson.dumps(chart.hook_request(seed=seed, fhir_server=server.base_url))
    totals: list[float] = []
    statuses: Counter[int] = Counter()
    with FhirFetcher(settings) as fetcher:
        filler = _TimedFiller(prefetch_filler(fetcher))
        # Set here whether or not the app wires a fetcher itself: the bounds are this benchmark's.
        app.extensions[EXTENSION_KEY].fill = filler
        client = app.test_client()
        another = budget.rounds()
        while another():
            started = time.perf_counter()
            response = post(client, body)
            totals.append(time.perf_counter() - started)
            statuses[response.status_code] += 1
    if not set(statuses) <= {200, 412}:
        raise BenchError(f"the service answered a fetched chart with HTTP {sorted(statuses)}")
    return FetchRun(
        size=chart.size,
        bounds=bounds,
        statuses=tuple(sorted(statuses.items())),
        request=Summary.of(totals),
        fetch=Summary.of(filler.seconds),
        own_ms=Summary.of(
            [total - fetch for total, fetch in zip(totals, filler.seconds, strict=True)]
        ).median,
        problems=tuple(sorted(filler.problems)),
    )


def run(
    charts: list[Chart],
    work: Path,
    budget: Budget,
    *,
    seed: int,
    whole_record_limit: int,
    progress: Callable[[str], Any],
) -> tuple[list[FetchRun], list[FirstPage]]:
    """Measure each chart, smallest first; ``work`` holds sekmet's files and the app's data."""
    data_dir = work / "data"
    observation_query = declared_prefetch(benchmark_app(data_dir))["Observation"].query
    runs: list[FetchRun] = []
    pages: list[FirstPage] = []
    with sekmet(work / "sekmet") as server:
        for chart in sorted(charts, key=lambda c: c.size):
            progress(f"FHIR fetch: loading {chart.size:,} results into sekmet-fhir")
            server.load(chart.transaction())
            if chart.size > whole_record_limit:
                progress(f"FHIR fetch: {chart.size:,} results, sekmet's first page")
                pages.append(first_page(server, chart, observation_query))
            else:
                progress(f"FHIR fetch: {chart.size:,} results, whole record")
                runs.append(
                    measure(server, chart, "whole record", WHOLE_RECORD, budget, seed=seed, data_dir=data_dir)
                )
            progress(f"FHIR fetch: {chart.size:,} results, default bounds")
            runs.append(
                measure(server, chart, "default", DEFAULT_BOUNDS, budget, seed=seed, data_dir=data_dir)
            )
    return runs, pages
