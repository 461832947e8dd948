"""Reading one Observation: units, comparators, effective time, plausibility, the FHIR examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from service.chart.observation import validate_observation
from service.chart.reading import Measurement, measure, read_observation
from service.chart.sorting import sort_observations
from service.labs.analytes import ANALYTES, BY_CODE, Analyte
from service.labs.results import LabResult, Unused
from tests.clinical.builders import PATIENT_ID, lab
from tests.paths import FHIR_EXAMPLES

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def analyte_of(resource: dict[str, Any]) -> Analyte | None:
    """The analyte the workup files an Observation under, if any."""
    keys = list(sort_observations([resource]).by_analyte)
    return ANALYTES[keys[0]] if keys else None


def read(resource: dict[str, Any], patient_id: str = PATIENT_ID) -> LabResult | Unused:
    analyte = analyte_of(resource)
    assert analyte is not None
    return read_observation(resource, analyte, patient_id, NOW)


def used(resource: dict[str, Any]) -> LabResult:
    result = read(resource)
    assert isinstance(result, LabResult), result
    return result


def refused(resource: dict[str, Any], patient_id: str = PATIENT_ID) -> str:
    result = read(resource, patient_id)
    assert isinstance(result, Unused), result
    return result.reason


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "canonical"),
    [
        ("hemoglobin", 105, "g/L", 10.5),
        ("hemoglobin", 7.0, "mmol/L", 11.277),
        ("hemoglobin", 10.5, "g/dl", 10.5),  # UCUM's l is the litre too
        ("hematocrit", 0.41, "L/L", 41.0),
        ("hematocrit", 0.41, "1", 41.0),
        ("rbc", 4.5, "10*6/uL", 4.5),
        ("mch", 1.8, "fmol", 29.004),
        ("mchc", 330, "g/L", 33.0),
        ("ferritin", 50, "ng/mL", 50.0),
        ("ferritin", 100, "pmol/L", 44.5),
        ("iron", 10, "umol/L", 55.85),
        ("tibc", 60, "umol/L", 335.1),
        ("transferrin", 2.5, "g/L", 250.0),
        ("tsat", 0.18, "1", 18.0),
        ("crp", 1.2, "mg/dL", 12.0),
        ("lead", 0.2, "umol/L", 4.144),
        ("wbc", 6.1, "10*3/uL", 6.1),
    ],
)
def test_accepted_units_convert_to_the_canonical_unit(
    analyte: str, value: float, unit: str, canonical: float
) -> None:
    result = used(lab(analyte, value, "2026-11-10", unit=unit))
    assert result.value == pytest.approx(canonical, rel=1e-3)
    assert result.analyte.unit == ANALYTES[analyte].unit


def test_a_unit_string_without_a_system_is_read_as_ucum() -> None:
    resource = lab("mcv", 72, "2026-11-10")
    resource["valueQuantity"] = {"value": 72, "unit": "fL"}
    assert used(resource).value == 72


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        (
            {"value": 8, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"},
            "its unit 'mg' is not one",
        ),
        ({"value": 8, "unit": "ng/mL", "system": "http://example.org/units", "code": "ngml"}, "not UCUM"),
        ({"value": 8}, "it has no unit"),
        ({"value": 8, "unit": "nmol/L", "system": "http://unitsofmeasure.org", "code": "nmol/L"}, "not one"),
    ],
)
def test_unknown_units_are_refused_not_guessed(quantity: dict[str, Any], reason: str) -> None:
    resource = lab("ferritin", 8, "2026-11-10")
    resource["valueQuantity"] = quantity
    assert reason in refused(resource)


def test_a_tsat_without_a_unit_is_ambiguous() -> None:
    assert "percentage or a fraction" in refused(lab("tsat", 0.18, "2026-11-10", unit=""))


def test_soluble_transferrin_receptor_in_nmol_is_not_converted() -> None:
    assert "not one Microcyte converts" in refused(lab("stfr", 30, "2026-11-10", unit="nmol/L"))


@pytest.mark.parametrize(
    ("analyte", "value", "unit"),
    [
        ("hemoglobin", 1.5, "g/dL"),
        ("hemoglobin", 260, "g/L"),
        ("mcv", 35, "fL"),
        ("mchc", 45, "g/dL"),
        ("tsat", 1.8, "1"),
        ("ferritin", -1, "ug/L"),
        ("hba2", 104, "%"),
    ],
)
def test_implausible_values_are_refused(analyte: str, value: float, unit: str) -> None:
    assert "plausible range" in refused(lab(analyte, value, "2026-11-10", unit=unit))


@pytest.mark.parametrize("status", ["preliminary", "registered", "cancelled", "entered-in-error", "unknown"])
def test_only_final_amended_or_corrected_results_are_used(status: str) -> None:
    assert f"status is '{status}'" in refused(lab("mcv", 72, "2026-11-10", status=status))


@pytest.mark.parametrize("status", ["final", "amended", "corrected"])
def test_final_amended_and_corrected_results_are_used(status: str) -> None:
    assert used(lab("mcv", 72, "2026-11-10", status=status)).value == 72


def test_another_patients_result_is_refused_and_not_repeated() -> None:
    result = read(lab("ferritin", 8, "2026-11-10", subject="other"))
    assert isinstance(result, Unused)
    assert result.reason == "it belongs to another patient"
    assert result.reported is None and result.when is None


def test_a_result_without_subject_is_refused() -> None:
    resource = lab("ferritin", 8, "2026-11-10")
    del resource["subject"]
    assert refused(resource) == "it names no patient as its subject"


def test_absolute_and_versioned_subject_references_name_the_patient() -> None:
    for reference in (f"https://ehr.example/fhir/Patient/{PATIENT_ID}", f"Patient/{PATIENT_ID}/_history/3"):
        resource = lab("mcv", 72, "2026-11-10")
        resource["subject"] = {"reference": reference}
        assert used(resource).value == 72


def test_data_absent_reason_is_said() -> None:
    resource = lab(
        "ferritin", None, "2026-11-10", dataAbsentReason={"coding": [{"code": "error", "display": "Error"}]}
    )
    assert refused(resource) == "the lab reported no value (Error)"


def test_an_invalid_observation_is_refused_with_where_it_is_invalid() -> None:
    resource = lab("mcv", 72, "2026-11-10")
    resource["valueQuantity"]["value"] = "seventy-two"
    assert refused(resource).startswith("it is not a valid FHIR R4 Observation (valueQuantity.value")


@pytest.mark.parametrize(
    ("comparator", "below_15", "below_4", "above_3"),
    [
        (None, True, False, True),
        ("<", True, None, None),
        ("<=", True, None, None),
        (">", None, False, True),
        (">=", None, False, True),
    ],
)
def test_comparators_bound_the_value_and_never_equal_it(
    comparator: str | None, below_15: bool | None, below_4: bool | None, above_3: bool | None
) -> None:
    result = used(lab("ferritin", 5, "2026-11-10", comparator=comparator))
    assert result.comparator == comparator
    assert result.is_below(15) is below_15
    assert result.is_below(4) is below_4
    assert result.is_above(3) is above_3


def test_less_than_five_is_below_five() -> None:
    result = used(lab("ferritin", 5, "2026-11-10", comparator="<"))
    assert result.is_below(5) is True
    assert result.display() == "<5 µg/L"


def test_effective_time_prefers_datetime_then_period_start_then_issued() -> None:
    both = lab("mcv", 72, "2026-11-10T09:00:00Z", issued="2026-11-11T10:00:00Z")
    assert used(both).date == "2026-11-10"
    period = lab(
        "mcv", 72, None, effectivePeriod={"start": "2026-11-09T08:00:00Z"}, issued="2026-11-11T10:00:00Z"
    )
    assert used(period).date == "2026-11-09"
    issued = lab("mcv", 72, None, issued="2026-11-11T10:00:00Z")
    assert used(issued).date == "2026-11-11"


def test_a_partial_or_missing_date_is_refused() -> None:
    assert "no full effective date" in refused(lab("mcv", 72, "2026-11"))
    assert "no full effective date" in refused(lab("mcv", 72, None))


def test_a_date_after_the_request_is_refused() -> None:
    assert refused(lab("mcv", 72, "2026-11-23")) == "it is dated after the time of this request"


def test_the_labs_reference_range_and_flags_are_kept_in_canonical_units() -> None:
    result = used(lab("hemoglobin", 105, "2026-11-10", unit="g/L", low=120, high=155, flag="L"))
    assert result.low == pytest.approx(12.0)
    assert result.high == pytest.approx(15.5)
    assert result.reference_range() == "12–15.5"
    assert result.lab_flag() == "L"


def test_a_flag_is_read_from_the_range_when_the_lab_sends_none() -> None:
    assert used(lab("mcv", 72, "2026-11-10", low=80, high=100)).lab_flag() == "L"


def test_codes_are_matched_on_loinc_never_on_text() -> None:
    resource = lab("mcv", 72, "2026-11-10")
    resource["code"] = {"coding": [{"system": "http://example.org/local", "code": "787-2"}], "text": "MCV"}
    assert analyte_of(resource) is None
    for panel in ("58410-2", "50190-8"):
        resource["code"] = {"coding": [{"system": "http://loinc.org", "code": panel}]}
        assert analyte_of(resource) is None
    assert BY_CODE["59260-0"].key == "hemoglobin"


def test_fhir_r4_example_bundle_101_hemoglobin_reads_176_g_per_l_as_17_6_g_per_dl() -> None:
    bundle = json.loads((FHIR_EXAMPLES / "Bundle-101.json").read_text())
    raw = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "r1")
    analyte = analyte_of(raw)
    assert analyte is not None and analyte.key == "hemoglobin"
    measured = measure(validate_observation(raw), analyte)  # as the chart reads it
    assert isinstance(measured, Measurement)
    assert measured.value == pytest.approx(17.6)
    assert measured.low == pytest.approx(13.5)
    assert measured.high == pytest.approx(18.0)
    # The example Observation carries no date of its own, so it cannot be placed in a lookback window.
    result = read_observation(raw, analyte, "pat2", NOW)
    assert isinstance(result, Unused)
    assert result.reason == "it carries no full effective date or issued date"
    assert result.reported == "176 g/L"


def test_fhir_r4_example_f005_reads_g_dl_and_its_effective_period() -> None:
    raw = json.loads((FHIR_EXAMPLES / "Observation-f005.json").read_text())
    analyte = analyte_of(raw)
    assert analyte is not None
    result = read_observation(raw, analyte, "f001", datetime(2013, 5, 1, tzinfo=UTC))
    assert isinstance(result, LabResult), result
    assert result.value == pytest.approx(7.2)
    assert result.display() == "7.2 g/dL"
    assert result.when == datetime.fromisoformat("2013-04-05T10:30:10+01:00")
    assert result.reference_range() == "7.5–10"
    assert result.lab_flag() == "L"
    assert result.reported == "7.2 g/dl"
