"""The whole workup without HTTP: patientId, realistic requests without labs, explain, settings."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cds_hooks.errors import CDSHooksError
from cds_hooks.service import HookCall
from service.explain import explain
from service.services import configured
from service.workup import run_workup
from service.workup_settings import WorkupSettings
from tests.clinical.builders import lab, patient, request
from tests.clinical.support import SERVICE, call_of
from tests.paths import AHRQ_REQUESTS, FIXTURES

CBC = "2026-11-10T09:00:00Z"


def case_call(name: str) -> HookCall:
    case = json.loads((FIXTURES / "cases" / f"{name}.json").read_text())
    return call_of(case["request"], datetime.fromisoformat(case["now"]))


@pytest.mark.parametrize("patient_id", [None, 42, ""])
def test_a_missing_or_non_string_patient_id_is_a_400(patient_id: object) -> None:
    body = request(observations=[lab("mcv", 70, CBC)])
    body["context"]["patientId"] = patient_id
    with pytest.raises(CDSHooksError) as refused:
        SERVICE(call_of(body))
    assert refused.value.status == 400
    assert refused.value.field == "context.patientId"
    assert refused.value.message == "context.patientId is required for patient-view"


@pytest.mark.parametrize(
    "path", sorted(p for p in AHRQ_REQUESTS.glob("*.json") if p.name != "feedback.json"), ids=lambda p: p.stem
)
def test_synthea_requests_without_labs_get_no_card(path: Path) -> None:
    assert SERVICE(call_of(json.loads(path.read_text()))).to_wire() == {"cards": []}


def test_the_fhir_r4_example_bundle_as_prefetch_is_read_but_undated() -> None:
    bundle = json.loads((FIXTURES / "external" / "fhir-r4-examples" / "Bundle-101.json").read_text())
    body = request(patient_resource=patient("male", "1960-01-01", pid="pat2"), patient_id="pat2")
    body["prefetch"]["Observation"] = bundle
    workup = run_workup(call_of(body))
    assert workup.cards == ()
    hemoglobin = next(u for u in workup.labs.unused if u.name == "Hemoglobin")
    assert hemoglobin.reported == "176 g/L"
    assert hemoglobin.reason == "it carries no full effective date or issued date"


def test_an_incomplete_observation_search_is_said_in_the_card() -> None:
    body = request(patient_resource=patient("female", "1992-03-14"), observations=[lab("mcv", 72, CBC)])
    body["prefetch"]["Observation"]["link"] = [{"relation": "next", "url": "http://127.0.0.1:9/fhir?page=2"}]
    [card] = SERVICE(call_of(body)).cards
    assert (
        "Observation (further pages of the search were not retrieved): lab results were only partly checked"
        in (card.detail or "")
    )


def test_explain_tells_labs_context_findings_and_rules() -> None:
    text = explain(case_call("10-ferritin-unknown-unit"))
    assert "Lab results used (canonical units)" in text
    assert "MCV: 72 fL on 2026-11-10" in text
    assert "not used, because its unit 'mg' is not one Microcyte converts for Ferritin" in text
    assert "female; 34 y on 2026-11-10; premenopausal" in text
    assert "[microcytosis] Microcytosis: MCV 72 fL is below 80 fL (AAFP 2010, adults)." in text
    assert "no-ferritin (info) -> card 1:" in text
    assert "suggests: Ferritin (LOINC 2276-4)" in text


def test_explain_of_a_normal_blood_count_says_no_card() -> None:
    text = explain(case_call("02-normal-cbc"))
    assert 'none: the answer is "cards": []' in text


def test_explain_marks_rules_beyond_the_card_limit() -> None:
    text = explain(case_call("47-warnings-before-info"), WorkupSettings(max_cards=2))
    assert "hba2-while-iron-deficient (info) -> no card (only 2 cards are sent)" in text


def test_the_card_limit_and_menopause_age_are_settings() -> None:
    service, *_ = configured(WorkupSettings(max_cards=2))
    assert len(service(case_call("47-warnings-before-info")).cards) == 2
    later, *_ = configured(WorkupSettings(postmenopausal_age=60))
    [card] = later(case_call("22-postmenopausal-by-age")).cards
    assert card.source.topic is not None and card.source.topic.code == "iron-deficiency-premenopausal"


def test_each_card_and_suggestion_gets_a_fresh_uuid() -> None:
    call = case_call("20-iron-deficiency-man")
    first, second = SERVICE(call).cards[0], SERVICE(call).cards[0]
    assert first.uuid != second.uuid
    assert {s.uuid for s in first.suggestions or []}.isdisjoint({s.uuid for s in second.suggestions or []})


def test_the_discovery_prefetch_asks_for_every_code_the_workup_reads() -> None:
    query = SERVICE.prefetch["Observation"].query
    for code in ("718-7", "787-2", "2276-4", "1988-5", "4551-8", "82810-3", "31017-7", "751-8", "2532-0"):
        assert f"http://loinc.org|{code}" in query
    assert "_sort=-date" in query and "_count=500" in query
    assert SERVICE.prefetch["Patient"].required
    assert not SERVICE.prefetch["ServiceRequest"].required
    assert (
        SERVICE.prefetch["MedicationStatement"].query == "MedicationStatement?patient={{context.patientId}}"
    )
    assert not SERVICE.prefetch["MedicationStatement"].required


def test_data_from_outside_cannot_inject_markdown() -> None:
    body = request(
        patient_resource=patient("female", "1992-03-14"),
        observations=[lab("mcv", 72, CBC), lab("ferritin", 8, CBC, unit="<b>|x")],
    )
    [card] = SERVICE(call_of(body)).cards
    assert "'\\<b\\>\\|x'" in (card.detail or "")
