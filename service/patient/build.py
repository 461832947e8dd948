"""Assembling the patient context from the chart."""

from __future__ import annotations

from datetime import datetime, timedelta

from service.chart.model import Chart
from service.patient.chemotherapy import chemotherapy
from service.patient.conditions import known_diagnoses, postmenopausal_recorded, pregnancy
from service.patient.demographics import age_at, birth_date, sex_of
from service.patient.medications import active_medications, iron_prescriptions
from service.patient.model import PatientContext, Sex
from service.patient.orders import active_orders
from service.patient.secondary_causes import secondary_causes
from service.workup_settings import WorkupSettings


def build_context(chart: Chart, on: datetime, settings: WorkupSettings) -> PatientContext:
    """``on`` is the blood count's date (else the request's): age and pregnancy are taken then."""
    notes: list[str] = []
    resource = chart.patient
    if chart.patient_problem:
        notes.append(chart.patient_problem)
    born, problem = birth_date(resource)
    if problem:
        notes.append(problem)
    age = age_at(born, on.date()) if born is not None else None
    sex = sex_of(resource)
    if resource is not None and sex is Sex.UNKNOWN:
        notes.append("sex is not recorded as male or female, so both sex-specific thresholds are applied")
    notes.extend(chart.notes)
    conditions = list(chart.conditions)
    pregnancy_obs, menopause_obs = list(chart.pregnancy_status), list(chart.menopause_status)

    medicines = active_medications(chart.medication_requests, chart.medication_statements)
    pregnant = pregnancy(
        conditions, pregnancy_obs, on, timedelta(days=settings.pregnancy_status_lookback_days)
    )
    postmenopausal, basis = False, ""
    if sex is Sex.FEMALE and not pregnant.pregnant:
        if postmenopausal_recorded(conditions, menopause_obs):
            postmenopausal, basis = True, "recorded"
        elif age is not None and age.years >= settings.postmenopausal_age:
            postmenopausal, basis = True, "age default"
    return PatientContext(
        patient_id=chart.patient_id,
        sex=sex,
        age=age,
        age_on=on,
        pregnant=pregnant.pregnant and sex is not Sex.MALE,
        trimester=pregnant.trimester,
        pregnancy_basis=pregnant.basis,
        postmenopausal=postmenopausal,
        menopause_basis=basis,
        diagnoses=known_diagnoses(conditions),
        iron_prescriptions=iron_prescriptions(medicines),
        secondary_causes=secondary_causes(medicines, conditions),
        active_orders=active_orders(list(chart.service_requests)),
        notes=tuple(notes),
        chemotherapy=chemotherapy(chart.procedures),
    )
