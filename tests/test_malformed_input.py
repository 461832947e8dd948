"""Client JSON of the wrong shape, through the app: a 4xx that names the field, or the key set aside.

Each of these once answered 500 (issue 11): the value reached code that assumed its type.
A malformed prefetch key is set aside like a key the client could not prefetch (fetched, or
412 when required and unfetchable); a malformed draft order or feedback item is refused
with 400 naming the field.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.models import CDSResponse
from service.app import SINKS_KEY
from tests.bodies import EXAMPLE, FEEDBACK, IRON_CHECK, ORDER_SELECT, WORKUP

CARD = "3f5e0a8c-6f1b-4d5e-9c1a-2b7d8e9f0a1b"


def workup_body() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE)


def order_select_body() -> dict[str, Any]:
    return copy.deepcopy(ORDER_SELECT)


def draft(body: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = body["context"]["draftOrders"]["entry"][0]["resource"]
    return resource


def expression(response: Any) -> list[str]:
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0].get("expression", [])  # type: ignore[no-any-return]


def answered(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    CDSResponse.model_validate(body)
    return body


@pytest.mark.parametrize("member", ["entry", "link"])
def test_an_optional_bundle_of_the_wrong_shape_is_set_aside(client: FlaskClient, member: str) -> None:
    body = workup_body()
    body["prefetch"]["Condition"][member] = 5
    [card] = answered(client.post(WORKUP, json=body))["cards"]
    assert f"prefetch.Condition.{member}" in card["detail"]  # the card says what it could not use


@pytest.mark.parametrize(
    ("member", "value", "field"),
    [
        ("entry", 5, "prefetch.Patient.entry"),
        ("entry", [{"resource": 5}], "prefetch.Patient.entry[0].resource"),
        ("link", 5, "prefetch.Patient.link"),
        ("link", [{"relation": "next", "url": 7}], "prefetch.Patient.link[0].url"),
    ],
)
def test_a_required_bundle_of_the_wrong_shape_is_412_naming_it(
    client: FlaskClient, member: str, value: Any, field: str
) -> None:
    body = workup_body()
    body["prefetch"]["Patient"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": body["prefetch"]["Patient"]}],
        member: value,
    }
    response = client.post(WORKUP, json=body)
    assert response.status_code == 412
    assert expression(response) == ["prefetch.Patient"]
    assert field in response.get_json()["issue"][0]["diagnostics"]


def test_an_operation_outcome_whose_issue_is_not_a_list_still_marks_the_key_unavailable(
    client: FlaskClient,
) -> None:
    body = workup_body()
    body["prefetch"]["Condition"] = {"resourceType": "OperationOutcome", "issue": 5}
    [card] = answered(client.post(WORKUP, json=body))["cards"]
    assert "Condition (the client reported a prefetch error)" in card["detail"]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("status",), {}, "context.draftOrders.entry[0].resource.status"),
        (
            ("medicationCodeableConcept", "coding"),
            5,
            "context.draftOrders.entry[0].resource.medicationCodeableConcept.coding",
        ),
        (
            ("medicationCodeableConcept", "coding"),
            [{"system": 5, "code": "310325"}],
            "context.draftOrders.entry[0].resource.medicationCodeableConcept.coding[0].system",
        ),
        (("subject",), "Patient/example-patient", "context.draftOrders.entry[0].resource.subject"),
        (("medicationReference",), [], "context.draftOrders.entry[0].resource.medicationReference"),
        (("dosageInstruction",), 5, "context.draftOrders.entry[0].resource.dosageInstruction"),
        (
            ("contained",),
            [{"resourceType": 5}],
            "context.draftOrders.entry[0].resource.contained[0].resourceType",
        ),
    ],
)
def test_a_draft_order_of_the_wrong_shape_is_400_naming_the_field(
    client: FlaskClient, path: tuple[str, ...], value: Any, field: str
) -> None:
    body = order_select_body()
    target = draft(body)
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    response = client.post(IRON_CHECK, json=body)
    assert response.status_code == 400
    assert expression(response) == [field]


def feedback_item(timestamp: str) -> dict[str, Any]:
    return {
        "card": CARD,
        "outcome": "overridden",
        "overrideReason": {"userComment": "no"},
        "outcomeTimestamp": timestamp,
    }


@pytest.mark.parametrize(
    "timestamp",
    [
        "0001-01-01T00:00:00+14:00",  # 0000-12-31T10:00:00Z
        "9999-12-31T23:59:59-01:00",  # 10000-01-01T00:59:59Z
        "0000-01-01T00:00:00Z",
    ],
)
def test_a_feedback_time_outside_the_representable_range_is_400_naming_it(
    client: FlaskClient, timestamp: str
) -> None:
    response = client.post(FEEDBACK, json={"feedback": [feedback_item(timestamp)]})
    assert response.status_code == 400
    assert expression(response) == ["feedback.0.outcomeTimestamp"]


@pytest.mark.parametrize(
    ("timestamp", "utc"),
    [
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00-14:00", datetime(1, 1, 1, 14, tzinfo=UTC)),
        ("9999-12-31T23:59:59+01:00", datetime(9999, 12, 31, 22, 59, 59, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),  # leap second
        ("2017-01-01T08:59:60.5+09:00", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("9999-12-31T23:59:60Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-11-21T12:00:00-00:00", datetime(2026, 11, 21, 12, tzinfo=UTC)),  # UTC, local offset unknown
        ("2026-11-21t12:00:00z", datetime(2026, 11, 21, 12, tzinfo=UTC)),  # RFC 3339 allows lower case
        ("2026-11-21T12:00:00.123456789Z", datetime(2026, 11, 21, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-21T13:30:00+01:30", datetime(2026, 11, 21, 12, tzinfo=UTC)),
    ],
)
def test_a_feedback_time_anywhere_in_range_is_stored_in_utc(
    client: FlaskClient, timestamp: str, utc: datetime
) -> None:
    response = client.post(FEEDBACK, json={"feedback": [feedback_item(timestamp)]})
    assert response.status_code == 200, response.get_data(as_text=True)
    [stored] = client.application.extensions[SINKS_KEY].store.final_outcomes()
    assert stored.outcome_at == utc


@pytest.mark.parametrize("body", [b"", b" ", b"\r\n\t ", b"\x0b\x0c"])
def test_an_empty_or_blank_body_is_400_saying_so(client: FlaskClient, body: bytes) -> None:
    response = client.post("/cds-services/microcytosis-workup", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "the request body is empty" in response.get_json()["issue"][0]["diagnostics"]


def test_a_body_that_only_starts_blank_is_read_as_json(client: FlaskClient) -> None:
    response = client.post(
        "/cds-services/microcytosis-workup", data=b"\n  [1]", content_type="application/json"
    )
    assert response.status_code == 400
    assert "must be a JSON object" in response.get_json()["issue"][0]["diagnostics"]
