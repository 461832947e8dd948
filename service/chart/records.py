"""The patient's resources of one type, checked against the context patient and the FHIR R4 model.

Prefetch can hold other patients' resources and invalid ones; each is dropped here with a
note, so a bad Condition never stops the workup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from service.references import patient_id_of

# The reference that ties each resource type to its patient.
_PATIENT_FIELD = {
    "Condition": "subject",
    "MedicationRequest": "subject",
    "MedicationStatement": "subject",
    "ServiceRequest": "subject",
    "Procedure": "subject",
}


@dataclass
class Records:
    valid: list[Any] = field(default_factory=list)  # fhir.resources models
    notes: list[str] = field(default_factory=list)


def patient_records(resources: Iterable[dict[str, Any]], resource_type: str, patient_id: str) -> Records:
    model = get_fhir_model_class(resource_type)
    records = Records()
    for raw in resources:
        if not isinstance(raw, dict) or raw.get("resourceType") != resource_type:
            continue
        if patient_id_of(raw.get(_PATIENT_FIELD.get(resource_type, "subject"))) != patient_id:
            continue  # another patient's, or none's: not this patient's record
        try:
            records.valid.append(model.model_validate(raw))
        except ValidationError as error:
            first = error.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "resource"
            name = f"{resource_type}/{raw.get('id')}" if raw.get("id") else f"a {resource_type}"
            records.notes.append(
                f"{name} was not used, because it is not valid FHIR R4 ({where}: {first['msg']})"
            )
    return records


def codes(concept: Any, system: str) -> set[str]:
    """The codes of a CodeableConcept in one code system."""
    if concept is None:
        return set()
    return {str(c.code) for c in concept.coding or [] if c.system == system and c.code}


def names_of(concept: Any) -> list[str]:
    """What a CodeableConcept calls itself: its codings' displays, then its text."""
    if concept is None:
        return []
    return [c.display for c in concept.coding or [] if c.display] + ([concept.text] if concept.text else [])


def status_code(concept: Any) -> str | None:
    """The code of a status CodeableConcept (Condition.clinicalStatus, verificationStatus)."""
    for coding in (concept.coding or []) if concept is not None else []:
        if coding.code:
            return str(coding.code)
    return None
