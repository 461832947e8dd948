"""The peer comparison as a Markdown section, to stand alone (PEER.md) or be folded into RESULTS.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bench.peer_results import MICROCYTE, PeerResults


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _clients(count: int) -> str:
    return f"{count} client" if count == 1 else f"{count} clients"


def _during(results: PeerResults) -> str:
    loads = [sample.load_1min for sample in results.samples]
    return (
        f"; the 1-minute figure ranged {min(loads):.2f}–{max(loads):.2f} as the runs started" if loads else ""
    )


def _rows(results: PeerResults, clients: int) -> list[list[str]]:
    rows = []
    for peer in results.servers:
        summary = results.summary(peer.key, clients)
        if summary is None:
            rows.append([peer.label, "not measured", "", "", "", "", ""])
            continue
        ratio = results.ratio(peer.key, clients)
        rows.append(
            [
                f"**{peer.label}**" if peer.key == MICROCYTE else peer.label,
                _rate(summary.throughput),
                f"{_rate(summary.slowest_round)}–{_rate(summary.fastest_round)}",
                "—" if ratio is None else f"{ratio:.2f}×",
                _ms(summary.p50_ms),
                _ms(summary.p99_ms),
                f"{summary.errors:,}",
            ]
        )
    return rows


def section(results: PeerResults) -> str:
    """``## Peer comparison``: each server's throughput and latency beside Microcyte's, and how."""
    m = results.machine
    g = results.gunicorn
    out = [
        "## Peer comparison (issue 12)",
        "",
        f"Written by `{results.command}` on {results.started}, at revision {results.revision}; not a test.",
        "",
        f"- **Machine:** {m.cpu}; {m.cores} cores; memory {m.memory}; {m.python}; {m.system}.",
        f"- **Load average:** {m.load} at the start, {results.load_end} at the end{_during(results)}."
        " The machine is"
        " shared: a load above the number of cores means other work competed for them, and absolute"
        " figures suffer; the servers were loaded in turn, so the noise falls on all of them alike"
        " and the ratios hold better than the rates.",
        f"- **Request:** the same patient-view call for every server: the {results.size:,}-result"
        f" chart of `bench/charts.py` (seed {results.seed}) with Microcyte's prefetch keys,"
        f" {results.body_bytes / 1024:,.0f} KiB of JSON.",
        f"- **Load:** wrk from loopback at {', '.join(_clients(c) for c in results.clients)};"
        f" {results.rounds} round{'' if results.rounds == 1 else 's'} of {results.seconds} s per server"
        " and number of clients, the servers alternated within each round (their order rotated each"
        " round) after a discarded warm-up run each. Req/s is all rounds' requests over their time,"
        " with the slowest and fastest round beside it; p50 and p99 are the medians over the rounds;"
        " errors are connection errors, timeouts and answers other than 2xx/3xx.",
        f"- **Process model:** {results.workers} worker processes for every server. Microcyte and the"
        f" Flask floor: gunicorn `{g['worker_class']}`, {g['workers']} workers × {g['threads']}"
        " threads, as `service/server.py` configures `microcyte serve` (read at run time)."
        f" HealthChain: uvicorn's multiprocess supervisor with {results.workers} workers, one asyncio"
        " event loop each, with h11 (`pip install healthchain` brings uvicorn without uvloop or httptools).",
        "",
    ]
    for clients in results.clients:
        out.append(f"**{_clients(clients).capitalize()}**")
        out.append("")
        header = ["server", "req/s", "rounds' range", "× Microcyte", "p50 ms", "p99 ms", "errors"]
        out += _table(header, _rows(results, clients))
    out += ["What each server does with the call:", ""]
    for peer in results.servers:
        cards = results.cards.get(peer.key)
        answered = "" if cards is None else f" Answered {cards} card{'' if cards == 1 else 's'}."
        out.append(f"- **{peer.label}:** {peer.how}{answered}")
    versions = results.healthchain.get("versions")
    if versions:
        listed = ", ".join(f"{name} {version}" for name, version in versions.items())
        out.append(
            f"- HealthChain was installed with `pip install {results.healthchain['requirement']}` into a"
            f" throwaway virtualenv in the run's scratch folder, never the project's: {listed}."
        )
    out.append("")
    if results.unmeasured:
        out += ["Not measured:", ""]
        label = {peer.key: peer.label for peer in results.servers}
        for key, why in results.unmeasured.items():
            reason = why.strip().replace("\n", "\n  ")
            out.append(f"- **{label.get(key, key)}:** {reason}")
        out.append("")
    return "\n".join(out)
