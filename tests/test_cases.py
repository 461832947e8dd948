"""The synthetic patients of fixtures/cases/: each request gets the findings and cards it expects.

One table-driven test calls the service handler directly (no HTTP), with the "now" each
case is written for, and checks the CDS Hooks invariants on every card it produces. A case
names its service (the patient-view workup unless it says otherwise): the order-select and
order-sign cases go to the iron-prescribing or the workup-order check.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.models import SUMMARY_MAX_CHARS, Card, CDSRequest, CDSResponse
from cds_hooks.orders import drafts_to_judge
from cds_hooks.prefetch import read_prefetch
from cds_hooks.service import CDSService, HookCall
from service.services import SERVICES
from service.workup import run_workup
from tests.paths import FIXTURES

CASES = sorted((FIXTURES / "cases").glob("*.json"))
BY_ID = {s.id: s for s in SERVICES}
DEFAULT_SERVICE = "microcytosis-workup"


def load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    return case


def service_of(case: dict[str, Any]) -> CDSService:
    return BY_ID[case.get("service", DEFAULT_SERVICE)]


def hook_call(case: dict[str, Any]) -> HookCall:
    request = CDSRequest.model_validate(case["request"])
    return HookCall(
        request=request,
        prefetch=read_prefetch(service_of(case).prefetch, request.prefetch),
        received_at=datetime.fromisoformat(case["now"]),
    )


def ordered_codes(card: Card) -> list[str]:
    """Each suggestion's order: its code, or its text when none is verified; "delete <id>" for a removal."""
    found = []
    for suggestion in card.suggestions or []:
        for action in suggestion.actions or []:
            if action.type == "delete":
                found.append(f"delete {action.resourceId}")
                continue
            code = (action.resource or {})["code"]
            codings = code.get("coding") or []
            found.append(codings[0]["code"] if codings else code["text"])
    return found


def check_removals(card: Card, call: HookCall, service: CDSService) -> None:
    """A removal deletes a judged draft (selected, or at signing any), with its service's override reasons."""
    judged = {draft.reference for draft in drafts_to_judge(call.request.hook, call.context)}
    for suggestion in card.suggestions or []:
        for action in suggestion.actions or []:
            assert action.type == "delete" and action.resource is None
            assert action.resourceId in judged
            assert suggestion.label.startswith("Remove the draft order")
    assert tuple(card.overrideReasons or ()) == service.override_reasons


def check_invariants(card: Card, patient_id: str) -> None:
    assert len(card.summary) <= SUMMARY_MAX_CHARS
    assert card.uuid and card.source.url and card.source.topic
    assert card.source.topic.system == "urn:microcyte:codesystem:rule"
    assert card.overrideReasons and all(reason.display for reason in card.overrideReasons)
    if card.suggestions:
        assert card.selectionBehavior == "any"
        assert len({s.uuid for s in card.suggestions}) == len(card.suggestions)
    for suggestion in card.suggestions or []:
        for action in suggestion.actions or []:
            if action.type == "delete":
                continue
            order = action.resource or {}
            assert order["resourceType"] == "ServiceRequest"
            assert (order["status"], order["intent"]) == ("draft", "proposal")
            assert order["subject"] == {"reference": f"Patient/{patient_id}"}
            assert order["code"]["text"]


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 70
    services = {load(path).get("service", DEFAULT_SERVICE) for path in CASES}
    assert services == set(BY_ID)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = load(path)
    expect = case["expect"]
    call = hook_call(case)

    response = service_of(case)(call)
    wire = response.to_wire()
    CDSResponse.model_validate(wire)  # what goes over the wire is valid CDS Hooks
    if not expect["cards"]:
        assert wire == {"cards": []}

    cards = response.cards
    assert [(c.source.topic.code if c.source.topic else None, c.indicator) for c in cards] == [
        (e["rule"], e["indicator"]) for e in expect["cards"]
    ]
    for card, expected in zip(cards, expect["cards"], strict=True):
        check_invariants(card, call.context["patientId"])
        if call.request.hook in ("order-select", "order-sign"):
            check_removals(card, call, service_of(case))
        assert ordered_codes(card) == expected["orders"]
        for phrase in expected.get("detail", []):
            assert phrase in (card.detail or ""), phrase
    assert len({c.uuid for c in cards}) == len(cards)
    for phrase in expect["detail_contains"]:
        assert phrase in (cards[0].detail or ""), phrase

    assert sorted(run_workup(call).findings.ids()) == expect["findings"]
