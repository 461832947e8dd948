"""PNG plots of a replay's rates (matplotlib: the ``replay`` or ``report`` extra).

Drawn on matplotlib's Agg canvas directly, as the feedback plot is: pyplot's global state is
neither needed nor safe beside worker threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.replay.privacy import AGE_BAND_LABELS, SEXES

_INDICATOR_COLOURS = {"critical": "#c0392b", "warning": "#e67e22", "info": "#2e86c1"}
PLOTS = ("rules.png", "cards_per_chart_open.png", "bands.png")


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def draw(report: Mapping[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in PLOTS]
    rules = list(reversed(report["rules"]))
    figure, axes = _figure(8, 1.5 + 0.4 * max(1, len(rules)))
    axes.barh(
        [f"{r['rule']} ({r['indicator']})" for r in rules],
        [r["per_100_chart_opens"] for r in rules],
        color=[_INDICATOR_COLOURS.get(r["indicator"], "grey") for r in rules],
    )
    axes.set_xlabel("cards per 100 chart opens")
    axes.set_title(f"Cards by rule ({report['chart_opens']} chart opens, {report['patients']} patients)")
    figure.savefig(paths[0])

    distribution = report["cards_per_chart_open"]
    figure, axes = _figure(6, 3.5)
    axes.bar([str(d["cards"]) for d in distribution], [d["percent"] for d in distribution], color="#2e86c1")
    axes.set_xlabel("cards at one chart open")
    axes.set_ylabel("% of chart opens")
    axes.set_title("Cards per chart open")
    figure.savefig(paths[1])

    bands = {(b["age_band"], b["sex"]): b["cards_per_100_chart_opens"] for b in report["bands"]}
    ages = [band for band in AGE_BAND_LABELS if any((band, sex) in bands for sex in SEXES)]
    sexes = [sex for sex in SEXES if any((band, sex) in bands for band in ages)]
    figure, axes = _figure(8, 3.5)
    width = 0.8 / max(1, len(sexes))
    for index, sex in enumerate(sexes):
        positions = [i + index * width for i in range(len(ages))]
        axes.bar(positions, [bands.get((band, sex), 0.0) for band in ages], width, label=sex)
    axes.set_xticks([i + width * (len(sexes) - 1) / 2 for i in range(len(ages))], ages)
    axes.set_xlabel("age at the chart open (years)")
    axes.set_ylabel("cards per 100 chart opens")
    axes.set_title("Cards per 100 chart opens by age and sex")
    if sexes:
        axes.legend()
    figure.savefig(paths[2])
    return paths
