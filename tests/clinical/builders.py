"""Small builders of FHIR R4 resources and patient-view requests for the clinical tests.

Each builder writes the JSON a real EHR sends (LOINC-coded Observations with UCUM units,
SNOMED-coded Conditions), with keyword overrides for the odd cases a test needs.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
PATIENT_ID = "example-patient"

_ids = itertools.count(1)

# analyte -> (LOINC code, UCUM unit) for the usual way labs report it
LAB = {
    "hemoglobin": ("718-7", "g/dL"),
    "hematocrit": ("4544-3", "%"),
    "rbc": ("789-8", "10*12/L"),
    "mcv": ("787-2", "fL"),
    "mch": ("785-6", "pg"),
    "mchc": ("786-4", "g/dL"),
    "rdw_cv": ("788-0", "%"),
    "retic_pct": ("17849-1", "%"),
    "wbc": ("6690-2", "10*9/L"),
    "platelets": ("777-3", "10*9/L"),
    "ferritin": ("2276-4", "ug/L"),
    "iron": ("2498-4", "ug/dL"),
    "tibc": ("2500-7", "ug/dL"),
    "transferrin": ("3034-6", "mg/dL"),
    "tsat": ("2502-3", "%"),
    "stfr": ("30248-9", "mg/L"),
    "stfr_index": ("74807-9", "1"),
    "crp": ("1988-5", "mg/L"),
    "hba2": ("4551-8", "%"),
    "hbf": ("4576-5", "%"),
    "hbs": ("4625-0", "%"),
    "lead": ("77307-7", "ug/dL"),
    "neutrophils": ("751-8", "10*9/L"),
    "spo2": ("59408-5", "%"),
    "cohb": ("20563-3", "%"),
    "epo": ("15061-5", "m[IU]/mL"),
}


def patient(
    gender: str | None = "female", birth_date: str | None = "1992-03-14", pid: str = PATIENT_ID
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if gender is not None:
        resource["gender"] = gender
    if birth_date is not None:
        resource["birthDate"] = birth_date
    return resource


def lab(
    analyte: str,
    value: float | None,
    date: str | None,
    *,
    unit: str | None = None,
    code: str | None = None,
    status: str = "final",
    subject: str = PATIENT_ID,
    comparator: str | None = None,
    low: float | None = None,
    high: float | None = None,
    flag: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A lab Observation; ``unit=""`` sends a quantity without any unit, ``value=None`` no quantity,
    ``date=None`` no effectiveDateTime (pass ``effectivePeriod`` or ``issued`` instead)."""
    default_code, default_unit = LAB[analyte]
    ucum = default_unit if unit is None else unit
    quantity: dict[str, Any] = {"value": value}
    if ucum:
        quantity.update(unit=ucum, system=UCUM, code=ucum)
    if comparator:
        quantity["comparator"] = comparator
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{analyte.replace('_', '-')}-{next(_ids)}",
        "status": status,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code or default_code}]},
        "subject": {"reference": f"Patient/{subject}"},
    }
    if date is not None:
        resource["effectiveDateTime"] = date
    if value is not None:
        resource["valueQuantity"] = quantity
    if low is not None or high is not None:
        bounds: dict[str, Any] = {}
        for name, bound in (("low", low), ("high", high)):
            if bound is not None:
                bounds[name] = {"value": bound, "unit": ucum, "system": UCUM, "code": ucum}
        resource["referenceRange"] = [bounds]
    if flag:
        resource["interpretation"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": flag,
                    }
                ]
            }
        ]
    resource.update(extra)
    return resource


def result(code: str, value: float, unit: str, date: str, *, subject: str = PATIENT_ID) -> dict[str, Any]:
    """A final Observation under any LOINC code (celiac serology, IgA ...)."""
    return {
        "resourceType": "Observation",
        "id": f"result-{next(_ids)}",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{subject}"},
        "effectiveDateTime": date,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def condition(
    code: str | None,
    *,
    clinical_status: str = "active",
    onset: str | None = None,
    subject: str = PATIENT_ID,
    text: str | None = None,
) -> dict[str, Any]:
    """A problem-list Condition: a SNOMED CT code, or ``code=None`` and the ``text`` alone."""
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"condition-{next(_ids)}",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": clinical_status,
                }
            ]
        },
        "code": {"coding": [{"system": SNOMED, "code": code}]} if code else {},
        "subject": {"reference": f"Patient/{subject}"},
    }
    if text:
        resource["code"]["text"] = text
    if onset:
        resource["onsetDateTime"] = onset
    return resource


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
FERROUS_SULFATE = (RXNORM, "310325", "ferrous sulfate 325 MG Oral Tablet")


def procedure(
    text: str, *, performed: str, status: str = "completed", subject: str = PATIENT_ID
) -> dict[str, Any]:
    """A Procedure known by its text alone (chemotherapy is read by name), performed on ``performed``."""
    return {
        "resourceType": "Procedure",
        "id": f"procedure-{next(_ids)}",
        "status": status,
        "code": {"text": text},
        "subject": {"reference": f"Patient/{subject}"},
        "performedDateTime": performed,
    }


def medication(text: str | None, coding: tuple[str, str, str | None] | None) -> dict[str, Any]:
    """A medication CodeableConcept: a text, a coding (system, code, display), or both."""
    concept: dict[str, Any] = {}
    if coding is not None:
        system, code, display = coding
        concept["coding"] = [{"system": system, "code": code, **({"display": display} if display else {})}]
    if text is not None:
        concept["text"] = text
    return concept


def medication_request(
    text: str | None,
    *,
    status: str = "active",
    subject: str = PATIENT_ID,
    coding: tuple[str, str, str | None] | None = None,
    authored: str | None = None,
    rid: str | None = None,
    intent: str = "order",
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid or f"medication-{next(_ids)}",
        "status": status,
        "intent": intent,
        "medicationCodeableConcept": medication(text, coding),
        "subject": {"reference": f"Patient/{subject}"},
    }
    if authored:
        resource["authoredOn"] = authored
    return resource


def medication_statement(
    text: str | None,
    *,
    effective: str | None = None,
    status: str = "active",
    coding: tuple[str, str, str | None] | None = None,
    subject: str = PATIENT_ID,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": f"statement-{next(_ids)}",
        "status": status,
        "medicationCodeableConcept": medication(text, coding),
        "subject": {"reference": f"Patient/{subject}"},
    }
    if effective:
        resource["effectiveDateTime"] = effective
    return resource


def service_request(
    code: str, system: str = LOINC, *, status: str = "active", subject: str = PATIENT_ID
) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": f"order-{next(_ids)}",
        "status": status,
        "intent": "order",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": f"Patient/{subject}"},
    }


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"fullUrl": _full_url(r), "resource": r} for r in resources],
    }


def _full_url(resource: dict[str, Any]) -> str:
    """A stable fullUrl, so regenerated fixtures only change where their content does."""
    name = f"{resource.get('resourceType')}/{resource.get('id')}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def request(
    *,
    patient_resource: dict[str, Any] | None = None,
    observations: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    medications: list[dict[str, Any]] | None = None,
    statements: list[dict[str, Any]] | None = None,
    orders: list[dict[str, Any]] | None = None,
    procedures: list[dict[str, Any]] | None = None,
    patient_id: str = PATIENT_ID,
    prefetch_overrides: dict[str, Any] | None = None,
    hook_instance: str | None = None,
) -> dict[str, Any]:
    """A patient-view request with every prefetch key of microcytosis-workup filled."""
    prefetch: dict[str, Any] = {
        "Patient": patient_resource if patient_resource is not None else patient(pid=patient_id),
        "Observation": bundle(observations or []),
        "Condition": bundle(conditions or []),
        "MedicationRequest": bundle(medications or []),
        "MedicationStatement": bundle(statements or []),
        "ServiceRequest": bundle(orders or []),
        "Procedure": bundle(procedures or []),
    }
    prefetch.update(prefetch_overrides or {})
    return {
        "hook": "patient-view",
        "hookInstance": hook_instance or str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": patient_id},
        "prefetch": prefetch,
    }


def draft_medication(
    rid: str,
    text: str | None,
    *,
    coding: tuple[str, str, str | None] | None = None,
    subject: str = PATIENT_ID,
    **extra: Any,
) -> dict[str, Any]:
    """A draft MedicationRequest as order-select sends it: status draft, intent proposal."""
    resource = medication_request(
        text, status="draft", intent="proposal", coding=coding, rid=rid, subject=subject
    )
    resource.update(extra)
    return resource


def order_select_request(
    *,
    drafts: list[dict[str, Any]],
    selections: list[str],
    patient_resource: dict[str, Any] | None = None,
    observations: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    patient_id: str = PATIENT_ID,
    hook_instance: str | None = None,
) -> dict[str, Any]:
    """An order-select request for iron-prescribing-check, its prefetch filled."""
    return {
        "hook": "order-select",
        "hookInstance": hook_instance or str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/example",
            "patientId": patient_id,
            "selections": selections,
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": d} for d in drafts],
            },
        },
        "prefetch": {
            "Patient": patient_resource if patient_resource is not None else patient(pid=patient_id),
            "Observation": bundle(observations or []),
            "Condition": bundle(conditions or []),
        },
    }


def draft_test(
    rid: str, code: str, system: str = LOINC, *, subject: str = PATIENT_ID, **extra: Any
) -> dict[str, Any]:
    """A draft ServiceRequest as an order hook sends it: status draft, intent proposal."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "proposal",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": f"Patient/{subject}"},
    }
    resource.update(extra)
    return resource


def order_hook_request(
    hook: str,
    *,
    drafts: list[dict[str, Any]],
    selections: list[str] | None = None,
    patient_resource: dict[str, Any] | None = None,
    observations: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    medications: list[dict[str, Any]] | None = None,
    statements: list[dict[str, Any]] | None = None,
    orders: list[dict[str, Any]] | None = None,
    patient_id: str = PATIENT_ID,
    hook_instance: str | None = None,
) -> dict[str, Any]:
    """An order-select (with ``selections``) or order-sign request with the workup's prefetch filled.

    Its draftOrders Bundle has no ``type``, as the CDS Hooks sandbox sends it.
    """
    body = request(
        patient_resource=patient_resource,
        observations=observations,
        conditions=conditions,
        medications=medications,
        statements=statements,
        orders=orders,
        patient_id=patient_id,
        hook_instance=hook_instance,
    )
    body["hook"] = hook
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": d} for d in drafts]}
    if selections is not None:
        body["context"]["selections"] = selections
    return body
