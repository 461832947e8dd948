"""A lab result in canonical units, and a result the workup refused with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from service.dates import day
from service.formatting import number, quantity
from service.labs.analytes import Analyte

Comparator = Literal["<", "<=", ">=", ">"]


@dataclass(frozen=True)
class LabResult:
    """One usable Observation, converted to its analyte's canonical unit.

    A censored value ("<5") keeps its comparator: ferritin "<5" is below 5 and never equal
    to it, and "<50" cannot say whether ferritin is below 15. The comparisons below answer
    None when the comparator leaves the answer open, so no rule mistakes a censored value
    for an exact one.
    """

    analyte: Analyte
    value: float
    when: datetime
    source: str  # "Observation/<id>"
    reported: str  # the value and unit as the lab sent them
    comparator: Comparator | None = None
    low: float | None = None  # the lab's reference range, canonical unit
    high: float | None = None
    flags: tuple[str, ...] = ()  # the lab's interpretation codes (H, L, ...)
    code: str = ""  # the LOINC code it was reported under (venous and capillary lead differ)

    def is_below(self, limit: float) -> bool | None:
        match self.comparator:
            case None:
                return self.value < limit
            case "<":
                return True if self.value <= limit else None
            case "<=":
                return True if self.value < limit else None
            case _:  # ">" or ">=": the true value is at least self.value
                return False if self.value >= limit else None

    def is_above(self, limit: float) -> bool | None:
        match self.comparator:
            case None:
                return self.value > limit
            case ">":
                return True if self.value >= limit else None
            case ">=":
                return True if self.value > limit else None
            case _:  # "<" or "<=": the true value is at most self.value
                return False if self.value <= limit else None

    @property
    def exact(self) -> bool:
        return self.comparator is None

    def display(self) -> str:
        return quantity(self.value, self.analyte.unit, self.comparator)

    def reference_range(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{number(self.low)}–{number(self.high)}"
        if self.low is not None:
            return f"≥{number(self.low)}"
        if self.high is not None:
            return f"≤{number(self.high)}"
        return ""

    def lab_flag(self) -> str:
        """The lab's own flag, or one read from its reference range."""
        if self.flags:
            return ", ".join(self.flags)
        if self.low is not None and self.is_below(self.low):
            return "L"
        if self.high is not None and self.is_above(self.high):
            return "H"
        return ""

    @property
    def date(self) -> str:
        return day(self.when)


@dataclass(frozen=True)
class Unused:
    """An Observation left out of the reasoning, and why (shown as "not used, because ...")."""

    name: str
    source: str
    reason: str
    when: datetime | None = None
    reported: str | None = None
    # The value in the canonical unit when it was refused as implausible: never reasoned with, but a
    # hemoglobin that would be critical if real still asks for verification (docs/workup.md#verify-now).
    implausible: float | None = None
    key: str = ""  # the analyte key, set with ``implausible``

    def sentence(self) -> str:
        parts = [self.name]
        if self.reported:
            parts.append(self.reported)
        if self.when is not None:
            parts.append(f"on {day(self.when)}")
        return f"{' '.join(parts)} ({self.source}): not used, because {self.reason}."
