"""The synthetic patients of fixtures/cases/: each request gets the findings and cards it expects.

One table-driven test calls the service handler directly (no HTTP), with the "now" each
case is written for, and checks the CDS Hooks invariants on every card it produces.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.models import SUMMARY_MAX_CHARS, Card, CDSRequest, CDSResponse
from cds_hooks.prefetch import read_prefetch
from cds_hooks.service import HookCall
from service.services import SERVICES
from service.workup import run_workup
from tests.paths import FIXTURES

CASES = sorted((FIXTURES / "cases").glob("*.json"))
SERVICE = next(s for s in SERVICES if s.id == "microcytosis-workup")


def load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    return case


def hook_call(case: dict[str, Any]) -> HookCall:
    request = CDSRequest.model_validate(case["request"])
    return HookCall(
        request=request,
        prefetch=read_prefetch(SERVICE.prefetch, request.prefetch),
        received_at=datetime.fromisoformat(case["now"]),
    )


def ordered_codes(card: Card) -> list[str]:
    """Each suggestion's order: its code, or its text when no verified code exists."""
    found = []
    for suggestion in card.suggestions or []:
        for action in suggestion.actions or []:
            code = (action.resource or {})["code"]
            codings = code.get("coding") or []
            found.append(codings[0]["code"] if codings else code["text"])
    return found


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
            order = action.resource or {}
            assert order["resourceType"] == "ServiceRequest"
            assert (order["status"], order["intent"]) == ("draft", "proposal")
            assert order["subject"] == {"reference": f"Patient/{patient_id}"}
            assert order["code"]["text"]


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = load(path)
    expect = case["expect"]
    call = hook_call(case)

    response = SERVICE(call)
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
        assert ordered_codes(card) == expected["orders"]
    assert len({c.uuid for c in cards}) == len(cards)
    for phrase in expect["detail_contains"]:
        assert phrase in (cards[0].detail or ""), phrase

    assert sorted(run_workup(call).findings.ids()) == expect["findings"]
