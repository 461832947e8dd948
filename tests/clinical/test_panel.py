"""Choosing each analyte's result: the latest usable one inside its lookback window."""

from __future__ import annotations

from service.workup_settings import WorkupSettings
from tests.clinical.builders import lab
from tests.clinical.support import labs_of


def test_the_latest_usable_result_is_chosen() -> None:
    labs = labs_of(
        [
            lab("mcv", 70, "2026-10-01"),
            lab("mcv", 75, "2026-11-10"),
            lab("mcv", 60, "2026-11-15", status="preliminary"),
        ]
    )
    mcv = labs.get("mcv")
    assert mcv is not None and mcv.value == 75
    assert [u.reason for u in labs.unused] == [
        "its status is 'preliminary' (only final, amended or corrected results are used)"
    ]


def test_a_blood_count_older_than_90_days_is_left_out_and_said() -> None:
    labs = labs_of([lab("mcv", 70, "2026-08-01")])
    assert labs.get("mcv") is None and labs.cbc_date is None
    [unused] = labs.unused
    assert unused.reason == "it is older than the 90-day lookback for blood count"
    assert unused.sentence().startswith("MCV 70 fL on 2026-08-01 (Observation/")


def test_iron_studies_may_not_be_older_than_30_days_before_the_blood_count() -> None:
    labs = labs_of(
        [lab("mcv", 70, "2026-11-10"), lab("ferritin", 8, "2026-10-05"), lab("crp", 3, "2026-10-20")]
    )
    assert labs.get("ferritin") is None
    assert labs.get("crp") is not None
    [unused] = labs.unused
    assert "more than 30 days older than the blood count of 2026-11-10" in unused.reason


def test_iron_studies_after_the_blood_count_explain_it() -> None:
    labs = labs_of([lab("mcv", 70, "2026-10-01"), lab("ferritin", 8, "2026-11-15")])
    assert labs.get("ferritin") is not None


def test_hemoglobin_analysis_has_no_age_limit_and_lead_one_year() -> None:
    labs = labs_of(
        [lab("hba2", 4.2, "2015-01-01"), lab("lead", 5, "2025-06-01"), lab("lead", 6, "2025-12-01")]
    )
    assert labs.get("hba2") is not None
    lead = labs.get("lead")
    assert lead is not None and lead.value == 6


def test_the_lookbacks_are_settings() -> None:
    settings = WorkupSettings(cbc_lookback_days=200, iron_lookback_days=60)
    labs = labs_of([lab("mcv", 70, "2026-06-01"), lab("ferritin", 8, "2026-09-01")], settings)
    assert labs.get("mcv") is not None
    assert labs.get("ferritin") is None
    [unused] = labs.unused
    assert unused.reason == "it is older than the 60-day lookback for iron studies"


def test_the_blood_count_date_is_the_mcvs_else_the_hemoglobins() -> None:
    assert labs_of([lab("hemoglobin", 11, "2026-11-02")]).cbc_date is not None
    labs = labs_of([lab("hemoglobin", 11, "2026-11-02"), lab("mcv", 70, "2026-11-05")])
    assert labs.cbc_date is not None and labs.cbc_date.day == 5
