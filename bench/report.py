"""RESULTS.md: the figures of one run as Markdown tables, with the targets and the machine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.blocks import RESULTS, kept_blocks
from bench.charts import SPAN_DAYS
from bench.markdown import table as _table
from bench.results import Results
from bench.targets import Check, check

MARK = {True: "met", False: "**missed**", None: "not measured"}


def _clients(count: int) -> str:
    return f"{count} client" if count == 1 else f"{count} clients"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _head(results: Results, command: str) -> list[str]:
    m = results.machine
    return [
        "# Microcyte benchmark results",
        "",
        f"Written by `{command}` ({results.mode} run) on {results.started}, at revision {results.revision}.",
        "Regenerate with `.venv/bin/python -m bench` (see `bench/README.md`); these figures are not a test.",
        "",
        f"- **Machine:** {m.cpu}; {m.cores} cores; memory {m.memory}; {m.python}; {m.system}.",
        f"- **Load average at the start:** {m.load}. The machine may be shared: a load above the number"
        " of cores means other work competed for them, and the HTTP figures suffer most.",
        "- **Service:** `POST /cds-services/microcytosis-workup` (patient-view), built as"
        " `microcyte serve --no-auth` builds it. Authentication is off: verifying a JWT is measured by its"
        " own tests, not here.",
        f"- **Charts:** generated with `random.Random` seed {results.seed}: one woman with an iron-deficiency"
        f" picture, blood counts (9 LOINC codes a draw) over about {SPAN_DAYS // 365} years up to a few"
        " days ago,"
        " iron studies and CRP on about a third of the draws, glucose, sodium, potassium and creatinine mixed"
        " in (the service must skip them), UCUM units, reference ranges and flags; sent as prefetch with the"
        " Patient, one Condition, and an empty searchset for every other key the service declares.",
        "",
    ]


def _targets(checks: Sequence[Check]) -> list[str]:
    return [
        "## Targets (issue 8)",
        "",
        *_table(["target", "measured", ""], ((c.target, c.measured, MARK[c.met]) for c in checks)),
    ]


def _in_process(results: Results) -> list[str]:
    rows = [
        (
            f"{r.size:,}",
            f"{r.body_bytes / 2**20:.2f} MiB" if r.body_bytes >= 2**20 else f"{r.body_bytes / 1024:.0f} KiB",
            str(r.cards),
            str(r.service.count),
            _ms(r.service.median),
            _ms(r.service.p99),
            _ms(r.parse.median),
            f"{r.ratio:.1f}",
            f"{r.service.median * 1000 / r.size:.0f}",
            f"{r.peak_mib:.1f}",
        )
        for r in sorted(results.in_process, key=lambda r: r.size)
    ]
    header = [
        "results",
        "request body",
        "cards",
        "rounds",
        "median ms",
        "p99 ms",
        "orjson parse ms",
        "ratio",
        "µs per result",
        "peak MiB",
    ]
    return [
        "## In-process (Flask test client, warm)",
        "",
        "Each round parses the body with orjson alone, then sends it through the app; both are timed in the"
        " same loop. *ratio* is the median request time over the median parse time. *peak MiB* is what one"
        " request allocates above what the process held before it (tracemalloc, a separate pass).",
        "",
        *_table(header, rows),
    ]


def _http(results: Results) -> list[str]:
    if not results.http:
        return []
    rows = [
        (
            f"{r.size:,}",
            str(r.clients),
            f"{r.seconds:.0f}",
            f"{r.requests:,}",
            f"{r.throughput:.0f}",
            _ms(r.p50_ms),
            _ms(r.p99_ms),
            _ms(r.max_ms),
            str(r.errors),
        )
        for r in results.http
    ]
    header = [
        "results",
        "clients",
        "seconds",
        "requests",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
    ]
    return [
        "## Over HTTP (`microcyte serve --workers 2`, gunicorn gevent, loopback, wrk)",
        "",
        "Each client is one keep-alive connection that sends its next request when the last is answered."
        " wrk runs on the same cores as the server. *errors* counts connection errors, timeouts (10 s) and"
        " answers other than 2xx.",
        "",
        *_table(header, rows),
    ]


def _fetch(results: Results) -> list[str]:
    if not results.fetch and not results.first_pages:
        return []
    rows = [
        (
            f"{r.size:,}",
            r.bounds,
            ", ".join(f"{status} ×{count}" for status, count in r.statuses),
            "yes" if r.complete else "no",
            str(r.request.count),
            _ms(r.request.median),
            _ms(r.request.p99),
            _ms(r.fetch.median),
            _ms(r.own_ms),
        )
        for r in results.fetch
    ]
    header = [
        "results",
        "bounds",
        "status",
        "whole record",
        "rounds",
        "median ms",
        "p99 ms",
        "fetch ms",
        "own ms",
    ]
    lines = [
        "## FHIR fetch (no prefetch; a local sekmet-fhir holds the chart)",
        "",
        "*default* bounds are the fetch layer's defaults (`FhirSettings()`: 0.4 s deadline, 10 pages, 5,000"
        " entries), as deployed; *whole record* widens them to read everything. *fetch ms* is the fetch step"
        " alone (FHIR requests, pages merged); *own ms* is the rest of the hook call, Microcyte's own time"
        " (median of the difference). sekmet-fhir answers the service's Observation query 500 results a page,"
        " and only the LOINC codes the query names (not the chemistry results).",
        "",
        *_table(header, rows),
    ]
    problems = sorted({(r.size, r.bounds, p) for r in results.fetch for p in r.problems})
    if problems:
        lines += ["What did not arrive:", ""]
        lines += [f"- {size:,} results, {bounds} bounds: {problem}" for size, bounds, problem in problems]
        lines.append("")
    if results.first_pages:
        lines += [
            "The whole record was not read above the size limit: sekmet-fhir sorts a search"
            " (`_sort=-date`) in time that grows with the square of the matches. Its time for the first"
            " page alone, asked directly:",
            "",
            *_table(
                ["results", "matches", "first page s"],
                ((f"{p.size:,}", f"{p.matches:,}", f"{p.seconds:.1f}") for p in results.first_pages),
            ),
        ]
    return lines


def _hotspots(results: Results) -> list[str]:
    lines: list[str] = []
    for p in results.profiles:
        rows = ((s.function, f"`{s.location}`", f"{s.share:.0%}") for s in p.spots)
        lines += [
            f"## Where the time goes: {p.size:,} results"
            f" (pyinstrument, {p.rounds} requests, {p.seconds:.1f} s)",
            "",
            "Share of the profiled time charged to each of Microcyte's functions: its own code and the"
            " library code it calls (pydantic, orjson), not the Microcyte functions it calls:",
            "",
            *_table(["function", "where", "share"], rows),
            "<details><summary>pyinstrument call tree</summary>",
            "",
            "```",
            p.tree.strip(),
            "```",
            "",
            "</details>",
            "",
        ]
    return lines


def _baseline_rows(results: Results, baseline: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    before = {row["size"]: row for row in baseline.get("in_process", [])}
    for r in sorted(results.in_process, key=lambda r: r.size):
        old = before.get(r.size)
        if old is None:
            continue
        rows.append(
            (
                f"in-process median, {r.size:,} results",
                f"{_ms(old['service']['median'])} ms",
                f"{_ms(r.service.median)} ms",
                f"{old['service']['median'] / r.service.median:.1f} ×",
            )
        )
        rows.append(
            (f"ratio to orjson parse, {r.size:,} results", f"{old['ratio']:.1f}", f"{r.ratio:.1f}", "")
        )
    old_http = {(row["size"], row["clients"]): row for row in baseline.get("http", [])}
    for h in results.http:
        old = old_http.get((h.size, h.clients))
        if old is None:
            continue
        rows.append(
            (
                f"HTTP p99, {h.size:,} results, {_clients(h.clients)}",
                f"{_ms(old['p99_ms'])} ms",
                f"{_ms(h.p99_ms)} ms",
                f"{old['p99_ms'] / h.p99_ms:.1f} ×",
            )
        )
        rows.append(
            (
                f"HTTP throughput, {h.size:,} results, {_clients(h.clients)}",
                f"{old['throughput']:.0f}/s",
                f"{h.throughput:.0f}/s",
                f"{h.throughput / old['throughput']:.1f} ×",
            )
        )
    return rows


def _before_after(results: Results, baseline: dict[str, Any] | None) -> list[str]:
    if baseline is None:
        return []
    rows = _baseline_rows(results, baseline)
    if not rows:
        return []
    return [
        "## Before and after",
        "",
        f"*Before* is `bench/baseline.json`, saved at revision {baseline.get('revision', '?')} on"
        f" {baseline.get('started', '?')} ({baseline.get('mode', '?')} run); *after* is this run.",
        "",
        *_table(["figure", "before", "after", "speed-up"], rows),
    ]


def render(results: Results, baseline: dict[str, Any] | None, *, command: str, plot_name: str) -> str:
    checks = check(results.in_process, results.http, results.machine.cores)
    lines = [
        *_head(results, command),
        *_targets(checks),
        f"![time per request against the number of results, log-log]({plot_name})",
        "",
        *_in_process(results),
        *_http(results),
        *_fetch(results),
        *_before_after(results, baseline),
        *_hotspots(results),
    ]
    if results.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    # The sections bench.floor and bench.peer measure, as they last wrote them.
    kept = kept_blocks(RESULTS, ("bench.floor", "bench.peer"))
    return "\n".join(lines).rstrip() + "\n" + (f"\n{kept}" if kept else "")
