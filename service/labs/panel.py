"""Choosing the result of each analyte the workup reasons with: the latest usable one in window.

The blood count anchors the windows: iron studies explain a blood count only when they are
no older than ``iron_before_cbc_days`` before it (design default,
docs/workup.md#lookback-windows). The newest result of an analyte that falls outside its window is listed as
unused, so a card can say "ferritin of 2026-03-02 is older than 90 days" instead of
silently acting as if there were none.

A record can hold 10,000 Observations and validating one against the FHIR model costs about
0.1 ms, while the workup reasons with about one result per analyte. So each analyte's
Observations are ordered newest first by their raw date (cheap), and validated in that order
only until the first usable one: the newer ones that could not be used are the ones a card
must explain. Older results are validated only when a rule asks for the series (a response
to treatment is read from a hemoglobin before it), and then once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.dates import day
from service.labs.analytes import ANALYTES, Analyte, Window
from service.labs.reading import raw_time, read_observation, subject_problem
from service.labs.results import LabResult, Unused
from service.workup_settings import WorkupSettings


class Series:
    """One analyte's Observations, newest first by raw date, validated on demand and once each."""

    def __init__(self, analyte: Analyte, raws: list[dict[str, Any]], patient_id: str, now: datetime) -> None:
        # Undated (or oddly dated) ones last: their real date is known only once validated.
        dated: list[tuple[datetime, dict[str, Any]]] = []
        undated: list[dict[str, Any]] = []
        for raw in raws:
            when = raw_time(raw)
            if when is None:
                undated.append(raw)
            else:
                dated.append((when, raw))
        dated.sort(key=lambda pair: pair[0], reverse=True)
        self._raws = [raw for _, raw in dated] + undated
        self._undated_from = len(dated)
        self._read: list[LabResult | Unused] = []
        self._analyte, self._patient_id, self._now = analyte, patient_id, now

    def _reading(self, index: int) -> LabResult | Unused:
        while len(self._read) <= index:
            raw = self._raws[len(self._read)]
            self._read.append(read_observation(raw, self._analyte, self._patient_id, self._now))
        return self._read[index]

    def latest(self) -> tuple[LabResult | None, list[Unused]]:
        """The newest usable result, and the newer ones that could not be used (with why)."""
        skipped: list[Unused] = []
        found: LabResult | None = None
        for index in range(len(self._raws)):
            if found is not None and index < self._undated_from:
                continue  # older than the one found: not needed for the latest
            reading = self._reading(index)
            if isinstance(reading, Unused):
                skipped.append(reading)
            elif found is None or reading.when > found.when:
                found = reading
        return found, skipped

    def usable(self) -> tuple[LabResult, ...]:
        """Every usable result, oldest first (validates the whole series once)."""
        readings = [self._reading(index) for index in range(len(self._raws))]
        return tuple(sorted((r for r in readings if isinstance(r, LabResult)), key=lambda r: r.when))


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


def collect(
    by_analyte: Mapping[str, Sequence[dict[str, Any]]],
    patient_id: str,
    now: datetime,
    settings: WorkupSettings,
) -> Labs:
    """``by_analyte``: the record's Observations by analyte key (``service.observations``)."""
    picked: dict[str, list[dict[str, Any]]] = {}
    unused: list[Unused] = []
    for key, raws in by_analyte.items():
        analyte = ANALYTES[key]
        for raw in raws:
            problem = subject_problem(raw, analyte, patient_id)
            if problem is None:
                picked.setdefault(key, []).append(raw)
            else:
                unused.append(problem)

    series = {key: Series(ANALYTES[key], raws, patient_id, now) for key, raws in picked.items()}
    latest: dict[str, LabResult] = {}
    for key, one in series.items():
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
    return Labs(results=chosen, unused=tuple(unused), cbc_date=_cbc_date(chosen), _series=series)


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
