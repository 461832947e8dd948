"""Findings of the rarer branches: cytopenias, iron loading, lead, and the response to oral iron."""

from __future__ import annotations

from typing import Any

from service.findings.model import Findings
from service.workup import situation_of
from service.workup_settings import WorkupSettings
from tests.clinical.builders import FERROUS_SULFATE, lab, medication_request, patient, request
from tests.clinical.support import call_of

CBC = "2026-11-10T09:00:00Z"
MAN = patient("male", "1971-06-02")
WOMAN = patient("female", "1968-01-20")


def findings(
    observations: list[dict[str, Any]], settings: WorkupSettings | None = None, **parts: Any
) -> Findings:
    call = call_of(request(observations=observations, **{"patient_resource": MAN, **parts}))
    return situation_of(call, settings or WorkupSettings()).findings


def test_a_low_neutrophil_count_alone_stands_for_the_white_cells() -> None:
    f = findings([lab("hemoglobin", 11.0, CBC), lab("wbc", 4.5, CBC), lab("neutrophils", 1.1, CBC)])
    assert f.leukopenia is not None
    assert f.leukopenia.statement.startswith("Neutropenia: neutrophils 1.1 ×10⁹/L are below 1.5")
    assert f.cytopenia is not None and f.cytopenia.id == "bicytopenia"
    assert f.critical_cytopenia is None


def test_a_platelet_count_of_exactly_20_is_not_critical() -> None:
    f = findings([lab("platelets", 20, CBC)])
    assert f.thrombocytopenia is not None and f.critical_cytopenia is None


def test_iron_loading_uses_the_labs_upper_limit_when_it_gives_one() -> None:
    observations = [lab("ferritin", 250, CBC, high=400), lab("tsat", 60, CBC)]
    assert findings(observations).iron_loading is None
    observations = [lab("ferritin", 250, CBC, high=150), lab("tsat", 60, CBC)]
    loading = findings(observations).iron_loading
    assert loading is not None and "above 150 µg/L (the lab's reference range)" in loading.statement
    assert not loading.design_default


def test_iron_loading_without_a_lab_range_takes_the_lower_limit_when_sex_is_unknown() -> None:
    observations = [lab("ferritin", 250, CBC), lab("tsat", 50, CBC)]
    assert findings(observations).iron_loading is None  # a man: above 300 is high
    unknown = findings(observations, patient_resource=patient(None, "1971-06-02")).iron_loading
    assert unknown is not None and unknown.design_default


def test_a_lead_exactly_at_the_reference_value_is_elevated_and_below_it_is_not() -> None:
    assert findings([lab("lead", 3.5, CBC)]).lead_elevated is not None
    assert findings([lab("lead", 3.4, CBC)]).lead_elevated is None
    assert findings([lab("lead", 3.5, CBC, comparator="<")]).lead_elevated is None


def test_a_lead_older_than_a_year_is_not_used() -> None:
    assert findings([lab("lead", 9, "2025-10-01T08:00:00Z")]).lead_elevated is None


def test_no_baseline_hemoglobin_before_the_iron_is_said_not_guessed() -> None:
    f = findings(
        [lab("hemoglobin", 10.0, "2026-05-01T08:00:00Z"), lab("hemoglobin", 10.1, CBC)],
        medications=[medication_request(None, coding=FERROUS_SULFATE, authored="2026-09-25")],
    )
    assert f.no_rise_on_iron is None
    assert f.notes == (
        "the response to ferrous sulfate 325 MG Oral Tablet (started 2026-09-25) could not be judged: "
        "no hemoglobin from the 90 days before it was started",
    )


def test_the_baseline_window_follows_the_blood_count_lookback() -> None:
    observations = [lab("hemoglobin", 10.0, "2026-05-01T08:00:00Z"), lab("hemoglobin", 10.1, CBC)]
    iron = [medication_request(None, coding=FERROUS_SULFATE, authored="2026-09-25")]
    wide = findings(observations, WorkupSettings(cbc_lookback_days=200), medications=iron)
    assert wide.no_rise_on_iron is not None


def test_a_rise_of_exactly_10_g_per_l_is_a_response() -> None:
    iron = [medication_request(None, coding=FERROUS_SULFATE, authored="2026-09-25")]
    rose = findings(
        [lab("hemoglobin", 10.0, "2026-09-20T08:00:00Z"), lab("hemoglobin", 11.0, CBC)], medications=iron
    )
    assert rose.no_rise_on_iron is None
    flat = findings(
        [lab("hemoglobin", 10.0, "2026-09-20T08:00:00Z"), lab("hemoglobin", 10.9, CBC)], medications=iron
    )
    assert flat.no_rise_on_iron is not None


def test_a_stopped_iron_prescription_is_not_judged() -> None:
    stopped = [medication_request(None, coding=FERROUS_SULFATE, authored="2026-09-25", status="stopped")]
    f = findings(
        [lab("hemoglobin", 10.0, "2026-09-20T08:00:00Z"), lab("hemoglobin", 10.1, CBC)], medications=stopped
    )
    assert f.no_rise_on_iron is None


def test_the_reticulocyte_response_needs_anemia() -> None:
    counts = [lab("hematocrit", 40, CBC), lab("retic_pct", 6, CBC)]
    assert findings([lab("hemoglobin", 14.0, CBC), *counts]).reticulocyte_response is None
    assert findings([lab("hemoglobin", 11.0, CBC), *counts]).reticulocyte_response is not None
