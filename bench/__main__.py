"""``python -m bench``: measure Microcyte, write RESULTS.md, results.png and results.json.

    .venv/bin/python -m bench              # the full run (about 4 minutes on 2 cores)
    .venv/bin/python -m bench --quick      # a smaller one (about a minute), e.g. after a change
    .venv/bin/python -m bench --no-http --no-fhir --sizes 1000,10000

A quick run writes to a temporary folder unless --output says otherwise, so that it never
replaces the full run's RESULTS.md. --save-baseline keeps this run's figures as the "before"
of later runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from bench.inprocess import BenchError
from bench.options import positive
from bench.plan import FULL, QUICK, Plan
from bench.plot import write_plot
from bench.report import render
from bench.results import read_baseline
from bench.run import run
from bench.targets import check

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
PLOT_NAME = "results.png"
VERDICT = {True: "met", False: "MISSED", None: "not measured"}


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 10,100,1000, not {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive whole numbers, not {text!r}")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds, 3 s load runs")
    p.add_argument(
        "--sizes", type=_sizes, help="chart sizes for the in-process runs (default 10,100,1000,10000)"
    )
    p.add_argument("--http-sizes", type=_sizes, help="chart sizes for the HTTP runs (default 100,1000)")
    p.add_argument("--clients", type=_sizes, help="concurrent HTTP clients (default 1,8,32)")
    p.add_argument("--seconds", type=positive, help="duration of each HTTP run (default 10)")
    p.add_argument("--fhir-sizes", type=_sizes, help="chart sizes for the FHIR-fetch runs (default all)")
    p.add_argument("--seed", type=int, help="seed of the generated charts (default 8)")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP load runs (no wrk needed)")
    p.add_argument("--no-fhir", action="store_true", help="skip the FHIR-fetch runs (no sekmet-fhir needed)")
    p.add_argument("--no-profile", action="store_true", help="skip the pyinstrument profile")
    p.add_argument(
        "--output", type=Path, help="folder for RESULTS.md, results.png, results.json (default bench/)"
    )
    p.add_argument("--save-baseline", action="store_true", help=f"also save the figures as {BASELINE.name}")
    return p


def plan_of(args: argparse.Namespace) -> Plan:
    plan = QUICK if args.quick else FULL
    given = {
        "sizes": args.sizes,
        "http_sizes": args.http_sizes,
        "clients": args.clients,
        "http_seconds": args.seconds,
        "fhir_sizes": args.fhir_sizes,
        "seed": args.seed,
    }
    plan = dataclasses.replace(plan, **{field: value for field, value in given.items() if value is not None})
    if args.no_http:
        plan = dataclasses.replace(plan, http_sizes=())
    if args.no_fhir:
        plan = dataclasses.replace(plan, fhir_sizes=())
    profiled = () if args.no_profile else tuple(size for size in plan.profile_sizes if size in plan.sizes)
    plan = dataclasses.replace(plan, profile_sizes=profiled)
    if plan != dataclasses.replace(QUICK if args.quick else FULL, profile_sizes=profiled):
        plan = dataclasses.replace(plan, mode="custom")
    return plan


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    plan = plan_of(args)
    output: Path = args.output or (Path(tempfile.mkdtemp(prefix="microcyte-bench-")) if args.quick else HERE)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"bench: cannot create the output folder {output}: {error.strerror}", file=sys.stderr)
        return 2
    # The service's own warnings ("authentication is off", a fetch cut by its deadline) are expected here.
    logging.basicConfig(level=logging.ERROR)

    def progress(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    try:
        # A run saved as the baseline is the "before" of later runs, not an "after" of the last one.
        baseline = None if args.save_baseline else read_baseline(BASELINE)
        results = run(plan, progress)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    try:
        results.write(output / "results.json")
        write_plot(results, output / PLOT_NAME)
        (output / "RESULTS.md").write_text(render(results, baseline, command=command, plot_name=PLOT_NAME))
        if args.save_baseline:
            shutil.copyfile(output / "results.json", BASELINE)
    except OSError as error:
        print(f"bench: cannot write the results to {output}: {error}", file=sys.stderr)
        return 1
    for c in check(results.in_process, results.http, results.machine.cores):
        print(f"{VERDICT[c.met]:>12}  {c.target}: {c.measured}")
    print(f"written: {output / 'RESULTS.md'}, {output / PLOT_NAME}, {output / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
