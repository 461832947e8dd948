"""Feedback through ``microcyte serve`` on PostgreSQL: gevent workers, psycopg, the card writer.

The workers patch the standard library for gevent, so the database driver, SQLAlchemy's pool
and the thread that records issued cards all run on greenlets: calls made side by side, by two
workers, must still leave every card and every feedback item in the database.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests

from service.examples import example_request
from tests.paths import ROOT
from tests.served import MICROCYTE, running

EXAMPLE = example_request(today=datetime.now(UTC).date())  # its labs recent enough for cards
SERVICE = "/cds-services/microcytosis-workup"
CALLS = 16


def test_cards_and_feedback_from_concurrent_calls_are_all_stored(postgres_database: str) -> None:
    env = {"MICROCYTE_DATABASE_URL": postgres_database}
    with running("--workers", "2", "--no-auth", env=env) as (base, process):

        def call_and_accept(_: int) -> int:
            with requests.Session() as client:
                answer = client.post(f"{base}{SERVICE}", json=EXAMPLE, timeout=30)
                assert answer.status_code == 200, answer.text
                [card] = answer.json()["cards"]
                item = {
                    "card": card["uuid"],
                    "outcome": "accepted",
                    "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                    "outcomeTimestamp": "2026-11-21T12:01:00Z",
                }
                stored = client.post(f"{base}{SERVICE}/feedback", json={"feedback": [item]}, timeout=30)
                assert stored.status_code == 200, stored.text
                return stored.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(call_and_accept, range(CALLS)))
        process.terminate()  # at once: the cards still queued must be written on the way out
        assert process.wait(timeout=30) == 0
    assert statuses == [200] * CALLS
    report = subprocess.run(
        [*MICROCYTE, "feedback-report", "--database-url", postgres_database, "--format", "json"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert report.returncode == 0, report.stderr.decode()
    [row] = json.loads(report.stdout)
    assert (row["rule"], row["issued"], row["accepted"]) == ("no-ferritin", CALLS, CALLS)
