"""A picture of override rates per rule over time, for a governance meeting.

The figure is drawn on matplotlib's Agg canvas directly rather than through pyplot, whose
global state is neither needed nor thread-safe, so no display or GUI toolkit is involved.
Weeks are placed by their Monday's day number (``date.toordinal``), which keeps the x axis
linear in time and lets every tick land on a Monday, labelled as an ISO week.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator, PercentFormatter

from cds_hooks.feedback.report import WeekRate, weekly_override_rates
from cds_hooks.feedback.store import FeedbackStore

# Beyond this many lines the chart turns into noise; the rules with the most feedback win.
MAX_RULES = 10
MAX_TICKS = 12
DAYS_PER_WEEK = 7


def plot_override_rates(store: FeedbackStore, path: Path | str, since: date | None = None) -> None:
    """Write a PNG of each rule's weekly override rate, from ``since`` on, to ``path``."""
    series = weekly_override_rates(store, since)
    by_volume = sorted(series, key=lambda rule: (-sum(w.decided for w in series[rule]), rule))
    shown = sorted(by_volume[:MAX_RULES])

    figure = Figure(figsize=(11, 6), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    title = "Override rate per rule, by ISO week"
    if since is not None:
        title += f", since {since.isoformat()}"
    if len(series) > len(shown):
        title += f"\n(the {len(shown)} of {len(series)} rules with the most feedback)"
    axes.set_title(title)

    if shown:
        for rule in shown:
            _draw(axes, rule, series[rule])
        _week_axis(axes, [w.week for rule in shown for w in series[rule]])
        axes.set_ylim(-0.02, 1.02)
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        axes.set_ylabel("cards overridden / cards with feedback")
        axes.grid(visible=True, alpha=0.3)
        axes.legend(title="rule (n = cards with feedback)", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        axes.text(0.5, 0.5, "No feedback recorded", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
    figure.savefig(path, format="png")


def _draw(axes: Axes, rule: str, weeks: list[WeekRate]) -> None:
    total = sum(w.decided for w in weeks)
    axes.plot(
        [w.week.toordinal() for w in weeks],
        [w.override_rate for w in weeks],
        marker="o",
        label=f"{rule} (n={total})",
    )


def _week_axis(axes: Axes, mondays: list[date]) -> None:
    first, last = min(mondays).toordinal(), max(mondays).toordinal()
    span = (last - first) // DAYS_PER_WEEK + 1
    step = DAYS_PER_WEEK * math.ceil(span / MAX_TICKS)
    axes.set_xlim(first - DAYS_PER_WEEK / 2, last + DAYS_PER_WEEK / 2)
    axes.xaxis.set_major_locator(MultipleLocator(step, offset=first % step))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: date.fromordinal(round(x)).strftime("%G-W%V")))
    axes.tick_params(axis="x", labelrotation=45)
    axes.set_xlabel("ISO week (a point for each week with feedback)")
