"""The shared stores failing under a running service: Redis (replay store) and the feedback database.

Each test runs the app against real servers (redis-server, PostgreSQL) and breaks them the
way production does: a restart that loses the data, a stop, a freeze.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from flask import Flask

from cds_hooks.blueprint import EXTENSION_KEY
from cds_hooks.feedback import FeedbackStore
from service.app import SINKS_KEY, create_app
from tests.conftest import FIXTURE_NOW
from tests.feedback.postgres import PostgresServer, start_or_fail
from tests.redisserver import RedisServer
from tests.test_authentication import EXAMPLE, bearer, sandbox_token

DISCOVERY = "http://localhost/cds-services"
SERVICE = "/cds-services/microcytosis-workup"
FEEDBACK = "/cds-services/microcytosis-workup/feedback"
EXAMPLE_BODY = json.loads(EXAMPLE.read_text())


def replay_app(redis_url: str, **auth: Any) -> Flask:
    return create_app({"auth": {"trust": ["cds-hooks-sandbox"], "replay_store": redis_url, **auth}})


# --- the replay store -------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["restart", "flushall"])
def test_tokens_used_before_the_replay_store_lost_its_data_stay_refused(
    redis_server: RedisServer, loss: str
) -> None:
    redis_server.seed_epoch(time.time() - 3600)  # a deployment that has run for an hour
    client = replay_app(redis_server.url, leeway_seconds=1).test_client()
    used = [sandbox_token(DISCOVERY) for _ in range(20)]
    assert [client.get("/cds-services", headers=bearer(t)).status_code for t in used] == [200] * 20

    if loss == "restart":
        redis_server.restart()  # no persistence: it comes back empty
    else:
        redis_server.client().flushall()

    replays = [client.get("/cds-services", headers=bearer(t)) for t in used]
    assert [r.status_code for r in replays] == [503] * 20
    assert all(1 <= int(r.headers["Retry-After"]) <= 2 for r in replays)
    time.sleep(2.1)  # past the new epoch and the leeway
    assert [client.get("/cds-services", headers=bearer(t)).status_code for t in used] == [401] * 20
    fresh = sandbox_token(DISCOVERY)
    assert client.get("/cds-services", headers=bearer(fresh)).status_code == 200


def test_an_unreachable_replay_store_is_a_503_logged_once_and_counted(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.seed_epoch(time.time() - 3600)
    client = replay_app(redis_server.url).test_client()
    assert client.get("/cds-services", headers=bearer(sandbox_token(DISCOVERY))).status_code == 200
    redis_server.stop()

    with caplog.at_level(logging.INFO):
        answers = [client.get("/cds-services", headers=bearer(sandbox_token(DISCOVERY))) for _ in range(20)]
    assert [a.status_code for a in answers] == [503] * 20
    assert all(a.headers["Retry-After"].isdigit() for a in answers)
    assert "WWW-Authenticate" not in answers[0].headers
    assert answers[0].get_json()["resourceType"] == "OperationOutcome"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "replay store" in errors[0].getMessage()
    page = client.get("/metrics").get_data(as_text=True)
    assert _sample(page, "cds_auth_unavailable_total", reason="replay store unavailable") == 20


def test_readiness_needs_the_replay_store(redis_server: RedisServer) -> None:
    redis_server.seed_epoch(time.time() - 3600)
    client = replay_app(redis_server.url).test_client()
    assert client.get("/readyz").status_code == 200
    redis_server.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "replay_store" in response.get_json()["checks"]


def _sample(page: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in page.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


# --- the feedback database --------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of these tests' own: they stop it, which would break the shared one."""
    server = start_or_fail("the store outage tests")
    yield server
    server.stop()


@pytest.fixture
def database(postgres: PostgresServer) -> Iterator[str]:
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


def feedback_app(database_url: str, **settings: Any) -> Flask:
    app = create_app({"auth": {"trust": ["cds-hooks-sandbox"]}, "database_url": database_url, **settings})
    app.extensions[EXTENSION_KEY].clock = lambda: FIXTURE_NOW
    return app


def overridden(card: str) -> dict[str, Any]:
    return {"feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-21T12:02:00Z"}]}


def signed(url: str) -> dict[str, str]:
    return bearer(sandbox_token(f"http://localhost{url}"))


def test_a_down_feedback_database_leaves_the_instance_ready_for_hook_calls(
    postgres: PostgresServer, database: str
) -> None:
    client = feedback_app(database).test_client()
    assert client.get("/readyz").get_json()["status"] == "ready"
    postgres.halt()
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 200
        body = ready.get_json()
        assert body["status"] == "degraded"
        assert body["checks"]["replay_store"] == "ok"
        assert body["checks"]["feedback_storage"] != "ok"
        assert _sample(client.get("/metrics").get_data(as_text=True), "cds_store_up", store="feedback") == 0

        call = client.post(SERVICE, json=EXAMPLE_BODY, headers=signed(SERVICE))
        assert call.status_code == 200
        assert call.get_json()["cards"]

        card = str(uuid.uuid4())
        refused = client.post(FEEDBACK, json=overridden(card), headers=signed(FEEDBACK))
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        assert "new token" in refused.get_json()["issue"][0]["diagnostics"]
    finally:
        postgres.resume()
    assert client.post(FEEDBACK, json=overridden(card), headers=signed(FEEDBACK)).status_code == 200
    assert client.get("/readyz").get_json()["status"] == "ready"
    with FeedbackStore(database) as store:
        assert [o.outcome for o in store.final_outcomes()] == ["overridden"]


def test_cards_issued_while_the_feedback_database_is_down_are_recorded_once_it_is_back(
    postgres: PostgresServer, database: str
) -> None:
    app = feedback_app(database)
    client = app.test_client()
    postgres.halt()
    try:
        cards = [
            client.post(SERVICE, json=EXAMPLE_BODY, headers=signed(SERVICE)).get_json()["cards"][0]
            for _ in range(5)
        ]
        app.extensions[SINKS_KEY].recorder.flush()
    finally:
        postgres.resume()
    with FeedbackStore(database) as store:
        deadline = time.monotonic() + 20
        while store.issued_per_rule() != {"no-ferritin": 5} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert store.issued_per_rule() == {"no-ferritin": 5}
        feedback = client.post(FEEDBACK, json=overridden(cards[0]["uuid"]), headers=signed(FEEDBACK))
        assert feedback.status_code == 200
        assert [o.rule for o in store.final_outcomes()] == ["no-ferritin"]  # not "unknown"


def test_a_process_holds_no_more_database_connections_than_its_threads_need(
    postgres: PostgresServer, database: str
) -> None:
    threads = 2
    app = feedback_app(database, server={"threads": threads})
    name = database.rsplit("/", 1)[1]
    admin = psycopg.connect(host="127.0.0.1", port=postgres.port, user="postgres", dbname=name)
    try:
        # Every insert waits on this lock, holding its connection: as many as the pool allows.
        admin.execute("LOCK TABLE feedback IN ACCESS EXCLUSIVE MODE")
        with ThreadPoolExecutor(max_workers=12) as pool:
            posts = [
                pool.submit(
                    lambda: (
                        app.test_client()
                        .post(FEEDBACK, json=overridden(str(uuid.uuid4())), headers=signed(FEEDBACK))
                        .status_code
                    )
                )
                for _ in range(12)
            ]
            time.sleep(1.5)
            with psycopg.connect(host="127.0.0.1", port=postgres.port, user="postgres", dbname=name) as probe:
                held = probe.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid NOT IN (%s, pg_backend_pid())",
                    (name, admin.info.backend_pid),
                ).fetchone()
            admin.rollback()  # lets every insert through
            statuses = [post.result(timeout=60) for post in posts]
    finally:
        admin.close()
    assert held is not None and held[0] <= threads + 2
    assert statuses == [200] * 12
