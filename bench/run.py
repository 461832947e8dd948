"""One benchmark run: generate the charts, measure each part the plan asks for, collect the figures."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from flask import Flask

from bench import fhir_fetch, http_load, inprocess
from bench.charts import Chart, chart
from bench.machine import describe, load_average, revision, today
from bench.plan import Plan
from bench.results import Results
from cds_hooks.blueprint import EXTENSION_KEY
from service.config import ServerSettings
from service.server import tune_garbage_collector

Progress = Callable[[str], Any]


def _body(chart: Chart, seed: int, app: Flask) -> bytes:
    keys = inprocess.declared_prefetch(app)
    return orjson.dumps(chart.hook_request(seed=seed, prefetch_keys=keys))


def _in_process(
    plan: Plan, charts: dict[int, Chart], results: Results, work: Path, progress: Progress
) -> None:
    app = inprocess.benchmark_app(work / "data")
    client = app.test_client()
    # As a gunicorn worker does once the app is loaded; the charts held here are frozen with the
    # app, so the collector does not traverse the benchmark's own data either.
    tune_garbage_collector()
    results.notes.append(
        "The in-process runs tune the garbage collector as a `microcyte serve` worker does"
        " (`service.server.tune_garbage_collector`)."
    )
    for size in plan.sizes:
        progress(f"in-process: {size:,} results")
        body = _body(charts[size], plan.seed, app)
        results.in_process.append(inprocess.measure(client, size, body, plan.in_process))
    if not plan.profile_sizes:
        return
    try:
        from bench import hotspots
    except ImportError:
        raise inprocess.BenchError(
            "the profile needs pyinstrument: pip install pyinstrument (or --no-profile)"
        ) from None
    for size in plan.profile_sizes:
        progress(f"profile: {size:,} results")
        body = _body(charts[size], plan.seed, app)
        results.profiles.append(hotspots.profile(client, size, body, plan.profile))


def _http(plan: Plan, charts: dict[int, Chart], results: Results, work: Path, progress: Progress) -> None:
    http_load.wrk_command()  # fail before starting anything when wrk is missing
    progress(f"HTTP: starting microcyte serve --workers {plan.workers}")
    threads = ServerSettings().threads
    results.notes.append(
        f"`microcyte serve` ran {plan.workers} gunicorn gevent workers, the app on"
        f" {threads} thread{'' if threads == 1 else 's'} each (the default)."
    )
    app = inprocess.benchmark_app(work / "data")
    with http_load.running_server(plan.workers, work) as base:
        for size in plan.http_sizes:
            body = _body(charts[size], plan.seed, app)
            body_file = work / f"request-{size}.json"
            body_file.write_bytes(body)
            http_load.check_answer(base, body)
            for clients in plan.clients:
                progress(f"HTTP: {size:,} results, {clients} concurrent, {plan.http_seconds} s")
                results.http.append(http_load.load(base, body_file, size, clients, plan.http_seconds))


def run(plan: Plan, progress: Progress) -> Results:
    now = today()
    sizes = sorted({*plan.sizes, *plan.profile_sizes, *plan.http_sizes, *plan.fhir_sizes})
    progress(f"generating charts of {', '.join(f'{s:,}' for s in sizes)} results (seed {plan.seed})")
    charts = {size: chart(size, seed=plan.seed, now=now) for size in sizes}
    results = Results(
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        mode=plan.mode,
        seed=plan.seed,
        revision=revision(),
        machine=describe(),
    )
    results.notes.append(f"The charts are dated relative to {now.date()} (UTC), midnight.")
    with tempfile.TemporaryDirectory(prefix="microcyte-bench-") as scratch:
        work = Path(scratch)
        _in_process(plan, charts, results, work, progress)
        if plan.http_sizes and plan.clients:
            _http(plan, charts, results, work, progress)
        if plan.fhir_sizes:
            fetch_runs, first_pages = fhir_fetch.run(
                [charts[size] for size in plan.fhir_sizes],
                work,
                plan.fhir,
                seed=plan.seed,
                whole_record_limit=plan.whole_record_limit,
                progress=progress,
            )
            results.fetch.extend(fetch_runs)
            results.first_pages.extend(first_pages)
            if inprocess.benchmark_app(work / "data").extensions[EXTENSION_KEY].fill is None:
                results.notes.append(
                    "The app does not wire the FHIR fetch layer yet (`Endpoints.fill` is None): the"
                    " FHIR-fetch figures come from the app with `cds_hooks.fhir.resolve.prefetch_filler`"
                    " set by the benchmark."
                )
    results.notes.append(f"Load average when the run ended: {load_average()}.")
    return results
