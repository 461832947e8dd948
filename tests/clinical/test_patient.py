"""The patient context: sex, pregnancy and trimester, menopause, known diagnoses, iron, orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from service.chart.read import read_chart
from service.patient.build import build_context
from service.patient.model import CauseKind, Diagnosis, PatientContext, Route, Sex
from service.workup_settings import DEFAULT_SETTINGS
from tests.clinical.builders import (
    LOINC,
    PATIENT_ID,
    RXNORM,
    SNOMED,
    condition,
    medication_request,
    medication_statement,
    patient,
    procedure,
    service_request,
)

ON = datetime(2026, 11, 10, tzinfo=UTC)


def context(
    who: dict[str, Any] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    observations: list[dict[str, Any]] | None = None,
    medications: list[dict[str, Any]] | None = None,
    orders: list[dict[str, Any]] | None = None,
    statements: list[dict[str, Any]] | None = None,
    procedures: list[dict[str, Any]] | None = None,
) -> PatientContext:
    resources = [
        who or patient(),
        *(conditions or []),
        *(observations or []),
        *(medications or []),
        *(orders or []),
        *(statements or []),
        *(procedures or []),
    ]
    return build_context(read_chart(resources, PATIENT_ID, ON), ON, DEFAULT_SETTINGS)


def pregnancy_status(answer: str, date: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"pregnancy-{answer}",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "82810-3"}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": date,
        "valueCodeableConcept": {"coding": [{"system": LOINC, "code": answer}]},
    }


def test_age_and_sex_at_the_blood_count() -> None:
    p = context(patient("female", "1992-03-14"))
    assert p.sex is Sex.FEMALE
    assert p.age is not None and p.age.years == 34
    assert not p.postmenopausal and not p.pregnant


def test_other_gender_is_unknown_sex_and_said() -> None:
    p = context(patient("other", "1980-01-01"))
    assert p.sex is Sex.UNKNOWN
    assert any("both sex-specific thresholds" in note for note in p.notes)


def test_a_partial_birth_date_gives_no_age_and_says_so() -> None:
    p = context(patient("male", "1980-05"))
    assert p.age is None
    assert any("not a full date" in note for note in p.notes)


def test_pregnancy_trimester_from_the_conditions_onset() -> None:
    assert context(conditions=[condition("77386006", onset="2026-09-15")]).trimester == 1
    assert context(conditions=[condition("77386006", onset="2026-06-20")]).trimester == 2
    assert context(conditions=[condition("77386006", onset="2026-04-01")]).trimester == 3
    no_onset = context(conditions=[condition("77386006")])
    assert no_onset.pregnant and no_onset.trimester is None


@pytest.mark.parametrize("code", ["77386006", "72892002", "47200007"])
def test_pregnancy_normal_and_high_risk_codes_count_with_their_trimester(code: str) -> None:
    # Synthea and many problem lists record "Normal pregnancy" 72892002, not "Pregnancy".
    p = context(conditions=[condition(code, onset="2026-06-20")])
    assert p.pregnant and p.trimester == 2


def test_a_pregnancy_onset_over_300_days_ago_does_not_count() -> None:
    assert not context(conditions=[condition("72892002", onset="2026-01-10")]).pregnant  # 304 days
    assert context(conditions=[condition("72892002", onset="2026-01-20")]).pregnant  # 294 days


def test_an_unclosed_pregnancy_from_years_ago_is_not_a_pregnancy() -> None:
    assert not context(conditions=[condition("77386006", onset="2023-01-01")]).pregnant


def test_a_resolved_pregnancy_is_not_a_pregnancy() -> None:
    assert not context(conditions=[condition("77386006", clinical_status="resolved")]).pregnant


def test_pregnancy_from_the_latest_pregnancy_status_observation() -> None:
    assert context(observations=[pregnancy_status("LA15173-0", "2026-10-01")]).pregnant
    stale = context(observations=[pregnancy_status("LA15173-0", "2025-10-01")])
    assert not stale.pregnant


def test_postmenopausal_recorded_or_assumed_from_age() -> None:
    recorded = context(patient("female", "1980-01-01"), conditions=[condition("276477006")])
    assert recorded.postmenopausal and recorded.menopause_basis == "recorded"
    assumed = context(patient("female", "1970-01-01"))
    assert assumed.postmenopausal and assumed.menopause_basis == "age default"
    assert not context(patient("male", "1950-01-01")).postmenopausal


def test_known_diagnoses_traits_count_whatever_their_status_iron_deficiency_only_active() -> None:
    p = context(
        conditions=[
            condition("269175006", clinical_status="inactive"),
            condition("87522002", clinical_status="resolved"),
        ]
    )
    assert p.diagnoses == frozenset({Diagnosis.BETA_THALASSEMIA_TRAIT})
    assert p.known_thalassemia is Diagnosis.BETA_THALASSEMIA_TRAIT


def test_a_refuted_diagnosis_is_not_known() -> None:
    refuted = condition("269175006")
    refuted["verificationStatus"] = {"coding": [{"code": "refuted"}]}
    assert context(conditions=[refuted]).diagnoses == frozenset()


def test_another_patients_condition_is_ignored() -> None:
    assert context(conditions=[condition("269175006", subject="other")]).diagnoses == frozenset()


def test_an_invalid_condition_is_skipped_and_said() -> None:
    broken = condition("269175006")
    broken["onsetDateTime"] = "last spring"
    p = context(conditions=[broken])
    assert p.diagnoses == frozenset()
    assert any("not valid FHIR R4" in note for note in p.notes)


def test_active_iron_prescriptions() -> None:
    p = context(
        medications=[
            medication_request("Ferrous sulfate 325 MG"),
            medication_request("Lisinopril 10 MG"),
            medication_request("Ferric carboxymaltose", status="completed"),
        ]
    )
    assert p.iron_names == ("Ferrous sulfate 325 MG",)
    [iron] = p.iron_prescriptions
    assert (iron.route, iron.started) == (Route.ORAL, None)
    assert iron.source.startswith("MedicationRequest/")


def test_ferrous_sulfate_is_recognised_by_its_rxnorm_code_alone() -> None:
    p = context(
        medications=[medication_request(None, coding=(RXNORM, "310325", None), authored="2026-09-25")]
    )
    [iron] = p.iron_prescriptions
    assert iron.name == "ferrous sulfate 325 MG Oral Tablet"
    assert iron.started == datetime(2026, 9, 25, tzinfo=UTC)


def test_other_rxnorm_codes_are_not_guessed_at() -> None:
    p = context(medications=[medication_request(None, coding=(RXNORM, "123456", None))])
    assert p.iron_prescriptions == ()


def test_iron_the_patient_takes_by_a_medication_statement() -> None:
    p = context(
        statements=[
            medication_statement("Iron 65 MG Oral Tablet", effective="2026-10-01"),
            medication_statement("Ferrous fumarate 324 MG Oral Tablet", status="stopped"),
            medication_statement("Iron 65 MG Oral Tablet", subject="someone-else"),
        ]
    )
    [iron] = p.iron_prescriptions
    assert (iron.name, iron.started) == ("Iron 65 MG Oral Tablet", datetime(2026, 10, 1, tzinfo=UTC))
    assert iron.source.startswith("MedicationStatement/")


def test_parenteral_iron_is_told_from_oral_by_its_form_or_route() -> None:
    by_form = medication_request("ferric carboxymaltose 50 MG/ML Injectable Solution")
    by_route = medication_request("Iron sucrose 20 MG/ML")
    by_route["dosageInstruction"] = [{"route": {"text": "Intravenous"}}]
    p = context(medications=[by_form, by_route])
    assert [i.route for i in p.iron_prescriptions] == [Route.INTRAVENOUS, Route.INTRAVENOUS]


def test_an_invalid_medication_statement_is_skipped_and_said() -> None:
    broken = medication_statement("Iron 65 MG Oral Tablet")
    broken["status"] = 42
    p = context(statements=[broken])
    assert p.iron_prescriptions == ()
    assert any(note.startswith(f"MedicationStatement/{broken['id']} was not used") for note in p.notes)


def test_secondary_causes_are_read_by_name_with_their_earliest_start() -> None:
    p = context(
        medications=[
            medication_request("Hydrochlorothiazide 25 MG Oral Tablet", authored="2021-05-02"),
            medication_request("hydrochlorothiazide 12.5 MG Oral Capsule", authored="2019-01-10"),
            medication_request("Lisinopril 10 MG Oral Tablet", authored="2019-01-10"),
            medication_request("Epoetin Alfa 4000 UNT/ML Injectable Solution [Epogen]", status="stopped"),
        ],
        statements=[medication_statement("dapagliflozin 10 MG Oral Tablet", effective="2025-03-01")],
        conditions=[
            condition(None, text="Pulmonary emphysema (disorder)", onset="2012-06-01"),
            condition(None, text="Obstructive sleep apnea syndrome (disorder)", clinical_status="resolved"),
            condition(None, text="Acute bronchitis (disorder)"),
        ],
    )
    found = {c.cause: c for c in p.secondary_causes}
    assert set(found) == {CauseKind.DIURETIC, CauseKind.SGLT2_INHIBITOR, CauseKind.COPD}
    assert found[CauseKind.DIURETIC].name == "hydrochlorothiazide 12.5 MG Oral Capsule"
    assert found[CauseKind.DIURETIC].started == datetime(2019, 1, 10, tzinfo=UTC)
    assert found[CauseKind.SGLT2_INHIBITOR].source.startswith("MedicationStatement/")
    assert found[CauseKind.COPD].started == datetime(2012, 6, 1, tzinfo=UTC)


def test_a_problem_list_entry_is_read_by_its_display_too() -> None:
    coded = condition(None)
    coded["code"] = {"coding": [{"system": SNOMED, "display": "History of renal transplant (situation)"}]}
    [cause] = context(conditions=[coded]).secondary_causes
    assert (cause.cause, cause.name) == (
        CauseKind.RENAL_TRANSPLANT,
        "History of renal transplant (situation)",
    )


def test_chemotherapy_given_is_read_from_procedures_by_name_newest_first() -> None:
    coded = procedure("", performed="2026-10-01")
    coded["code"] = {"coding": [{"system": SNOMED, "display": "Antineoplastic chemotherapy regimen"}]}
    p = context(
        procedures=[
            procedure("Combined chemotherapy and radiation therapy (procedure)", performed="2026-08-20"),
            coded,
            procedure("Chemotherapy (procedure)", performed="2026-10-30", status="not-done"),
            procedure("Chemotherapy (procedure)", performed="2026-10-29", status="preparation"),
            procedure("Chemotherapy (procedure)", performed="2026-10-28", subject="someone-else"),
            procedure("Colonoscopy (procedure)", performed="2026-10-27"),
        ]
    )
    assert [(c.name, c.performed.date().isoformat()) for c in p.chemotherapy] == [
        ("Antineoplastic chemotherapy regimen", "2026-10-01"),
        ("Combined chemotherapy and radiation therapy (procedure)", "2026-08-20"),
    ]
    assert p.chemotherapy[0].source == f"Procedure/{coded['id']}"


def test_an_invalid_procedure_is_skipped_and_said() -> None:
    broken = procedure("Chemotherapy (procedure)", performed="2026-10-01")
    broken["status"] = 42
    p = context(procedures=[broken])
    assert p.chemotherapy == ()
    assert any(note.startswith(f"Procedure/{broken['id']} was not used") for note in p.notes)


def test_active_orders_are_recognised_by_code() -> None:
    p = context(
        orders=[
            service_request("2276-4"),
            service_request("43113-0", status="completed"),
            service_request("308476000", SNOMED),
        ]
    )
    assert p.has_ordered(LOINC, "2276-4", "Ferritin")
    assert not p.has_ordered(LOINC, "43113-0", "Hb")
    assert p.has_ordered(SNOMED, "308476000", "GI referral")
