"""SOAK.md: one soak's memory over time, its top growing allocation sites, and whether it levelled off."""

from __future__ import annotations

from collections.abc import Sequence

from bench.machine import Machine
from bench.markdown import table
from bench.memory import LEVEL_TOLERANCE_MIB, Grower, Sample, trend
from bench.soak_http import HttpSoak
from bench.soak_inprocess import InProcessSoak
from bench.soak_traffic import UNKNOWN_EVERY


def _verdict(samples: Sequence[Sample]) -> list[str]:
    t = trend(samples)
    word = "**levels off**" if t.levels_off else "**keeps growing**"
    return [
        f"RSS {samples[0].rss_mib:.1f} → {samples[-1].rss_mib:.1f} MiB: +{t.first_half_mib:.1f} MiB over the"
        f" first half, {t.second_half_mib:+.1f} MiB over the second ({t.per_1000_requests_mib:+.3f} MiB per"
        f" 1,000 calls): {word} (at most {LEVEL_TOLERANCE_MIB:g} MiB over the second half).",
        "",
    ]


def _growers(title: str, rows: Sequence[Grower]) -> list[str]:
    if not rows:
        return [f"{title}: none.", ""]
    return [
        f"{title}:",
        "",
        *table(
            ["KiB", "blocks", "site"], ((f"{g.size_kib:,.1f}", f"{g.count:+,}", f"`{g.site}`") for g in rows)
        ),
    ]


def _in_process(run: InProcessSoak) -> list[str]:
    grouping = "call chain" if run.group_by == "traceback" else "line"
    rows = (
        (
            f"{s.seconds:,.0f}",
            f"{s.requests:,}",
            f"{s.rss_mib:.1f}",
            f"{s.traced_mib:.2f}" if s.traced_mib is not None else "",
            f"{s.queued:,}" if s.queued is not None else "",
        )
        for s in run.samples
    )
    return [
        "## In-process",
        "",
        f"The WSGI app called directly, as a server calls it, by one caller, a {run.size:,}-result chart:"
        f" {run.requests:,} calls in"
        f" {run.seconds / 60:.1f} min, tracemalloc keeping {run.frames} frame{'s' if run.frames > 1 else ''},"
        f" sites grouped by {grouping}.",
        "",
        *_verdict(run.samples),
        *table(["s", "calls", "RSS MiB", "traced MiB", "cards queued"], rows),
        *_growers("Top growing sites, start to end, as the tuned collector left the heap", run.growers),
        f"A full `gc.collect()` at the end freed {run.garbage_mib:.2f} MiB: garbage in reference cycles"
        " that the worker's garbage-collector tuning had not yet reached. After it, the heap held"
        f" {run.held_mib * 1024:,.0f} KiB more than at the start ({run.held_mib * 2**20 / run.requests:,.1f}"
        " bytes a call): what a leak would show as. RSS under tracemalloc also counts tracemalloc's own"
        " tables, which grow with the blocks it traces.",
        "",
        *_growers("Top growing sites after that collection (what stays held)", run.held),
    ]


def _http(run: HttpSoak) -> list[str]:
    rows = ((f"{s.seconds:,.0f}", f"{s.requests:,}", f"{s.rss_mib:.1f}") for s in run.samples)
    restarted = len(run.worker_pids) > run.workers
    return [
        "## HTTP",
        "",
        f"`microcyte serve --no-auth --workers {run.workers}` on loopback, {run.clients} concurrent clients"
        f" posting a {run.size:,}-result chart: {run.requests:,} calls in {run.seconds / 60:.1f} min"
        f" ({run.requests / run.seconds:,.0f}/s), {run.errors:,} unexpected answers or failed connections."
        + (
            f" **A worker was restarted** (pids {run.worker_pids}): its RSS started again."
            if restarted
            else " No worker was restarted."
        ),
        "",
        *_verdict(run.samples),
        *table(["s", "calls", "worker RSS MiB"], rows),
    ]


def render(
    *,
    command: str,
    started: str,
    revision: str,
    machine: Machine,
    load_at_end: str,
    in_process: InProcessSoak | None,
    http: HttpSoak | None,
) -> str:
    lines = [
        "# Microcyte soak",
        "",
        f"Written by `{command}` on {started}, at revision {revision}. See `bench/README.md`, section Soak.",
        "",
        f"- **Machine:** {machine.cpu}; {machine.cores} cores; memory {machine.memory}; {machine.python}.",
        f"- **Calls:** one generated chart, renamed for each call: another patient, another hook instance,"
        f" another X-Request-ID; one call in {UNKNOWN_EVERY} names an unknown service id (another each time)"
        " and must get 404. See `bench/soak_traffic.py`.",
        f"- **Load average:** {machine.load} at the start, {load_at_end} at the end (a shared machine slows"
        " the calls, not the memory each one leaves behind).",
        "",
    ]
    if in_process is not None:
        lines += _in_process(in_process)
    if http is not None:
        lines += _http(http)
    return "\n".join(lines).rstrip() + "\n"
