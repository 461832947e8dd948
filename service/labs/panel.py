"""Choosing the result of each analyte the workup reasons with: the latest usable one in window.

The blood count anchors the windows: iron studies explain a blood count only when they are
no older than ``iron_before_cbc_days`` before it (design default,
docs/workup.md#lookback-windows). The newest result of an analyte that falls outside its window is listed as
unused, so a card can say "ferritin of 2026-03-02 is older than 90 days" instead of
silently acting as if there were none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.cards.orders import DONE_CODES
from service.chart.model import Chart
from service.chart.series import Series
from service.dates import day
from service.labs.analytes import Window
from service.labs.results import LabResult, Unused
from service.workup_settings import WorkupSettings


@dataclass(frozen=True)
class Labs:
    results: Mapping[str, LabResult]  # by analyte key
    unused: tuple[Unused, ...]
    cbc_date: datetime | None
    _series: Mapping[str, Series] = field(default_factory=dict, repr=False, compare=False)

    def get(self, key: str) -> LabResult | None:
        return self.results.get(key)

    def series(self, key: str) -> tuple[LabResult, ...]:
        """Every usable result of an analyte, any age, oldest first."""
        found = self._series.get(key)
        return found.usable() if found is not None else ()


def collect(chart: Chart, settings: WorkupSettings) -> Labs:
    """The latest usable result of each analyte in its window, and why the others were left out."""
    now = chart.now
    unused: list[Unused] = list(chart.unused)
    latest: dict[str, LabResult] = {}
    for key, one in chart.series.items():
        found, skipped = one.latest()
        unused += skipped
        if found is not None:
            latest[key] = found
    chosen: dict[str, LabResult] = {}
    # The blood count first: its date bounds the window of the iron studies.
    for cbc_first in (True, False):
        cbc_date = _cbc_date(chosen)
        for result in latest.values():
            if (result.analyte.window is Window.CBC) != cbc_first:
                continue
            reason = exclusion(result, now, cbc_date, settings)
            if reason is None:
                chosen[result.analyte.key] = result
            else:
                unused.append(
                    Unused(result.analyte.name, result.source, reason, result.when, result.reported)
                )
    return Labs(results=chosen, unused=tuple(unused), cbc_date=_cbc_date(chosen), _series=chart.series)


def resulted_in_window(chart: Chart, settings: WorkupSettings) -> Mapping[str, datetime]:
    """The latest date of each order-only result code (celiac serology, JAK2, LDH ...) in its window."""
    latest: dict[str, datetime] = {}
    for code, results in chart.resulted.items():
        days = window_days(DONE_CODES[code], settings)
        oldest = chart.now - timedelta(days=days) if days is not None else None
        recent = [r.when for r in results if oldest is None or oldest <= r.when]
        if recent:
            latest[code] = max(recent)
    return latest


def window_days(window: Window, settings: WorkupSettings) -> int | None:
    """The lookback of a window in days; None for results that do not expire."""
    if window is Window.CBC:
        return settings.cbc_lookback_days
    if window is Window.IRON:
        return settings.iron_lookback_days
    if window is Window.LONG:
        return settings.long_lookback_days
    return None


def _cbc_date(chosen: Mapping[str, LabResult]) -> datetime | None:
    """The date of the blood count the workup explains: its MCV, else its hemoglobin."""
    anchor = chosen.get("mcv") or chosen.get("hemoglobin")
    return anchor.when if anchor else None


def exclusion(
    result: LabResult, now: datetime, cbc_date: datetime | None, settings: WorkupSettings
) -> str | None:
    """Why a result is outside its window, or None when it is inside."""
    window = result.analyte.window
    days = window_days(window, settings)
    if days is None:
        return None
    if result.when < now - timedelta(days=days):
        return f"it is older than the {days}-day lookback for {window.value}"
    before = settings.iron_before_cbc_days
    if window is Window.IRON and cbc_date is not None and result.when < cbc_date - timedelta(days=before):
        return f"it is more than {before} days older than the blood count of {day(cbc_date)} it would explain"
    return None
