"""``python -m bench.peer``: Microcyte over HTTP beside a floor and a peer, in one interleaved run (issue 12).

    .venv/bin/python -m bench.peer                      # writes bench/PEER.md and bench/peer.json
    .venv/bin/python -m bench.peer --rounds 1 --seconds 2 --output /tmp/peer   # a quick look

The servers, each on a free loopback port with the same number of worker processes:
``microcyte serve --no-auth``; a bare Flask app under the same gunicorn settings that parses
the body and answers one fixed card (the floor: bench/peer_floor.py); and HealthChain's CDS
Hooks service answering the same card, validating nothing and then with HealthChain's own FHIR
parsing of the prefetch (bench/peer_healthchain_app.py), installed in a throwaway virtualenv.
wrk sends each the same chart in turn, round after round, so that whatever else the machine
is doing weighs on all of them alike. When HealthChain cannot be installed or started, the run
goes on without it and the report says why.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench import http_load, inprocess, peer_floor, peer_servers
from bench.blocks import RESULTS, write_block
from bench.charts import chart
from bench.inprocess import BenchError
from bench.machine import describe, load_average, revision, today
from bench.options import positive
from bench.peer_report import section
from bench.peer_results import MICROCYTE, Peer, PeerResults, Sample
from bench.plan import FULL

__all__ = ["main", "run", "section"]

HERE = Path(__file__).resolve().parent
HEALTHCHAIN = "healthchain==0.16.1"
FLOOR = "flask-floor"
HEALTHCHAIN_BARE = "healthchain-bare"
HEALTHCHAIN_PARSED = "healthchain-parsed"
HEALTHCHAIN_STOCK = "healthchain-bare-stock-uvicorn"
HEALTHCHAIN_ROWS = "HealthChain, every row"  # what ``unmeasured`` says when none of them ran
# Each HealthChain server: its variant of bench/peer_healthchain_app.py, and whether stock uvicorn serves it.
HEALTHCHAIN_SERVERS = {
    HEALTHCHAIN_BARE: ("bare", False),
    HEALTHCHAIN_PARSED: ("parsed", False),
    HEALTHCHAIN_STOCK: ("bare", True),
}
WARMUP_S = 2
# What a trivial service answers: the one card every peer returns, Microcyte's shape without its content.
FIXED_CARD: dict[str, Any] = {
    "uuid": "3f1d6c5e-7b0a-4c8e-9d51-2a6b8e0f4c17",
    "summary": "Microcytosis: check iron stores",
    "indicator": "warning",
    "detail": "A fixed card of the benchmark: the same for every request.",
    "source": {"label": "Microcyte benchmark peer"},
}
PEERS = {
    MICROCYTE: Peer(
        MICROCYTE,
        "Microcyte",
        "`microcyte serve --no-auth`: the whole workup, every result it uses validated against R4B.",
    ),
    FLOOR: Peer(
        FLOOR,
        "Flask floor",
        "a bare Flask route under the same gunicorn application class (`bench/peer_floor.py`):"
        " `orjson.loads` of the body, then the fixed card.",
    ),
    HEALTHCHAIN_BARE: Peer(
        HEALTHCHAIN_BARE,
        "HealthChain, validating nothing",
        "HealthChain's `CDSHooksService` patient-view hook under uvicorn (`bench/peer_healthchain_app.py`):"
        " FastAPI reads the body into HealthChain's `CDSRequest` (the prefetch stays a plain dict),"
        " the handler returns the fixed card.",
    ),
    HEALTHCHAIN_PARSED: Peer(
        HEALTHCHAIN_PARSED,
        "HealthChain, parsing the prefetch",
        "the same, with the handler first turning every prefetch key into fhir.resources R4B models"
        " with HealthChain's `convert_prefetch_to_fhir_objects` (what its `CdsFhirAdapter` does).",
    ),
    HEALTHCHAIN_STOCK: Peer(
        HEALTHCHAIN_STOCK,
        "HealthChain, validating nothing, stock uvicorn",
        "the first HealthChain server under the stock `uvicorn --workers N` command. The two above run"
        " uvicorn's own supervisor and server through `bench/peer_uvicorn.py`, which only marks the"
        " listening socket as TCP: stock uvicorn leaves it unmarked when it runs several workers, so"
        " asyncio never sets TCP_NODELAY on a connection and each keep-alive answer waits about 40 ms"
        " for the client's delayed ACK (Kludex/uvicorn#3149, open; the fix #3154 is not merged). This"
        " row is what `uvicorn --workers N` gives as released.",
    ),
}

Progress = Callable[[str], Any]


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(positive(part.strip()) for part in text.split(",") if part.strip())
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected counts like 1,8, not {text!r}") from None
    if not counts:
        raise argparse.ArgumentTypeError(f"expected counts like 1,8, not {text!r}")
    return counts


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.split("\n")[0])
    p.add_argument("--size", type=positive, default=100, help="results in the chart (default 100)")
    p.add_argument("--clients", type=_counts, default=(1, 8), help="wrk connections (default 1,8)")
    p.add_argument("--seconds", type=positive, default=5, help="each wrk run (default 5)")
    p.add_argument("--rounds", type=positive, default=4, help="rounds over all servers (default 4)")
    p.add_argument(
        "--workers", type=positive, default=FULL.workers, help=f"per server (default {FULL.workers})"
    )
    p.add_argument("--seed", type=int, default=FULL.seed, help=f"of the chart (default {FULL.seed})")
    p.add_argument("--healthchain", default=HEALTHCHAIN, help=f"what pip installs (default {HEALTHCHAIN})")
    p.add_argument("--no-healthchain", action="store_true", help="Microcyte and the floor only")
    p.add_argument(
        "--output", type=Path, default=HERE, help="folder for PEER.md and peer.json (default bench/)"
    )
    return p


@contextmanager
def _healthchain(
    args: argparse.Namespace, results: PeerResults, work: Path, progress: Progress
) -> Iterator[Path | None]:
    """The venv's Python, or None (and the reason in ``results``) when HealthChain is not there."""
    if args.no_healthchain:
        results.unmeasured[HEALTHCHAIN_ROWS] = "left out of this run (--no-healthchain)."
        yield None
        return
    progress(f"installing {args.healthchain} into a throwaway virtualenv")
    try:
        python = peer_servers.healthchain_venv(work, args.healthchain)
        results.healthchain["versions"] = peer_servers.installed_versions(python)
    except BenchError as error:
        results.unmeasured[HEALTHCHAIN_ROWS] = f"not installed: {error}"
        yield None
        return
    yield python


def _start(
    args: argparse.Namespace,
    results: PeerResults,
    stack: ExitStack,
    python: Path | None,
    work: Path,
    body: bytes,
) -> dict[str, str]:
    """Every server that starts and answers the chart; the service URL each hangs from, by key."""
    card = FIXED_CARD
    bases = {
        MICROCYTE: stack.enter_context(http_load.running_server(args.workers, work)),
        FLOOR: stack.enter_context(peer_servers.floor_server(args.workers, card, work)),
    }
    if python is not None:
        for key, (variant, stock) in HEALTHCHAIN_SERVERS.items():
            server = peer_servers.healthchain_server(
                python, variant, inprocess.SERVICE_ID, args.workers, card, work, stock_uvicorn=stock
            )
            try:
                bases[key] = stack.enter_context(server)
            except BenchError as error:
                results.unmeasured[key] = str(error)
    for key, base in list(bases.items()):
        try:
            cards = http_load.check_answer(base, body)
        except BenchError as error:
            cards, why = 0, str(error)
        else:
            why = "it answered no card"
        if cards == 0 or (key != MICROCYTE and cards != 1):
            if key == MICROCYTE:
                raise BenchError(f"Microcyte cannot be compared: {why}")
            log = work / f"{key}.log"
            tail = log.read_text(errors="replace")[-1500:] if log.is_file() else ""
            results.unmeasured[key] = f"not loaded: to the check before the load, {why}.\n{tail}"
            del bases[key]
        else:
            results.cards[key] = cards
    return bases


def run(args: argparse.Namespace, command: str, progress: Progress) -> PeerResults:
    http_load.wrk_command()  # fail before installing or starting anything when wrk is missing
    with tempfile.TemporaryDirectory(prefix="microcyte-peer-") as scratch:
        return _measure(args, command, Path(scratch), progress)


def _body(args: argparse.Namespace, work: Path) -> bytes:
    """The chart as the HTTP benchmark sends it, with the prefetch keys Microcyte declares."""
    keys = inprocess.declared_prefetch(inprocess.benchmark_app(work / "data"))
    request = chart(args.size, seed=args.seed, now=today()).hook_request(seed=args.seed, prefetch_keys=keys)
    return orjson.dumps(request)


def _measure(args: argparse.Namespace, command: str, work: Path, progress: Progress) -> PeerResults:
    body = _body(args, work)
    body_file = work / "request.json"
    body_file.write_bytes(body)
    results = PeerResults(
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
        revision=revision(),
        machine=describe(),
        size=args.size,
        body_bytes=len(body),
        seed=args.seed,
        clients=args.clients,
        rounds=args.rounds,
        seconds=args.seconds,
        workers=args.workers,
        gunicorn=peer_floor.gunicorn_options(args.workers),
        healthchain={"requirement": args.healthchain},
        servers=list(PEERS.values()),
    )
    with ExitStack() as stack:
        python = stack.enter_context(_healthchain(args, results, work, progress))
        progress("starting the servers")
        bases = _start(args, results, stack, python, work, body)
        order = [key for key in PEERS if key in bases]
        for key in order:
            progress(f"warm-up: {PEERS[key].label}, {WARMUP_S} s")
            http_load.load(bases[key], body_file, args.size, max(args.clients), WARMUP_S)
        for round_ in range(args.rounds):
            turn = order[round_ % len(order) :] + order[: round_ % len(order)]
            for clients in args.clients:
                for key in turn:
                    progress(f"round {round_ + 1}/{args.rounds}: {PEERS[key].label}, {clients} concurrent")
                    started_load = os.getloadavg()[0]
                    run_ = http_load.load(bases[key], body_file, args.size, clients, args.seconds)
                    results.samples.append(Sample(key, round_ + 1, started_load, run_))
    results.load_end = load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    output: Path = args.output
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"bench.peer: cannot create the output folder {output}: {error.strerror}", file=sys.stderr)
        return 2
    servers = len(PEERS) - (len(HEALTHCHAIN_SERVERS) if args.no_healthchain else 0)
    budget = servers * len(args.clients) * args.rounds * args.seconds + servers * WARMUP_S
    print(f"bench.peer: about {budget} s of load, plus installing and starting", file=sys.stderr)

    def progress(message: str) -> None:
        print(f"bench.peer: {message}", file=sys.stderr, flush=True)

    command = " ".join(["python -m bench.peer", *(argv if argv is not None else sys.argv[1:])])
    try:
        results = run(args, command, progress)
    except BenchError as error:
        print(f"bench.peer: {error}", file=sys.stderr)
        return 1
    try:
        results.write(output / "peer.json")
        (output / "PEER.md").write_text(section(results))
        if output.resolve() == RESULTS.parent:
            write_block("bench.peer", section(results))
    except OSError as error:
        print(f"bench.peer: cannot write the results to {output}: {error}", file=sys.stderr)
        return 1
    print(section(results))
    print(f"written: {output / 'PEER.md'}, {output / 'peer.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
