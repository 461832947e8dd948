"""Secondary causes of erythrocytosis on the patient's own record: medicines and diagnoses.

The reference names them (testosterone, SGLT2 inhibitors, erythropoiesis-stimulating agents,
diuretics; COPD, sleep apnoea, cyanotic heart disease, a renal transplant) but verifies no code
for any of them (docs/workup.md#secondary-causes). As with iron products, each is recognised by
the name its record carries: every product names its ingredient ("testosterone cypionate",
"empagliflozin", "hydrochlorothiazide") and every problem-list entry its disorder, while a list
of RxNorm or SNOMED CT codes of our own would be a guess. What is found here is named in a card,
with its start date; no code read here is ever sent out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from service.chart.records import names_of
from service.dates import started
from service.patient.conditions import is_active
from service.patient.medications import ActiveMedication
from service.patient.model import CauseKind, SecondaryCause

MEDICINES: tuple[tuple[CauseKind, re.Pattern[str]], ...] = (
    (CauseKind.TESTOSTERONE, re.compile(r"\b\w*testosterone\b", re.IGNORECASE)),
    # Every SGLT2 inhibitor's name ends in -gliflozin (the WHO INN stem).
    (CauseKind.SGLT2_INHIBITOR, re.compile(r"\b\w+gliflozin\b", re.IGNORECASE)),
    # The epoetins and darbepoetin share the INN stem -poetin; the brands carry no ingredient word.
    (
        CauseKind.ESA,
        re.compile(r"\b(\w*poetin\w*|epogen|procrit|aranesp|retacrit|mircera)\b", re.IGNORECASE),
    ),
    (
        CauseKind.DIURETIC,
        re.compile(
            r"\b(furosemide|bumetanide|torsemide|torasemide|ethacrynic acid|hydrochlorothiazide|"
            r"chlorothiazide|chlorthalidone|chlortalidone|indapamide|metolazone|bendroflumethiazide|"
            r"spironolactone|eplerenone|amiloride|triamterene)\b",
            re.IGNORECASE,
        ),
    ),
)
DIAGNOSES: tuple[tuple[CauseKind, re.Pattern[str]], ...] = (
    (
        CauseKind.COPD,
        re.compile(
            r"\b(chronic obstructive (pulmonary|lung|airways?|bronchitis)|COPD|emphysema)", re.IGNORECASE
        ),
    ),
    (CauseKind.SLEEP_APNOEA, re.compile(r"\bsleep apn(o)?ea\b", re.IGNORECASE)),
    (CauseKind.CYANOTIC_HEART_DISEASE, re.compile(r"\b(cyanotic\b.*\bheart|eisenmenger)", re.IGNORECASE)),
    (CauseKind.RENAL_TRANSPLANT, re.compile(r"\b(kidney|renal) (transplant|allograft)", re.IGNORECASE)),
)

ANY_DIAGNOSIS = re.compile("|".join(f"(?:{words.pattern})" for _, words in DIAGNOSES), re.IGNORECASE)


# A problem list is read on every call and its displays repeat across patients (a Synthea adult has
# 50-300 Conditions from a few hundred names): each name is searched once per process, not per call.
@functools.lru_cache(maxsize=8192)
def names_a_cause(name: str) -> bool:
    """Does a Condition's text or display name one of the diagnoses above? (The chart reads only those.)"""
    return ANY_DIAGNOSIS.search(name) is not None


def secondary_causes(
    medicines: Iterable[ActiveMedication], conditions: Iterable[Any]
) -> tuple[SecondaryCause, ...]:
    """Each cause on record once (its earliest start), medicines first."""
    found: dict[CauseKind, SecondaryCause] = {}
    for medicine in medicines:
        names = [d for _, _, d in medicine.medication.codings if d] + list(medicine.medication.texts)
        for cause, words in MEDICINES:
            match = next((m for n in names if (m := words.search(n))), None)
            if match is not None:
                ingredient = match.group(0).lower()
                _keep(
                    found, SecondaryCause(cause, match.string, ingredient, medicine.started, medicine.source)
                )
    for condition in conditions:
        if not is_active(condition):
            continue
        names = names_of(condition.code)
        for cause, words in DIAGNOSES:
            name = next((n for n in names if words.search(n)), None)
            if name is not None:
                source = f"Condition/{condition.id}" if condition.id else "a Condition"
                short = cause.label.removeprefix("an ").removeprefix("a ")
                _keep(found, SecondaryCause(cause, name, short, _onset(condition), source))
    return tuple(found.values())


def _keep(found: dict[CauseKind, SecondaryCause], cause: SecondaryCause) -> None:
    earlier = found.get(cause.cause)
    if earlier is None or (
        cause.started is not None and (earlier.started is None or cause.started < earlier.started)
    ):
        found[cause.cause] = cause


def _onset(condition: Any) -> datetime | None:
    return started(condition.onsetDateTime, condition.onsetPeriod)
