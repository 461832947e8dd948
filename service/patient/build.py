"""Assembling the patient context from the prefetched resources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from service.chart.records import patient_records
from service.patient.conditions import (
    known_diagnoses,
    postmenopausal_recorded,
    pregnancy,
    status_observations,
)
from service.patient.demographics import age_at, birth_date, read_patient, sex_of
from service.patient.medications import iron_prescriptions
from service.patient.model import PatientContext, Sex
from service.patient.orders import active_orders
from service.workup_settings import WorkupSettings


def build_context(
    *,
    patient_id: str,
    patient: list[dict[str, Any]],
    conditions: list[dict[str, Any]],
    status_observations_raw: Sequence[tuple[str, dict[str, Any]]],
    medication_requests: list[dict[str, Any]],
    service_requests: list[dict[str, Any]],
    on: datetime,
    settings: WorkupSettings,
    medication_statements: list[dict[str, Any]] | None = None,
) -> PatientContext:
    """``on`` is the blood count's date (else the request's): age and pregnancy are taken then."""
    notes: list[str] = []
    resource, problem = read_patient(patient, patient_id)
    if problem:
        notes.append(problem)
    born, problem = birth_date(resource)
    if problem:
        notes.append(problem)
    age = age_at(born, on.date()) if born is not None else None
    sex = sex_of(resource)
    if resource is not None and sex is Sex.UNKNOWN:
        notes.append("sex is not recorded as male or female, so both sex-specific thresholds are applied")

    condition_records = patient_records(conditions, "Condition", patient_id)
    medication_records = patient_records(medication_requests, "MedicationRequest", patient_id)
    statement_records = patient_records(medication_statements or [], "MedicationStatement", patient_id)
    order_records = patient_records(service_requests, "ServiceRequest", patient_id)
    for records in (condition_records, medication_records, statement_records, order_records):
        notes.extend(records.notes)
    pregnancy_obs, menopause_obs = status_observations(status_observations_raw, patient_id)

    pregnant = pregnancy(
        condition_records.valid, pregnancy_obs, on, timedelta(days=settings.pregnancy_status_lookback_days)
    )
    postmenopausal, basis = False, ""
    if sex is Sex.FEMALE and not pregnant.pregnant:
        if postmenopausal_recorded(condition_records.valid, menopause_obs):
            postmenopausal, basis = True, "recorded"
        elif age is not None and age.years >= settings.postmenopausal_age:
            postmenopausal, basis = True, "age default"
    return PatientContext(
        patient_id=patient_id,
        sex=sex,
        age=age,
        age_on=on,
        pregnant=pregnant.pregnant and sex is not Sex.MALE,
        trimester=pregnant.trimester,
        pregnancy_basis=pregnant.basis,
        postmenopausal=postmenopausal,
        menopause_basis=basis,
        diagnoses=known_diagnoses(condition_records.valid),
        iron_prescriptions=iron_prescriptions(medication_records.valid, statement_records.valid),
        active_orders=active_orders(order_records.valid),
        notes=tuple(notes),
    )
