"""Feedback as an EHR sends it and a governance team reads it back."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks.feedback.sinks import IssuedCardsRecorder
from service.app import SINKS_KEY, create_app
from tests.conftest import FIXTURE_NOW
from tests.paths import AHRQ_REQUESTS, EXAMPLE_REQUEST, ROOT, SPEC_EXAMPLES

EXAMPLE = json.loads(EXAMPLE_REQUEST.read_text())
SERVICE = "/cds-services/microcytosis-workup"
FEEDBACK = f"{SERVICE}/feedback"


def report(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "feedback-report", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env=dict(os.environ),
    )


def stats(data_dir: Path) -> dict[str, dict[str, Any]]:
    done = report(data_dir, "--format", "json")
    assert done.returncode == 0, done.stderr
    return {row["rule"]: row for row in json.loads(done.stdout)}


def pinned_app(data_dir: Path) -> Flask:
    app = create_app({"auth": {"enabled": False}, "data_dir": data_dir})
    app.extensions["cds_hooks"].clock = lambda: FIXTURE_NOW
    return app


def issue_card(client: FlaskClient) -> dict[str, Any]:
    """One card, written to the store (issued cards are recorded off the request path)."""
    [card] = client.post(SERVICE, json=EXAMPLE).get_json()["cards"]
    client.application.extensions[SINKS_KEY].recorder.flush()
    return card  # type: ignore[no-any-return]


def accepted(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "card": card["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
        "outcomeTimestamp": "2026-11-21T12:01:00Z",
    }


def overridden(card: dict[str, Any], code: str) -> dict[str, Any]:
    reason = next(r for r in card["overrideReasons"] if r["code"] == code)
    return {
        "card": card["uuid"],
        "outcome": "overridden",
        "overrideReason": {"reason": reason, "userComment": "Jane Doe had it done last week"},
        "outcomeTimestamp": "2026-11-21T12:02:00Z",
    }


def test_feedback_on_issued_cards_is_counted_per_rule(tmp_path: Path) -> None:
    client = pinned_app(tmp_path).test_client()
    first, second, third = issue_card(client), issue_card(client), issue_card(client)
    body = {"feedback": [accepted(first), overridden(second, "already-done-elsewhere")]}
    response = client.post(FEEDBACK, json=body)
    assert response.status_code == 200
    assert response.data == b""  # the spec defines no body
    assert client.post(FEEDBACK, json=body).status_code == 200  # sent twice, stored once
    assert (
        client.post(FEEDBACK, json={"feedback": [overridden(third, "patient-declined")]}).status_code == 200
    )

    rule = stats(tmp_path)["no-ferritin"]
    assert (rule["issued"], rule["accepted"], rule["overridden"]) == (3, 1, 2)
    assert rule["overrideRate"] == pytest.approx(2 / 3)
    assert {reason["code"] for reason in rule["topOverrideReasons"]} == {
        "already-done-elsewhere",
        "patient-declined",
    }

    table = report(tmp_path).stdout
    assert "no-ferritin" in table and "66.7" in table


def test_a_reason_sent_as_code_only_is_named_by_the_card_that_offered_it(tmp_path: Path) -> None:
    """The sandbox sends back the reason's system and code; the report still reads as words."""
    client = pinned_app(tmp_path).test_client()
    card = issue_card(client)
    offered = next(r for r in card["overrideReasons"] if r["code"] == "patient-declined")
    item = overridden(card, "patient-declined")
    item["overrideReason"] = {"reason": {"system": offered["system"], "code": offered["code"]}}
    assert client.post(FEEDBACK, json={"feedback": [item]}).status_code == 200

    [reason] = stats(tmp_path)["no-ferritin"]["topOverrideReasons"]
    assert reason["display"] == offered["display"]
    assert offered["display"] in report(tmp_path).stdout


def test_the_clinicians_comment_is_never_stored(tmp_path: Path) -> None:
    client = pinned_app(tmp_path).test_client()
    card = issue_card(client)
    assert client.post(FEEDBACK, json={"feedback": [overridden(card, "patient-declined")]}).status_code == 200
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert b"Jane Doe" not in stored


@pytest.mark.parametrize(
    "path",
    [
        SPEC_EXAMPLES / "feedback-accepted.json",
        SPEC_EXAMPLES / "feedback-overridden.json",
        SPEC_EXAMPLES / "feedback-overridden-with-reason.json",
        AHRQ_REQUESTS / "feedback.json",
    ],
    ids=lambda p: p.name,
)
def test_the_spec_examples_are_stored(client: FlaskClient, path: Path) -> None:
    assert client.post(FEEDBACK, json=json.loads(path.read_text())).status_code == 200


def test_the_spec_examples_are_counted(tmp_path: Path) -> None:
    client = pinned_app(tmp_path).test_client()
    for name in (
        "feedback-accepted.json",
        "feedback-overridden.json",
        "feedback-overridden-with-reason.json",
    ):
        assert client.post(FEEDBACK, json=json.loads((SPEC_EXAMPLES / name).read_text())).status_code == 200
    unknown = stats(tmp_path)["unknown"]
    assert (unknown["accepted"], unknown["overridden"]) == (1, 2)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "accepted",
                "outcomeTimestamp": "2021-12-11T10:05:31Z",
            },
            "feedback.0",
        ),
        (
            {"card": "not-a-uuid", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T10:05:31Z"},
            "feedback.0.card",
        ),
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "overridden",
                "outcomeTimestamp": "yesterday",
            },
            "feedback.0.outcomeTimestamp",
        ),
    ],
)
def test_an_invalid_item_is_refused_naming_it(client: FlaskClient, item: dict[str, Any], field: str) -> None:
    good = json.loads((SPEC_EXAMPLES / "feedback-overridden.json").read_text())["feedback"][0]
    response = client.post(FEEDBACK, json={"feedback": [good, item]})
    assert response.status_code == 400
    expression = response.get_json()["issue"][0]["expression"][0]
    assert expression == field.replace("feedback.0", "feedback.1")


def test_feedback_needs_items_and_a_known_service(client: FlaskClient) -> None:
    assert client.post(FEEDBACK, json={"feedback": []}).status_code == 400
    item = json.loads((SPEC_EXAMPLES / "feedback-overridden.json").read_text())
    assert client.post("/cds-services/nope/feedback", json=item).status_code == 404


def test_a_restart_keeps_everything(tmp_path: Path) -> None:
    client = pinned_app(tmp_path).test_client()
    card = issue_card(client)
    assert client.post(FEEDBACK, json={"feedback": [accepted(card)]}).status_code == 200
    restarted = pinned_app(tmp_path).test_client()
    assert restarted.post(FEEDBACK, json={"feedback": [accepted(card)]}).status_code == 200
    rule = stats(tmp_path)["no-ferritin"]
    assert (rule["issued"], rule["accepted"]) == (1, 1)


def test_storage_gone_after_start_is_a_503_and_a_degraded_readiness(tmp_path: Path) -> None:
    app = pinned_app(tmp_path)
    client = app.test_client()
    store = app.extensions[SINKS_KEY].store
    store._engine.dispose()  # simulate the database vanishing under a running service
    for path in tmp_path.iterdir():
        path.unlink()
    tmp_path.rmdir()
    item = json.loads((SPEC_EXAMPLES / "feedback-overridden.json").read_text())
    response = client.post(FEEDBACK, json=item)
    assert response.status_code == 503
    assert "send it again" in response.get_json()["issue"][0]["diagnostics"]
    # Hook calls do not need the feedback store: the instance stays in the balancer.
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "degraded"


def test_the_report_plots_override_rates(tmp_path: Path) -> None:
    client = pinned_app(tmp_path).test_client()
    card = issue_card(client)
    assert client.post(FEEDBACK, json={"feedback": [overridden(card, "patient-declined")]}).status_code == 200
    png = tmp_path / "rates.png"
    done = report(tmp_path, "--plot", str(png))
    assert done.returncode == 0, done.stderr
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_report_refuses_a_folder_without_a_database(tmp_path: Path) -> None:
    done = report(tmp_path / "typo")
    assert done.returncode != 0
    assert "no feedback database" in done.stderr


def test_a_failing_store_never_costs_the_clinician_the_cards(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = pinned_app(tmp_path)
    sinks = app.extensions[SINKS_KEY]
    sinks.store._engine.dispose()  # the database vanishes under a running service
    for path in tmp_path.iterdir():
        path.unlink()
    tmp_path.rmdir()
    response = app.test_client().post(SERVICE, json=EXAMPLE)
    assert response.status_code == 200
    assert response.get_json()["cards"]
    sinks.recorder.flush()
    assert sinks.recorder.pending == 1  # kept, to be written when the database answers
    sinks.close()  # a stop with the database still down: the loss is said
    assert any("issued cards not recorded (1 cards)" in r.getMessage() for r in caplog.records)


def test_a_store_that_stops_taking_writes_holds_a_bounded_backlog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another process holds the database's write lock: calls still get their cards at once, and
    the cards waiting for the store stay within the recorder's bound rather than grow with
    every call; the log counts the calls that were not recorded."""
    bound, calls = 5, 20
    monkeypatch.setattr(IssuedCardsRecorder, "MAX_QUEUED", bound)
    app = pinned_app(tmp_path)
    sinks = app.extensions[SINKS_KEY]
    client = app.test_client()
    issue_card(client)
    [database] = tmp_path.glob("*.sqlite3")
    other_process = sqlite3.connect(database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        for _ in range(calls):
            response = client.post(SERVICE, json=EXAMPLE)
            assert response.status_code == 200
            assert response.get_json()["cards"]
        waiting = sinks.recorder.queued()
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
    sinks.recorder.flush()
    assert waiting <= bound
    # Besides the queue, the writer keeps the rows of batches it failed to write (bounded by
    # MAX_PENDING_ROWS) and writes them once the store answers: every call is either recorded
    # or counted in the log as not recorded.
    recorded = sum(sinks.store.issued_per_rule().values()) - 1
    assert bound <= recorded < calls
    assert any(
        f"issued cards of {calls - recorded} calls not recorded" in r.getMessage() for r in caplog.records
    )
