"""Sex and age from the Patient resource."""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from service.patient.model import Age, Sex


def read_patient(resources: list[dict[str, Any]], patient_id: str) -> tuple[Patient | None, str | None]:
    """The context patient's Patient resource, or a note saying why there is none."""
    candidates = [r for r in resources if isinstance(r, dict) and r.get("resourceType") == "Patient"]
    if not candidates:
        return None, "the Patient resource was not available, so age and sex are unknown"
    mine = [r for r in candidates if r.get("id") == patient_id]
    if not mine:
        return None, "the Patient resource sent is not the context patient's, so age and sex are unknown"
    try:
        return Patient.model_validate(mine[0]), None
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "resource"
        return (
            None,
            f"the Patient resource is not valid FHIR R4 ({where}: {first['msg']}): age and sex are unknown",
        )


def sex_of(patient: Patient | None) -> Sex:
    gender = patient.gender if patient is not None else None
    return {"male": Sex.MALE, "female": Sex.FEMALE}.get(str(gender), Sex.UNKNOWN)


def age_at(birth: date, on: date) -> Age | None:
    """Completed years and months on ``on``; None when born after it."""
    months = (on.year - birth.year) * 12 + (on.month - birth.month) - (1 if on.day < birth.day else 0)
    if months < 0:
        return None
    return Age(years=months // 12, months=months)


def birth_date(patient: Patient | None) -> tuple[date | None, str | None]:
    if patient is None:
        return None, None
    value = patient.birthDate
    if isinstance(value, date):
        return value, None
    if value is None:
        return None, "the patient has no birth date, so age-specific thresholds cannot be applied"
    return None, "the patient's birth date is not a full date, so age-specific thresholds cannot be applied"
