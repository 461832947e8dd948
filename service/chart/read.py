"""Reading a hook call's prefetch into its chart, in one pass over every resource it holds.

Each resource is taken by its ``resourceType`` under whichever key it came, and checked once
against one policy: it must name the context patient as its subject, be valid FHIR R4 for
what is read of it, and (for results) carry a usable status and a date no later than the
call. Observations are filed by what they are read for (an analyte, an order-only result,
a pregnancy or menopausal status) by their codes alone, never by display text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from service.chart.model import Chart, Resulted
from service.chart.observation import Observation, validate_observation
from service.chart.reading import USABLE_STATUSES, effective_time, subject_problem
from service.chart.records import patient_records
from service.chart.series import Series
from service.chart.sorting import sort_observations
from service.formatting import number
from service.labs.analytes import ANALYTES, SNOMED
from service.labs.results import Unused
from service.patient.chemotherapy import names_chemotherapy
from service.patient.conditions import POSTMENOPAUSAL, PREGNANCY
from service.patient.demographics import read_patient
from service.patient.model import Diagnosis
from service.patient.secondary_causes import names_a_cause
from service.references import patient_id_of

RECORD_TYPES = ("Condition", "MedicationRequest", "MedicationStatement", "ServiceRequest", "Procedure")


def read_chart(resources: Iterable[dict[str, Any]], patient_id: str, now: datetime) -> Chart:
    """The chart of ``patient_id`` from every resource of the call, as of ``now``."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        kind = resource.get("resourceType")
        if isinstance(kind, str):
            by_type.setdefault(kind, []).append(resource)

    observations = sort_observations(by_type.get("Observation", ()))
    series: dict[str, Series] = {}
    unused: list[Unused] = []
    own_subject = f"Patient/{patient_id}"
    for key, raws in observations.by_analyte.items():
        analyte = ANALYTES[key]
        mine: list[dict[str, Any]] = []
        for raw in raws:
            subject = raw.get("subject")
            if isinstance(subject, dict) and subject.get("reference") == own_subject:
                mine.append(raw)  # the common form, seen without a call
                continue
            problem = subject_problem(raw, analyte, patient_id)
            if problem is None:
                mine.append(raw)
            else:
                unused.append(problem)
        if mine:
            series[key] = Series(analyte, mine, patient_id, now)

    status: dict[str, list[Observation]] = {"pregnancy": [], "menopause": []}
    for kind, raw in observations.status:
        observation = usable_result(raw, patient_id)
        if observation is not None:
            status[kind].append(observation)
    resulted: dict[str, list[Resulted]] = {}
    for code, raw in observations.resulted:
        observation = usable_result(raw, patient_id)
        when = effective_time(observation) if observation is not None else None
        if observation is not None and when is not None and when <= now:
            resulted.setdefault(code, []).append(Resulted(when, _shown(observation)))

    patient, patient_problem = read_patient(by_type.get("Patient", []), patient_id)
    notes: list[str] = []
    # A problem list can hold hundreds of Conditions (a Synthea adult 50-300), of which the workup
    # reads a handful of codes and the names of a few secondary causes: only those are validated.
    by_type["Condition"] = [r for r in by_type.get("Condition", ()) if _read_condition(r)]
    # So can its Procedures (a Synthea adult 100-1000), of which only chemotherapy is read.
    by_type["Procedure"] = [r for r in by_type.get("Procedure", ()) if _names_chemotherapy(r)]
    records = {kind: patient_records(by_type.get(kind, ()), kind, patient_id) for kind in RECORD_TYPES}
    for kind in RECORD_TYPES:
        notes.extend(records[kind].notes)
    return Chart(
        patient_id=patient_id,
        now=now,
        patient=patient,
        patient_problem=patient_problem,
        series=series,
        unused=tuple(unused),
        pregnancy_status=tuple(status["pregnancy"]),
        menopause_status=tuple(status["menopause"]),
        resulted={
            code: tuple(sorted(results, key=lambda r: r.when, reverse=True))
            for code, results in resulted.items()
        },
        conditions=tuple(records["Condition"].valid),
        medication_requests=tuple(records["MedicationRequest"].valid),
        medication_statements=tuple(records["MedicationStatement"].valid),
        service_requests=tuple(records["ServiceRequest"].valid),
        procedures=tuple(records["Procedure"].valid),
        notes=tuple(notes),
    )


def usable_result(raw: dict[str, Any], patient_id: str) -> Observation | None:
    """A status or order-only result that may be reasoned with, else None (it is simply not evidence)."""
    if patient_id_of(raw.get("subject")) != patient_id:
        return None
    try:
        observation = validate_observation(raw)
    except ValidationError:
        return None
    return observation if observation.status in USABLE_STATUSES else None


def _shown(observation: Observation) -> str:
    """What an order-only result said, as the lab reported it: a coded answer's text or display, or a
    quantity with its unit."""
    concept = observation.valueCodeableConcept
    if concept is not None:
        names = [concept.text, *(c.display or c.code for c in concept.coding or [])]
        shown = next((name for name in names if name), None)
        if shown is not None:
            return str(shown)
    quantity = observation.valueQuantity
    value = quantity.get("value") if quantity is not None else None
    if quantity is not None and value is not None:
        return f"{number(float(value))} {quantity.get('unit') or quantity.get('code') or ''}".strip()
    return "a result"


# Every SNOMED CT code a Condition is read for: a known diagnosis, pregnancy, menopause.
CONDITION_CODES = frozenset(
    [code for diagnosis in Diagnosis for code in diagnosis.codes] + [*PREGNANCY, *POSTMENOPAUSAL]
)


def _codings(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The codings of a raw resource's ``code``, read cheaply, before validation."""
    concept = raw.get("code")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return [c for c in codings if isinstance(c, dict)] if isinstance(codings, list) else []


def _names(raw: dict[str, Any], codings: list[dict[str, Any]]) -> list[str]:
    """The text and coding displays of a raw resource's ``code``."""
    concept = raw.get("code")
    names = [concept.get("text") if isinstance(concept, dict) else None, *(c.get("display") for c in codings)]
    return [name for name in names if isinstance(name, str)]


def _read_condition(raw: dict[str, Any]) -> bool:
    """Does the Condition carry a code the workup reads, or name a secondary cause?"""
    codings = _codings(raw)
    if any(c.get("system") == SNOMED and c.get("code") in CONDITION_CODES for c in codings):
        return True
    return any(names_a_cause(name) for name in _names(raw, codings))


def _names_chemotherapy(raw: dict[str, Any]) -> bool:
    """Does the Procedure's text or a coding display name chemotherapy?"""
    return any(names_chemotherapy(name) for name in _names(raw, _codings(raw)))
