"""The workup-order check never objects to a test the patient-view workup suggests for the same chart.

For every patient-view case of fixtures/cases, the orders its cards suggest (computed by the
app, never listed here) are placed as drafts, with the case's prefetch, in an order-select and
an order-sign request to the workup-order check: neither gets a card. A site that widens the
"recent" window past the workup's lookback is where the two could disagree (a ferritin too old
for the workup to use but recent to the check), so the agreement is checked there too.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.blueprint import EXTENSION_KEY
from service.app import create_app
from tests.paths import FIXTURES

PATIENT_VIEW_CASES = [
    path
    for path in sorted((FIXTURES / "cases").glob("*.json"))
    if json.loads(path.read_text()).get("service", "microcytosis-workup") == "microcytosis-workup"
]


def client_at(now: datetime, repeat_days: int) -> FlaskClient:
    app = create_app({"auth": {"enabled": False}, "workup": {"repeat_iron_studies_days": repeat_days}})
    app.extensions[EXTENSION_KEY].clock = lambda: now
    return app.test_client()


def suggested_drafts(client: FlaskClient, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Every order the patient-view cards suggest, as a draft with an id an order hook can name."""
    response = client.post("/cds-services/microcytosis-workup", json=request)
    assert response.status_code == 200
    drafts = []
    for card in response.get_json()["cards"]:
        for suggestion in card.get("suggestions", []):
            for action in suggestion["actions"]:
                if action["type"] == "create":
                    drafts.append({**action["resource"], "id": f"suggested-{len(drafts) + 1}"})
    return drafts


def as_order_hook(request: dict[str, Any], hook: str, drafts: list[dict[str, Any]]) -> dict[str, Any]:
    body = copy.deepcopy(request)
    body["hook"] = hook
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": d} for d in drafts]}
    if hook == "order-select":
        body["context"]["selections"] = [f"ServiceRequest/{d['id']}" for d in drafts]
    return body


@pytest.mark.parametrize("repeat_days", [30, 365], ids=["default-window", "window-past-the-lookback"])
def test_orders_the_workup_suggests_get_no_workup_order_check_card(repeat_days: int) -> None:
    placed = 0
    disagreements: list[str] = []
    for path in PATIENT_VIEW_CASES:
        case = json.loads(Path(path).read_text())
        client = client_at(datetime.fromisoformat(case["now"]), repeat_days)
        drafts = suggested_drafts(client, case["request"])
        if not drafts:
            continue
        placed += len(drafts)
        for hook, service in (
            ("order-select", "workup-order-check"),
            ("order-sign", "workup-order-check-sign"),
        ):
            response = client.post(
                f"/cds-services/{service}", json=as_order_hook(case["request"], hook, drafts)
            )
            assert response.status_code == 200, (path.stem, response.get_json())
            for card in response.get_json()["cards"]:
                disagreements.append(f"{path.stem} {service}: {card['summary']}")
    assert not disagreements
    assert placed >= 100  # the check saw many suggested orders, not none


def test_the_check_does_object_to_a_repeat_the_workup_does_not_suggest() -> None:
    """The agreement above is not silence: the same chart with a ferritin the workup used gets a card."""
    case = json.loads((FIXTURES / "cases" / "20-iron-deficiency-man.json").read_text())
    client = client_at(datetime.fromisoformat(case["now"]), 30)
    ferritin = {
        "resourceType": "ServiceRequest",
        "id": "repeat-ferritin",
        "status": "draft",
        "intent": "proposal",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4"}]},
    }
    assert all(
        d["code"].get("coding", [{}])[0].get("code") != "2276-4"
        for d in suggested_drafts(client, case["request"])
    )
    response = client.post(
        "/cds-services/workup-order-check-sign", json=as_order_hook(case["request"], "order-sign", [ferritin])
    )
    [card] = response.get_json()["cards"]
    assert card["source"]["topic"]["code"] == "iron-study-resulted-recently"
