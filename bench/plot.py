"""Time per request against the number of results, log-log: a straight line of slope 1 is linear."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.results import Results
from bench.targets import MAX_MEDIAN_MS_AT_1000


def write_plot(results: Results, path: Path) -> None:
    # The Agg canvas directly, not pyplot: a file is all that is wanted, and no display is needed.
    figure = Figure(figsize=(8, 5.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    rows = sorted(results.in_process, key=lambda r: r.size)
    if rows:
        sizes = [r.size for r in rows]
        axes.plot(sizes, [r.service.median for r in rows], "o-", color="C0", label="in-process, median")
        axes.plot(sizes, [r.service.p99 for r in rows], "v:", color="C0", alpha=0.6, label="in-process, p99")
        axes.plot(
            sizes, [r.parse.median for r in rows], "s--", color="C2", label="orjson parse alone, median"
        )
        # Linear growth from the largest size measured, for the eye to compare slopes against.
        anchor = rows[-1]
        axes.plot(
            sizes,
            [anchor.service.median * size / anchor.size for size in sizes],
            color="grey",
            linewidth=0.8,
            label="linear (slope 1)",
        )
    whole = sorted((r for r in results.fetch if r.bounds == "whole record"), key=lambda r: r.size)
    if whole:
        axes.plot(
            [r.size for r in whole],
            [r.request.median for r in whole],
            "D-",
            color="C1",
            label="FHIR fetch from sekmet, whole record, median",
        )
    axes.scatter(
        [1_000],
        [MAX_MEDIAN_MS_AT_1000],
        marker="*",
        s=140,
        color="C3",
        zorder=5,
        label="target at 1,000 results",
    )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("Observations in the chart")
    axes.set_ylabel("milliseconds per request")
    axes.set_title(f"Microcyte microcytosis-workup, {results.machine.cores} cores ({results.mode} run)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
