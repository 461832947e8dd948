"""Known diagnoses, pregnancy and menopausal status, from Conditions and status Observations.

Codes are the verified ones of docs/workup.md#patient-context; nothing is matched on text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from service.chart.observation import Observation
from service.chart.reading import effective_time
from service.chart.records import codes, status_code
from service.dates import as_instant
from service.labs.analytes import LOINC
from service.patient.model import SNOMED, Diagnosis

# SNOMED CT "Pregnancy", "Normal pregnancy" (as Synthea and many problem lists write it) and
# "High risk pregnancy": all three verified (docs/workup.md#pregnancy).
PREGNANCY = frozenset({"77386006", "72892002", "47200007"})
PREGNANCY_STATUS = "82810-3"  # LOINC "Pregnancy status"
PREGNANT_ANSWER = "LA15173-0"  # LOINC answer "Pregnant"
POSTMENOPAUSAL = frozenset({"76498008", "276477006"})  # SNOMED CT postmenopausal state
ACTIVE_STATUSES = frozenset({"active", "recurrence", "relapse"})
REFUTED = frozenset({"refuted", "entered-in-error"})
# An "active" pregnancy Condition whose onset is over 300 days before the blood count was never
# closed, and is not taken as a current pregnancy (docs/workup.md#pregnancy).
LONGEST_PREGNANCY = timedelta(days=300)
# ACOG trimesters by completed weeks since the pregnancy's onset.
SECOND_TRIMESTER_WEEKS = 14
THIRD_TRIMESTER_WEEKS = 28


def _believed(condition: Any) -> bool:
    return status_code(condition.verificationStatus) not in REFUTED


def is_active(condition: Any) -> bool:
    return (
        _believed(condition)
        and status_code(condition.clinicalStatus) in ACTIVE_STATUSES
        and condition.abatementDateTime is None
        and condition.abatementPeriod is None
        and condition.abatementAge is None
        and condition.abatementRange is None
        and condition.abatementString is None
    )


def known_diagnoses(conditions: list[Any]) -> frozenset[Diagnosis]:
    """Diagnoses on record. Traits are lifelong: any clinical status counts; IDA must be active."""
    found: set[Diagnosis] = set()
    for condition in conditions:
        snomed = codes(condition.code, SNOMED)
        for diagnosis in Diagnosis:
            if not snomed.intersection(diagnosis.codes):
                continue
            lifelong = diagnosis.is_thalassemia
            if (lifelong and _believed(condition)) or is_active(condition):
                found.add(diagnosis)
    return frozenset(found)


@dataclass(frozen=True)
class Pregnancy:
    pregnant: bool
    trimester: int | None
    basis: str


NOT_PREGNANT = Pregnancy(False, None, "")  # the answer for most charts: built once


def pregnancy(
    conditions: list[Any], status_observations: list[Observation], on: datetime, lookback: timedelta
) -> Pregnancy:
    """Active pregnancy Condition, or the latest pregnancy-status Observation saying "Pregnant"."""
    for condition in conditions:
        if not PREGNANCY & codes(condition.code, SNOMED) or not is_active(condition):
            continue
        onset = as_instant(condition.onsetDateTime)
        if onset is None:
            return Pregnancy(True, None, "an active pregnancy Condition (no onset date: trimester unknown)")
        if on - onset > LONGEST_PREGNANCY:
            continue
        weeks = max((on - onset).days // 7, 0)
        trimester = 1 if weeks < SECOND_TRIMESTER_WEEKS else 2 if weeks < THIRD_TRIMESTER_WEEKS else 3
        return Pregnancy(True, trimester, f"an active pregnancy Condition ({weeks} weeks since its onset)")
    dated = [(effective_time(o), o) for o in status_observations]
    recent = [
        (when, o) for when, o in dated if when is not None and on - lookback <= when <= on + timedelta(days=1)
    ]
    if recent:
        _, latest = max(recent, key=lambda pair: pair[0])
        if PREGNANT_ANSWER in codes(latest.valueCodeableConcept, LOINC):
            return Pregnancy(True, None, "a pregnancy status Observation (trimester unknown)")
    return NOT_PREGNANT


def postmenopausal_recorded(conditions: list[Any], observations: list[Observation]) -> bool:
    for condition in conditions:
        if _believed(condition) and POSTMENOPAUSAL & codes(condition.code, SNOMED):
            return True
    return any(
        POSTMENOPAUSAL & (codes(o.code, SNOMED) | codes(o.valueCodeableConcept, SNOMED)) for o in observations
    )
