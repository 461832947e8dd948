"""``python -m bench.floor``: Microcyte's fixed cost against the floor of any Flask CDS service.

The floor is a bare Flask route that parses the same request body with orjson and returns
one fixed card: routing, the request object and the JSON that any service on this stack
pays. Microcyte and the floor run in one process, through the same test client, one request
each in turn, so a noisy neighbour slows both alike; the ratio of their medians is what
Microcyte's reading, reasoning and cards cost on top. The target (issue 12): at most 3x for
charts of 10 and 100 results.

A third route, *checks*, is the floor plus the validation issue 12 keeps and no workup can
skip: the Patient through fhir.resources R4B and the newest Observation of each analyte
through the lean model. Its ratio is the part of the budget spent before any reasoning.

    .venv/bin/python -m bench.floor                  # prints the table, writes bench/floor.json
    .venv/bin/python -m bench.floor --rounds 2000 --sizes 10,100,1000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
from fhir.resources.R4B.patient import Patient
from flask import Flask, Response, request
from flask.testing import FlaskClient

from bench.blocks import RESULTS, write_block
from bench.charts import chart
from bench.inprocess import SERVICE_URL, BenchError, benchmark_app, cards_of, declared_prefetch
from service.chart.observation import validate_observation
from service.chart.reading import result_code
from service.labs.analytes import BY_CODE

HERE = Path(__file__).resolve().parent
TARGET_RATIO = 3.0
BLOCK = "bench.floor"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # the charts' "now": their results are recent
FIXED_CARD = orjson.dumps(
    {"cards": [{"uuid": "00000000-0000-4000-8000-000000000000", "summary": "A fixed card",
                "indicator": "info", "source": {"label": "floor"}}]}
)  # fmt: skip


def floor_app() -> Flask:
    app = Flask("floor")

    @app.post(SERVICE_URL)
    def answer() -> Response:
        orjson.loads(request.get_data())
        return Response(FIXED_CARD, mimetype="application/json")

    return app


def checks_app() -> Flask:
    """The floor plus the checks no workup can skip (the charts hold the newest result first)."""
    app = Flask("checks")

    @app.post(SERVICE_URL)
    def answer() -> Response:
        for value in orjson.loads(request.get_data())["prefetch"].values():
            if value.get("resourceType") == "Patient":
                Patient.model_validate(value)
                continue
            seen: set[str] = set()
            for entry in value.get("entry", []):
                code = result_code(entry["resource"])
                if code is not None and BY_CODE[code].key not in seen:
                    seen.add(BY_CODE[code].key)
                    validate_observation(entry["resource"])
        return Response(FIXED_CARD, mimetype="application/json")

    return app


@dataclass(frozen=True)
class FloorRow:
    size: int
    rounds: int
    microcyte_us: float  # median wall time per request
    floor_us: float
    microcyte_cpu_us: float  # median CPU time of the process per request: what other work cannot inflate
    floor_cpu_us: float
    cards: int
    checks_us: float  # the checks alone, in a pass of their own against the floor
    checks_floor_us: float  # the floor in that pass

    @property
    def ratio(self) -> float:
        return self.microcyte_us / self.floor_us

    @property
    def cpu_ratio(self) -> float:
        return self.microcyte_cpu_us / self.floor_cpu_us

    @property
    def checks_ratio(self) -> float:
        return self.checks_us / self.checks_floor_us


def measure(size: int, rounds: int, seed: int = 8) -> FloorRow:
    app = benchmark_app(Path(tempfile.mkdtemp(prefix="microcyte-floor-")))
    app.extensions["cds_hooks"].clock = lambda: NOW
    body = orjson.dumps(
        chart(size, seed=seed, now=NOW).hook_request(seed=seed, prefetch_keys=declared_prefetch(app))
    )
    service, floor = app.test_client(), floor_app().test_client()
    cards = cards_of(service.post(SERVICE_URL, data=body, content_type="application/json"))
    ours, bare = interleaved(service, floor, body, rounds)
    app.extensions["microcyte.feedback"].close()
    # A pass of its own: a third app in the same loop changes what the other two find in the caches.
    checked, floor_again = interleaved(checks_app().test_client(), floor, body, rounds)

    def median_us(values: list[float]) -> float:
        return statistics.median(values) * 1e6

    return FloorRow(
        size,
        rounds,
        median_us(ours.wall),
        median_us(bare.wall),
        median_us(ours.cpu),
        median_us(bare.cpu),
        cards,
        median_us(checked.wall),
        median_us(floor_again.wall),
    )


@dataclass
class Times:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # of the process: what other work cannot inflate


def interleaved(app: FlaskClient, floor: FlaskClient, body: bytes, rounds: int) -> tuple[Times, Times]:
    """Each request's wall and CPU time, ``floor`` then ``app`` in turn, after a warm-up of both."""
    for _ in range(min(rounds, 50)):  # imports, caches, the allocator
        app.post(SERVICE_URL, data=body, content_type="application/json")
        floor.post(SERVICE_URL, data=body, content_type="application/json")
    ours, bare = Times(), Times()
    gc.collect()
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        floor.post(SERVICE_URL, data=body, content_type="application/json")
        middle, middle_cpu = time.perf_counter(), time.process_time()
        answered = app.post(SERVICE_URL, data=body, content_type="application/json")
        ended, ended_cpu = time.perf_counter(), time.process_time()
        if answered.status_code != 200:
            raise BenchError(f"the service answered HTTP {answered.status_code}")
        bare.wall.append(middle - started)
        ours.wall.append(ended - middle)
        bare.cpu.append(middle_cpu - started_cpu)
        ours.cpu.append(ended_cpu - middle_cpu)
    return ours, bare


def section(rows: list[FloorRow], load_before: tuple[float, ...], load_after: tuple[float, ...]) -> str:
    def load(values: tuple[float, ...]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    lines = [
        "| results | Microcyte (median) | floor (median) | ratio | CPU time ratio | target | cards "
        "| checks alone (median) | their ratio |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        verdict = "met" if r.ratio <= TARGET_RATIO else "MISSED"
        lines.append(
            f"| {r.size:,} | {r.microcyte_us:,.0f} µs | {r.floor_us:,.0f} µs | {r.ratio:.2f} | "
            f"{r.cpu_ratio:.2f} | "
            f"≤ {TARGET_RATIO:g}: {verdict} | {r.cards} | {r.checks_us:,.0f} µs | {r.checks_ratio:.2f} |"
        )
    lines.append("")
    lines.append(
        f"Interleaved, {rows[0].rounds:,} rounds per size, in one process; load average "
        f"{load(load_before)} at the start and {load(load_after)} at the end. *Checks alone* is the "
        "floor plus the validation no workup can skip: the Patient through fhir.resources R4B and the "
        "newest Observation of each analyte through the lean model."
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10,100", help="chart sizes (default 10,100)")
    p.add_argument("--rounds", type=int, default=1000, help="requests to each app per size (default 1000)")
    p.add_argument("--output", type=Path, default=HERE / "floor.json", help="where the figures go")
    p.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="RESULTS.md to put the table in (default bench/RESULTS.md)",
    )
    args = p.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR)  # "authentication is off" is expected here
    before = os.getloadavg()
    rows = [measure(int(size), args.rounds) for size in args.sizes.split(",")]
    after = os.getloadavg()
    text = section(rows, before, after)
    print(text, end="")
    payload = {
        "rows": [
            {**asdict(r), "ratio": r.ratio, "cpu_ratio": r.cpu_ratio, "checks_ratio": r.checks_ratio}
            for r in rows
        ],
        "load_before": before,
        "load_after": after,
        "command": " ".join(["python -m bench.floor", *(argv if argv is not None else sys.argv[1:])]),
    }
    args.output.write_text(json.dumps(payload, indent=1) + "\n")
    if args.results is not None:
        command = payload["command"]
        write_block(
            BLOCK,
            "## Against the floor: a bare Flask route (issue 12)\n\n"
            "Microcyte's fixed cost against a bare Flask route that parses the same body with orjson and "
            f"returns one fixed card, both in one process through Flask's test client (`{command}`):\n\n"
            + text,
            args.results,
        )
    return 0 if all(r.ratio <= TARGET_RATIO for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
