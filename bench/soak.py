"""``python -m bench.soak``: does Microcyte's memory level off under a long run? (issue 11)

    .venv/bin/python -m bench.soak                       # 10 min in-process, then 10 min over HTTP
    .venv/bin/python -m bench.soak --minutes 2 --output /tmp/soak
    .venv/bin/python -m bench.soak --no-http --frames 12 --group-by traceback

Writes SOAK.md (the tables) and soak.json (the figures) to --output (default bench/).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import soak_http, soak_inprocess
from bench.inprocess import BenchError
from bench.machine import describe, load_average, revision, today
from bench.options import positive
from bench.soak_report import render
from bench.soak_traffic import Plan

HERE = Path(__file__).resolve().parent


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=10.0, help="duration of each part (default 10)")
    p.add_argument("--size", type=positive, default=1_000, help="results in the chart (default 1000)")
    p.add_argument("--clients", type=positive, default=32, help="concurrent HTTP clients (default 32)")
    p.add_argument("--workers", type=positive, default=1, help="gunicorn workers (default 1, the server's)")
    p.add_argument(
        "--max-requests", type=positive, default=1_000_000, help="at most this many calls per part"
    )
    p.add_argument("--samples", type=positive, default=20, help="memory samples per part (default 20)")
    p.add_argument("--frames", type=positive, default=1, help="frames tracemalloc keeps (default 1)")
    p.add_argument("--group-by", choices=("lineno", "traceback"), default="lineno")
    p.add_argument("--seed", type=int, default=8, help="seed of the generated chart (default 8)")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    p.add_argument("--no-in-process", action="store_true", help="skip the in-process part")
    p.add_argument("--output", type=Path, default=HERE, help="folder for SOAK.md and soak.json")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.minutes <= 0:
        print("bench.soak: --minutes must be positive", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR)  # "authentication is off" is expected here

    def progress(message: str) -> None:
        print(f"bench.soak: {message}", file=sys.stderr, flush=True)

    started = datetime.now(UTC).isoformat(timespec="seconds")
    machine = describe()
    plan = Plan(
        size=args.size,
        seconds=args.minutes * 60,
        max_requests=args.max_requests,
        samples=args.samples,
        seed=args.seed,
        now=today(),
    )
    try:
        in_process = (
            None
            if args.no_in_process
            else soak_inprocess.soak(plan, frames=args.frames, group_by=args.group_by, progress=progress)
        )
        http = (
            None
            if args.no_http
            else soak_http.soak(plan, clients=args.clients, workers=args.workers, progress=progress)
        )
    except BenchError as error:
        print(f"bench.soak: {error}", file=sys.stderr)
        return 1
    command = " ".join(["python -m bench.soak", *(argv if argv is not None else sys.argv[1:])])
    report = render(
        command=command,
        started=started,
        revision=revision(),
        machine=machine,
        load_at_end=load_average(),
        in_process=in_process,
        http=http,
    )
    figures = {
        "command": command,
        "started": started,
        "machine": machine.as_dict(),
        "in_process": dataclasses.asdict(in_process) if in_process else None,
        "http": dataclasses.asdict(http) if http else None,
    }
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        (args.output / "SOAK.md").write_text(report)
        (args.output / "soak.json").write_bytes(
            orjson.dumps(figures, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        )
    except OSError as error:
        print(f"bench.soak: cannot write the results to {args.output}: {error}", file=sys.stderr)
        return 1
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
