"""A record's Observations, sorted once by what the workup reads them for.

A chart can hold 10,000 Observations, most of them beside the point (chemistry, vitals).
One pass over their codings files each under what it is read for: an analyte of the table,
an order-only result code (so a test already resulted is not suggested again), or a
pregnancy or menopausal status. The rest is dropped, and no later stage scans the whole
record again. Codes are matched, never display text (LOINC renamed several CBC terms).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from service.cards.orders import DONE_CODES
from service.labs.analytes import BY_CODE, LOINC, SNOMED
from service.patient.conditions import POSTMENOPAUSAL, PREGNANCY_STATUS

Raw = dict[str, Any]


@dataclass(frozen=True)
class SortedObservations:
    by_analyte: dict[str, list[Raw]] = field(default_factory=dict)  # by analyte key
    resulted: list[tuple[str, Raw]] = field(default_factory=list)  # (order-only LOINC code, Observation)
    status: list[tuple[str, Raw]] = field(default_factory=list)  # ("pregnancy" | "menopause", Observation)


def sort_observations(resources: Iterable[Any]) -> SortedObservations:
    by_analyte: dict[str, list[Raw]] = defaultdict(list)
    resulted: list[tuple[str, Raw]] = []
    status: list[tuple[str, Raw]] = []
    for raw in resources:
        if not isinstance(raw, dict) or raw.get("resourceType") != "Observation":
            continue
        analyte = done = kind = None
        concept = raw.get("code")
        codings = concept.get("coding") if isinstance(concept, dict) else None
        for coding in codings if isinstance(codings, list) else ():
            if not isinstance(coding, dict):
                continue
            system, code = coding.get("system"), coding.get("code")
            if system == LOINC and isinstance(code, str):
                if analyte is None and code in BY_CODE:
                    analyte = BY_CODE[code].key
                if done is None and code in DONE_CODES:
                    done = code
                if kind is None and code == PREGNANCY_STATUS:
                    kind = "pregnancy"
            elif system == SNOMED and kind is None and code in POSTMENOPAUSAL:
                kind = "menopause"
        value = raw.get("valueCodeableConcept")  # a coded answer: rare among lab results
        if kind is None and value is not None and _postmenopausal(value):
            kind = "menopause"
        if analyte is not None:
            by_analyte[analyte].append(raw)
        if done is not None:
            resulted.append((done, raw))
        if kind is not None:
            status.append((kind, raw))
    return SortedObservations(dict(by_analyte), resulted, status)


def _postmenopausal(concept: Any) -> bool:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(
        isinstance(c, dict) and c.get("system") == SNOMED and c.get("code") in POSTMENOPAUSAL
        for c in (codings if isinstance(codings, list) else ())
    )
