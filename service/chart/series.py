"""One analyte's results, newest first, each Observation validated on demand and only once.

A record can hold 10,000 Observations and the workup reasons with about one result per
analyte. So each analyte's Observations are ordered newest first by their date as sent
(cheap), and validated in that order only until the first usable one: the newer ones that
could not be used are the ones a card must explain. Older results are validated only when
a rule asks for the history (a response to treatment is read from a hemoglobin before it),
and then once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.chart.reading import raw_time, read_observation
from service.labs.analytes import Analyte
from service.labs.results import LabResult, Unused


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
        self._usable: tuple[LabResult, ...] | None = None
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
        """Every usable result, oldest first (validates the whole series once, and sorts it once:
        several findings read the same history)."""
        if self._usable is None:
            readings = [self._reading(index) for index in range(len(self._raws))]
            usable = (r for r in readings if isinstance(r, LabResult))
            self._usable = tuple(sorted(usable, key=lambda r: r.when))
        return self._usable
