"""Feedback text a database cannot hold is refused by name, on every database, rather than retried forever.

PostgreSQL stores no NUL character in text; a feedback item holding one would fail to store
on every attempt, so the client, told 503 "send it again", would resend it forever.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.app import create_app

FEEDBACK = "/cds-services/microcytosis-workup/feedback"
CARD = "9368d37b-283f-44a0-93ea-547cebab93ed"


def item(**changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "card": CARD,
        "outcome": "overridden",
        "overrideReason": {
            "reason": {"system": "urn:example:reasons", "code": "d7ecf885", "display": "Done"}
        },
        "outcomeTimestamp": "2026-11-21T12:00:00Z",
    }
    found.update(changes)
    return found


@pytest.mark.parametrize(
    ("feedback", "field"),
    [
        (
            item(overrideReason={"reason": {"system": "urn:example:reasons", "code": "d7\x00"}}),
            "feedback.0.overrideReason.reason.code",
        ),
        (
            item(overrideReason={"reason": {"system": "urn:\x00", "code": "d7"}}),
            "feedback.0.overrideReason.reason.system",
        ),
        (
            item(overrideReason={"reason": {"system": "urn:x", "code": "d7", "display": "\x00"}}),
            "feedback.0.overrideReason.reason.display",
        ),
    ],
)
def test_a_nul_in_stored_feedback_text_is_400_naming_it(
    database_url: str, feedback: dict[str, Any], field: str
) -> None:
    body = {"feedback": [{k: v for k, v in feedback.items() if v is not None}]}
    client = create_app({"auth": {"enabled": False}, "database_url": database_url}).test_client()
    response = client.post(FEEDBACK, json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["issue"][0]["expression"] == [field]


@pytest.mark.parametrize(
    "feedback",
    [
        item(overrideReason={"userComment": "Jane\x00Roe"}),  # the comment is not stored
        item(
            outcome="accepted", overrideReason=None, acceptedSuggestions=[{"id": "a\x00"}]
        ),  # stored as JSON
    ],
)
def test_a_nul_where_it_can_be_stored_is_stored(database_url: str, feedback: dict[str, Any]) -> None:
    body = {"feedback": [{k: v for k, v in feedback.items() if v is not None}]}
    client = create_app({"auth": {"enabled": False}, "database_url": database_url}).test_client()
    assert client.post(FEEDBACK, json=body).status_code == 200
