"""Request bodies, endpoints and answer comparisons the HTTP-level tests share."""

from __future__ import annotations

import json
from typing import Any

from tests.paths import FIXTURES

WORKUP = "/cds-services/microcytosis-workup"
IRON_CHECK = "/cds-services/iron-prescribing-check"
FEEDBACK = "/cds-services/microcytosis-workup/feedback"


def case_request(name: str) -> dict[str, Any]:
    request: dict[str, Any] = json.loads((FIXTURES / "cases" / f"{name}.json").read_text())["request"]
    return request


# Cases rather than the README's example, whose home and dates move with the README.
EXAMPLE = case_request("01-microcytic-anemia-no-ferritin")
ORDER_SELECT = case_request("79-order-select-thalassemia-trait-rxnorm")


def without_uuids(value: Any) -> Any:
    """Cards and suggestions without their uuids, which are new on every call."""
    if isinstance(value, list):
        return [without_uuids(item) for item in value]
    if isinstance(value, dict):
        return {key: without_uuids(item) for key, item in value.items() if key != "uuid"}
    return value
