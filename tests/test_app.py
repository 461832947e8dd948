"""The Microcyte app as an EHR sees it: discovery, the first workup card, realistic requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.models import CDSResponse
from tests.paths import AHRQ_REQUESTS, EXAMPLE_REQUEST

EXAMPLE = EXAMPLE_REQUEST


def example() -> dict[str, Any]:
    body: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return body


def test_discovery_registers_the_microcytosis_workup(client: FlaskClient) -> None:
    services = {s["id"]: s for s in client.get("/cds-services").get_json()["services"]}
    workup = services["microcytosis-workup"]
    assert workup["hook"] == "patient-view"
    assert workup["prefetch"]["Patient"] == "Patient/{{context.patientId}}"
    assert "718-7" in workup["prefetch"]["Observation"]
    assert "787-2" in workup["prefetch"]["Observation"]
    assert "_sort=-date" in workup["prefetch"]["Observation"]


def test_microcytosis_without_ferritin_suggests_ferritin_and_crp(client: FlaskClient) -> None:
    response = client.post("/cds-services/microcytosis-workup", json=example())
    assert response.status_code == 200
    body = response.get_json()
    CDSResponse.model_validate(body)
    [card] = body["cards"]
    assert card["indicator"] == "info"
    assert "ferritin" in card["summary"].lower()
    assert "72" in card["detail"] and "fL" in card["detail"]
    assert "21121557" in card["source"]["url"]
    orders = [
        action["resource"]
        for suggestion in card["suggestions"]
        for action in suggestion["actions"]
        if action["type"] == "create"
    ]
    codes = {coding["code"] for order in orders for coding in order["code"]["coding"]}
    assert {"2276-4", "1988-5"} <= codes
    for order in orders:
        assert order["resourceType"] == "ServiceRequest"
        assert order["status"] == "draft"
        assert order["intent"] == "proposal"
        assert order["subject"] == {"reference": f"Patient/{example()['context']['patientId']}"}


def test_a_normal_cbc_gets_no_cards(client: FlaskClient) -> None:
    body = example()
    for entry in body["prefetch"]["Observation"]["entry"]:
        code = entry["resource"]["code"]["coding"][0]["code"]
        quantity = entry["resource"]["valueQuantity"]
        quantity["value"] = {"787-2": 90, "718-7": 13.5, "785-6": 30, "786-4": 33}.get(
            code, quantity["value"]
        )
    response = client.post("/cds-services/microcytosis-workup", json=body)
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


@pytest.mark.parametrize(
    "name", sorted(p.name for p in AHRQ_REQUESTS.glob("*.json") if p.name != "feedback.json")
)
def test_realistic_synthea_requests_are_answered_calmly(client: FlaskClient, name: str) -> None:
    response = client.post(
        "/cds-services/microcytosis-workup", json=json.loads((AHRQ_REQUESTS / name).read_text())
    )
    assert response.status_code == 200
    assert response.get_json() == {"cards": []}


def test_a_request_without_the_patient_and_no_fhir_server_is_412(client: FlaskClient) -> None:
    body = example()
    del body["prefetch"]["Patient"]
    response = client.post("/cds-services/microcytosis-workup", json=body)
    assert response.status_code == 412
    assert response.get_json()["issue"][0]["expression"] == ["prefetch.Patient"]
