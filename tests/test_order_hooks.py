"""order-sign and the workup-order check, end to end through the app (issue 14).

The requests are shaped as the CDS Hooks sandbox sends them: a draftOrders Bundle without
``type``, and drafts that put an object where R4 has a list (``dosageInstruction``,
``category``, ``coding``). The service reads what it can read and answers with cards; it
refuses with 400 only a member it reads that has the wrong type.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.models import CDSResponse
from tests.clinical.builders import (
    FERROUS_SULFATE,
    draft_medication,
    draft_test,
    lab,
    medication_request,
    order_hook_request,
    patient,
)

IRON_SIGN = "/cds-services/iron-prescribing-check-sign"
ORDER_CHECK = "/cds-services/workup-order-check"
ORDER_CHECK_SIGN = "/cds-services/workup-order-check-sign"
CBC = "2026-11-10T09:00:00Z"  # the clock of the test client is 2026-11-21
TEN_DAYS_AGO = "2026-11-11T09:00:00Z"
MAN_30 = patient("male", "1996-02-11")
WOMAN_47 = patient("female", "1979-05-05")
THALASSEMIA_LABS = [
    lab("hemoglobin", 12.4, CBC),
    lab("mcv", 66, CBC),
    lab("rbc", 6.2, CBC),
    lab("ferritin", 80, CBC),
]
MICROCYTIC_ANEMIA = [lab("hemoglobin", 10.9, CBC), lab("mcv", 72, CBC)]


def sandbox_iron() -> dict[str, Any]:
    """The sandbox's Rx Sign draft: dosageInstruction and category objects, not lists."""
    return draft_medication(
        "request-123",
        "ferrous sulfate 325 MG Oral Tablet",
        coding=FERROUS_SULFATE,
        category={"coding": [{"code": "community"}], "text": "Community"},
        dosageInstruction={
            "text": "1 tablet by mouth once daily",
            "route": {"text": "Oral"},
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        },
    )


def ferritin_draft(rid: str = "draft-ferritin") -> dict[str, Any]:
    return draft_test(rid, "2276-4", category={"coding": [{"code": "108252007"}]})


def answered(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    CDSResponse.model_validate(body)
    cards: list[dict[str, Any]] = body["cards"]
    return cards


def deletes(card: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["type"], a["resourceId"]) for s in card.get("suggestions", []) for a in s["actions"]]


def test_a_sandbox_order_sign_for_iron_in_a_thalassemia_pattern_gets_the_warning(client: FlaskClient) -> None:
    body = order_hook_request(
        "order-sign", drafts=[sandbox_iron()], patient_resource=MAN_30, observations=THALASSEMIA_LABS
    )
    assert "type" not in body["context"]["draftOrders"] and "selections" not in body["context"]
    [card] = answered(client.post(IRON_SIGN, json=body))
    assert card["indicator"] == "warning"
    assert card["source"]["topic"]["code"] == "iron-with-thalassemia-trait"
    assert deletes(card) == [("delete", "MedicationRequest/request-123")]
    assert card["overrideReasons"][0]["code"] == "iron-deficiency-confirmed-otherwise"


def test_the_sandbox_iron_draft_is_read_on_order_select_too(client: FlaskClient) -> None:
    body = order_hook_request(
        "order-select",
        drafts=[sandbox_iron()],
        selections=["MedicationRequest/request-123"],
        patient_resource=MAN_30,
        observations=THALASSEMIA_LABS,
    )
    [card] = answered(client.post("/cds-services/iron-prescribing-check", json=body))
    assert deletes(card) == [("delete", "MedicationRequest/request-123")]


def test_order_sign_judges_every_draft_and_reads_no_selections(client: FlaskClient) -> None:
    second = draft_medication("request-456", "Ferrous gluconate 324 MG Oral Tablet")
    body = order_hook_request(
        "order-sign", drafts=[sandbox_iron(), second], patient_resource=MAN_30, observations=THALASSEMIA_LABS
    )
    body["context"]["selections"] = "not a list: order-sign defines none"
    [card] = answered(client.post(IRON_SIGN, json=body))
    assert deletes(card) == [
        ("delete", "MedicationRequest/request-123"),
        ("delete", "MedicationRequest/request-456"),
    ]
    assert "Iron in this order: " in card["detail"]
    assert "Ferrous gluconate 324 MG Oral Tablet" in card["detail"]


def test_a_ferritin_reordered_ten_days_after_one_gets_the_card_with_its_delete(client: FlaskClient) -> None:
    observations = [*MICROCYTIC_ANEMIA, lab("ferritin", 35, TEN_DAYS_AGO)]
    for path, hook, selections in (
        (ORDER_CHECK, "order-select", ["ServiceRequest/draft-ferritin"]),
        (ORDER_CHECK_SIGN, "order-sign", None),
    ):
        body = order_hook_request(
            hook,
            drafts=[ferritin_draft()],
            selections=selections,
            patient_resource=WOMAN_47,
            observations=observations,
        )
        [card] = answered(client.post(path, json=body))
        assert card["source"]["topic"]["code"] == "iron-study-resulted-recently"
        assert "35 µg/L on 2026-11-11" in card["summary"]
        assert "Ferritin 35 µg/L on 2026-11-11" in card["detail"]
        assert card["suggestions"][0]["actions"] == [
            {
                "type": "delete",
                "description": "Remove the draft order Ferritin",
                "resourceId": "ServiceRequest/draft-ferritin",
            }
        ]
        # No verified code reads a transfusion or a bleed: the card says so, and offers the override.
        assert "a transfusion or bleeding is not (no verified code for either)" in card["detail"]
        assert card["overrideReasons"][0]["code"] == "transfusion-or-bleeding-since"


def test_a_ferritin_for_a_microcytic_count_with_none_on_file_gets_no_card(client: FlaskClient) -> None:
    body = order_hook_request(
        "order-sign", drafts=[ferritin_draft()], patient_resource=WOMAN_47, observations=MICROCYTIC_ANEMIA
    )
    assert answered(client.post(ORDER_CHECK_SIGN, json=body)) == []


@pytest.mark.parametrize(
    "since",
    [
        {"medications": [medication_request(None, coding=FERROUS_SULFATE, authored="2026-11-14")]},
        {"medications": [medication_request("ferric carboxymaltose injection")]},  # start not recorded
    ],
    ids=["iron-started", "iron-start-unknown"],
)
def test_iron_since_silences_the_repeat(client: FlaskClient, since: dict[str, Any]) -> None:
    body = order_hook_request(
        "order-sign",
        drafts=[ferritin_draft()],
        patient_resource=WOMAN_47,
        observations=[*MICROCYTIC_ANEMIA, lab("ferritin", 35, TEN_DAYS_AGO)],
        **since,
    )
    assert answered(client.post(ORDER_CHECK_SIGN, json=body)) == []


def test_a_draft_matched_only_by_its_display_gets_no_card(client: FlaskClient) -> None:
    draft = ferritin_draft()
    draft["code"] = {"text": "Ferritin", "coding": [{"display": "Ferritin [Mass/volume] in Serum or Plasma"}]}
    body = order_hook_request(
        "order-sign",
        drafts=[draft],
        patient_resource=WOMAN_47,
        observations=[*MICROCYTIC_ANEMIA, lab("ferritin", 35, TEN_DAYS_AGO)],
    )
    assert answered(client.post(ORDER_CHECK_SIGN, json=body)) == []


def test_a_sandbox_service_request_with_objects_for_lists_is_read(client: FlaskClient) -> None:
    draft = ferritin_draft()
    draft["code"] = {"coding": {"system": "http://loinc.org", "code": "2276-4"}}
    draft["reasonCode"] = {"text": "fatigue"}  # not read: any shape passes
    body = order_hook_request(
        "order-sign",
        drafts=[draft],
        patient_resource=WOMAN_47,
        observations=[*MICROCYTIC_ANEMIA, lab("ferritin", 35, TEN_DAYS_AGO)],
    )
    [card] = answered(client.post(ORDER_CHECK_SIGN, json=body))
    assert deletes(card) == [("delete", "ServiceRequest/draft-ferritin")]


@pytest.mark.parametrize(
    ("member", "value", "field"),
    [
        ("status", {"code": "draft"}, "context.draftOrders.entry[0].resource.status"),
        (
            "code",
            {"coding": [{"system": 5, "code": "2276-4"}]},
            "context.draftOrders.entry[0].resource.code.coding[0].system",
        ),
        ("subject", "Patient/example-patient", "context.draftOrders.entry[0].resource.subject"),
    ],
)
def test_a_member_read_of_the_wrong_type_is_a_400_naming_it(
    client: FlaskClient, member: str, value: Any, field: str
) -> None:
    draft = ferritin_draft()
    draft[member] = value
    body = order_hook_request(
        "order-sign", drafts=[draft], patient_resource=WOMAN_47, observations=MICROCYTIC_ANEMIA
    )
    response = client.post(ORDER_CHECK_SIGN, json=body)
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [field]


def test_order_sign_without_draft_orders_is_a_400(client: FlaskClient) -> None:
    body = order_hook_request("order-sign", drafts=[ferritin_draft()], patient_resource=WOMAN_47)
    del body["context"]["draftOrders"]
    for path in (ORDER_CHECK_SIGN, IRON_SIGN):
        response = client.post(path, json=copy.deepcopy(body))
        assert response.status_code == 400
        assert response.get_json()["issue"][0]["expression"] == ["context.draftOrders"]


def test_an_order_select_request_sent_to_the_signing_service_is_a_400(client: FlaskClient) -> None:
    body = order_hook_request(
        "order-select", drafts=[ferritin_draft()], selections=["ServiceRequest/draft-ferritin"]
    )
    response = client.post(ORDER_CHECK_SIGN, json=body)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["hook"]


def test_an_hb_hplc_repeat_is_right_after_iron_repletion_and_wasted_otherwise(client: FlaskClient) -> None:
    woman = patient("female", "1992-03-14")
    count = [
        lab("hemoglobin", 11.6, CBC),
        lab("mcv", 71, CBC),
        lab("rbc", 5.6, CBC),
        lab("ferritin", 60, CBC),
    ]
    old_hba2 = lab("hba2", 2.4, "2026-03-02T09:00:00Z")
    deficient_then = lab("ferritin", 6, "2026-03-02T09:00:00Z")
    repeat = {"drafts": [draft_test("draft-hplc", "43113-0")], "patient_resource": woman}
    after_repletion = order_hook_request(
        "order-sign", observations=[old_hba2, deficient_then, *count], **repeat
    )
    assert answered(client.post(ORDER_CHECK_SIGN, json=after_repletion)) == []
    replete_then = order_hook_request("order-sign", observations=[old_hba2, *count], **repeat)
    [card] = answered(client.post(ORDER_CHECK_SIGN, json=replete_then))
    assert card["source"]["topic"]["code"] == "hb-analysis-already-resulted"
    assert "HbA2 2.4 %" in card["detail"] and "2026-03-02" in card["detail"]


def test_discovery_lists_both_services_of_each_check(client: FlaskClient) -> None:
    services = {s["id"]: s for s in client.get("/cds-services").get_json()["services"]}
    assert {i: services[i]["hook"] for i in services} == {
        "microcytosis-workup": "patient-view",
        "iron-prescribing-check": "order-select",
        "iron-prescribing-check-sign": "order-sign",
        "workup-order-check": "order-select",
        "workup-order-check-sign": "order-sign",
    }
    assert (
        services["iron-prescribing-check-sign"]["prefetch"] == services["iron-prescribing-check"]["prefetch"]
    )
    check = services["workup-order-check-sign"]["prefetch"]
    assert check == services["workup-order-check"]["prefetch"]
    assert check == services["microcytosis-workup"]["prefetch"]  # the same chart as the patient-view workup
