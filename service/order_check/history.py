"""What the record says happened around an earlier result: iron, transfusion, bleeding; coded results.

A repeat of an iron study is wasted only if nothing since could have changed it. Iron started
since (or on a date not recorded) changes ferritin and TSAT; so do a transfusion and a bleed.
Both are read by their SNOMED CT codes alone: Procedure 116859006 "Transfusion of blood
product" (the code the HL7 Birth and Fetal Death Reporting IG fixes for a blood transfusion)
and Condition 131148009 "Bleeding (finding)". An event without a usable date may be recent,
so it counts as since: the check then stays silent rather than object to a test that may be
the right one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.chart.read import usable_result
from service.chart.reading import effective_time
from service.chart.records import codes, patient_records, status_code
from service.dates import as_instant
from service.formatting import number
from service.labs.analytes import LOINC, SNOMED

TRANSFUSION = "116859006"  # SNOMED CT: Transfusion of blood product (procedure)
BLEEDING = "131148009"  # SNOMED CT: Bleeding (finding)
_NOT_DONE = frozenset({"entered-in-error", "not-done", "preparation"})
_NOT_TRUE = frozenset({"refuted", "entered-in-error"})


@dataclass(frozen=True)
class Event:
    what: str  # "a transfusion", "bleeding"
    when: datetime | None  # None: no usable date, so it may be recent


@dataclass(frozen=True)
class CodedResult:
    """The latest usable result of an order-only code (JAK2 V617F): what it said, and when."""

    shown: str
    when: datetime


def events_of(resources: Iterable[dict[str, Any]], patient_id: str) -> tuple[Event, ...]:
    """Transfusions and bleeds of the context patient, each with its date when it has one."""
    procedures: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []
    for raw in resources:
        kind = raw.get("resourceType")
        if kind == "Procedure" and _has_code(raw, TRANSFUSION):
            procedures.append(raw)
        elif kind == "Condition" and _has_code(raw, BLEEDING):
            conditions.append(raw)
    found: list[Event] = []
    for procedure in patient_records(procedures, "Procedure", patient_id).valid:
        if procedure.status not in _NOT_DONE and TRANSFUSION in codes(procedure.code, SNOMED):
            period = procedure.performedPeriod
            when = as_instant(procedure.performedDateTime) or as_instant(period.start if period else None)
            found.append(Event("a transfusion", when))
    for condition in patient_records(conditions, "Condition", patient_id).valid:
        if status_code(condition.verificationStatus) not in _NOT_TRUE:
            found.append(Event("bleeding", as_instant(condition.onsetDateTime or condition.recordedDate)))
    return tuple(found)


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


def _has_code(raw: dict[str, Any], code: str) -> bool:
    return any(c.get("system") == SNOMED and c.get("code") == code for c in _codings(raw))


def _loinc_codes(raw: dict[str, Any]) -> list[str]:
    return [str(c.get("code")) for c in _codings(raw) if c.get("system") == LOINC]
