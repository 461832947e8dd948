"""Which drafts an order hook judges: the selected ones on order-select, all of them on order-sign."""

from __future__ import annotations

from typing import Any

import pytest

from cds_hooks.orders import drafts_to_judge


def context(**members: Any) -> dict[str, Any]:
    entries = [{"resource": {"resourceType": "ServiceRequest", "id": rid}} for rid in ("a", "b", "c")]
    return {
        "draftOrders": {"resourceType": "Bundle", "entry": entries},
        **members,
    }  # no "type", as the sandbox


def test_order_select_judges_the_selected_drafts_once_each_in_selection_order() -> None:
    chosen = context(
        selections=["ServiceRequest/c", "ServiceRequest/a", "ServiceRequest/c", "ServiceRequest/x"]
    )
    assert [d.reference for d in drafts_to_judge("order-select", chosen)] == [
        "ServiceRequest/c",
        "ServiceRequest/a",
    ]


def test_order_sign_judges_every_draft_and_never_reads_selections() -> None:
    for extra in ({}, {"selections": ["ServiceRequest/a"]}, {"selections": 5}):
        judged = drafts_to_judge("order-sign", context(**extra))
        assert [d.reference for d in judged] == ["ServiceRequest/a", "ServiceRequest/b", "ServiceRequest/c"]


def test_another_hook_has_no_drafts_to_judge() -> None:
    with pytest.raises(ValueError, match="not an order hook"):
        drafts_to_judge("patient-view", context())
