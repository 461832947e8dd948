"""iron-prescribing-check: a malformed order-select context is refused by name; drafts are read leniently."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.errors import CDSHooksError
from cds_hooks.models import CDSResponse
from tests.clinical.builders import FERROUS_SULFATE, draft_medication, lab, order_select_request, patient
from tests.clinical.support import IRON_CHECK, call_of

CBC = "2026-11-10T09:00:00Z"
MAN_30 = patient("male", "1996-02-11")
THALASSEMIA_LABS = [
    lab("hemoglobin", 12.4, CBC),
    lab("mcv", 66, CBC),
    lab("rbc", 6.2, CBC),
    lab("ferritin", 80, CBC),
]


def iron_order(**context: Any) -> dict[str, Any]:
    body = order_select_request(
        patient_resource=MAN_30,
        observations=THALASSEMIA_LABS,
        drafts=[draft_medication("draft-iron", None, coding=FERROUS_SULFATE)],
        selections=["MedicationRequest/draft-iron"],
    )
    body["context"].update(context)
    return body


@pytest.mark.parametrize(
    ("member", "value", "field", "message"),
    [
        ("selections", "MedicationRequest/draft-iron", "context.selections", "must be a list of references"),
        ("selections", [42], "context.selections[0]", "must be a reference such as"),
        ("selections", ["draft-iron"], "context.selections[0]", "must be a reference such as"),
        (
            "draftOrders",
            [{"resourceType": "MedicationRequest"}],
            "context.draftOrders",
            "must be a FHIR Bundle",
        ),
        (
            "draftOrders",
            {"resourceType": "Bundle", "entry": {}},
            "context.draftOrders.entry",
            "must be a list",
        ),
    ],
)
def test_a_malformed_context_is_a_400_that_names_the_member(
    member: str, value: Any, field: str, message: str
) -> None:
    with pytest.raises(CDSHooksError) as refused:
        IRON_CHECK(call_of(iron_order(**{member: value})))
    assert refused.value.status == 400
    assert refused.value.field == field
    assert message in refused.value.message


def test_odd_bundle_entries_and_withdrawn_drafts_are_passed_over() -> None:
    withdrawn = draft_medication("draft-old", None, coding=FERROUS_SULFATE, status="entered-in-error")
    body = iron_order(
        selections=["MedicationRequest/draft-old", "MedicationRequest/missing", "ServiceRequest/lab-1"],
        draftOrders={
            "resourceType": "Bundle",
            "entry": ["not an entry", {"resource": None}, {"resource": withdrawn}],
        },
    )
    assert IRON_CHECK(call_of(body)).to_wire() == {"cards": []}


def test_an_absolute_selection_reference_names_the_same_draft() -> None:
    body = iron_order(selections=["https://ehr.invalid/fhir/MedicationRequest/draft-iron"])
    [card] = IRON_CHECK(call_of(body)).cards
    [suggestion] = card.suggestions or []
    [action] = suggestion.actions or []
    assert (action.type, action.resourceId) == ("delete", "MedicationRequest/draft-iron")


def test_the_card_keeps_what_could_not_be_checked() -> None:
    body = iron_order()
    body["prefetch"]["Condition"] = {"resourceType": "OperationOutcome", "issue": [{"code": "timeout"}]}
    [card] = IRON_CHECK(call_of(body)).cards
    assert "Condition (the client reported a prefetch error)" in (card.detail or "")


def test_discovery_lists_the_check_on_order_select(client: FlaskClient) -> None:
    services = {s["id"]: s for s in client.get("/cds-services").get_json()["services"]}
    check = services["iron-prescribing-check"]
    assert check["hook"] == "order-select"
    assert check["prefetch"]["Patient"] == "Patient/{{context.patientId}}"
    assert "http://loinc.org|2276-4" in check["prefetch"]["Observation"]
    assert "MedicationStatement" in services["microcytosis-workup"]["prefetch"]


def test_over_http_the_card_deletes_the_draft(client: FlaskClient) -> None:
    response = client.post("/cds-services/iron-prescribing-check", json=iron_order())
    assert response.status_code == 200
    body = response.get_json()
    CDSResponse.model_validate(body)
    [card] = body["cards"]
    assert card["indicator"] == "warning"
    assert card["suggestions"][0]["actions"] == [
        {
            "type": "delete",
            "description": "Remove the draft order ferrous sulfate 325 MG Oral Tablet",
            "resourceId": "MedicationRequest/draft-iron",
        }
    ]


def test_over_http_a_request_without_draft_orders_is_a_400(client: FlaskClient) -> None:
    body = iron_order()
    del body["context"]["draftOrders"]
    response = client.post("/cds-services/iron-prescribing-check", json=body)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["context.draftOrders"]


def test_over_http_a_malformed_selection_is_a_400_not_a_crash(client: FlaskClient) -> None:
    response = client.post("/cds-services/iron-prescribing-check", json=iron_order(selections=[{"id": 1}]))
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["context.selections[0]"]
