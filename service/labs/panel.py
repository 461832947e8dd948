"""Choosing the result of each analyte the workup reasons with: the latest usable one in window.

The blood count anchors the windows: iron studies explain a blood count only when they are
no older than ``iron_before_cbc_days`` before it (design default, clinical-reference
section 2). The newest result of an analyte that falls outside its window is listed as
unused, so a card can say "ferritin of 2026-03-02 is older than 90 days" instead of
silently acting as if there were none. Every usable result is also kept in ``history``, as a
response to treatment is read from a hemoglobin before it and one after.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.dates import day
from service.labs.analytes import Window
from service.labs.reading import analyte_of, read_observation
from service.labs.results import LabResult, Unused
from service.workup_settings import WorkupSettings


@dataclass(frozen=True)
class Labs:
    results: Mapping[str, LabResult]  # by analyte key
    unused: tuple[Unused, ...]
    cbc_date: datetime | None
    history: Mapping[str, tuple[LabResult, ...]] = field(default_factory=dict)  # oldest first, any age

    def get(self, key: str) -> LabResult | None:
        return self.results.get(key)

    def series(self, key: str) -> tuple[LabResult, ...]:
        return self.history.get(key, ())


def collect(
    observations: Iterable[dict[str, Any]], patient_id: str, now: datetime, settings: WorkupSettings
) -> Labs:
    usable: dict[str, list[LabResult]] = defaultdict(list)
    unused: list[Unused] = []
    for raw in observations:
        analyte = analyte_of(raw)
        if analyte is None:
            continue
        result = read_observation(raw, analyte, patient_id, now)
        if isinstance(result, LabResult):
            usable[analyte.key].append(result)
        else:
            unused.append(result)

    latest = {key: max(results, key=lambda r: r.when) for key, results in usable.items()}
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
    history = {key: tuple(sorted(results, key=lambda r: r.when)) for key, results in usable.items()}
    return Labs(results=chosen, unused=tuple(unused), cbc_date=_cbc_date(chosen), history=history)


def _cbc_date(chosen: Mapping[str, LabResult]) -> datetime | None:
    """The date of the blood count the workup explains: its MCV, else its hemoglobin."""
    anchor = chosen.get("mcv") or chosen.get("hemoglobin")
    return anchor.when if anchor else None


def exclusion(
    result: LabResult, now: datetime, cbc_date: datetime | None, settings: WorkupSettings
) -> str | None:
    """Why a result is outside its window, or None when it is inside."""
    window = result.analyte.window
    days = {
        Window.CBC: settings.cbc_lookback_days,
        Window.IRON: settings.iron_lookback_days,
        Window.LONG: settings.long_lookback_days,
    }.get(window)
    if days is None:
        return None
    if result.when < now - timedelta(days=days):
        return f"it is older than the {days}-day lookback for {window.value}"
    before = settings.iron_before_cbc_days
    if window is Window.IRON and cbc_date is not None and result.when < cbc_date - timedelta(days=before):
        return f"it is more than {before} days older than the blood count of {day(cbc_date)} it would explain"
    return None
