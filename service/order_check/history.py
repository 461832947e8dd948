"""Results of order-only codes (JAK2 V617F), which no analyte series holds: what each said, and when.

A transfusion or a bleed since an iron study would justify its repeat too, but neither is read:
the project has no verified code for either (docs/workup.md#workup-order-check), so the card
says so and offers the override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.chart.read import usable_result
from service.chart.reading import effective_time
from service.formatting import number
from service.labs.analytes import LOINC


@dataclass(frozen=True)
class CodedResult:
    """The latest usable result of an order-only code (JAK2 V617F): what it said, and when."""

    shown: str
    when: datetime


def coded_results(
    resources: Iterable[dict[str, Any]], patient_id: str, wanted: frozenset[str], now: datetime
) -> Mapping[str, CodedResult]:
    """The latest usable result of each LOINC code in ``wanted``, none dated after ``now``."""
    latest: dict[str, CodedResult] = {}
    for raw in resources:
        if raw.get("resourceType") != "Observation":
            continue
        code = next((c for c in _loinc_codes(raw) if c in wanted), None)
        observation = usable_result(raw, patient_id) if code is not None else None
        when = effective_time(observation) if observation is not None else None
        if code is None or observation is None or when is None or when > now:
            continue
        if code not in latest or latest[code].when < when:
            latest[code] = CodedResult(_shown(observation), when)
    return latest


def _shown(observation: Any) -> str:
    """The value as the lab reported it: a coded answer's text or display, or a quantity."""
    concept = observation.valueCodeableConcept
    if concept is not None:
        names = [concept.text] if concept.text else []
        names += [c.display or c.code for c in concept.coding or [] if c.display or c.code]
        if names:
            return str(names[0])
    quantity = observation.valueQuantity
    if quantity is not None and quantity.value is not None:
        return f"{number(float(quantity.value))} {quantity.unit or quantity.code or ''}".strip()
    return "a result"


def _codings(raw: dict[str, Any]) -> list[dict[str, Any]]:
    concept = raw.get("code")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []


def _loinc_codes(raw: dict[str, Any]) -> list[str]:
    return [str(c.get("code")) for c in _codings(raw) if c.get("system") == LOINC]
