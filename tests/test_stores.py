"""The shared stores failing under a running service: Redis (replay store) and the feedback database.

Each test runs the app against real servers (redis-server, PostgreSQL) and breaks them the
way production does: a restart that loses the data, a stop, a freeze.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask import Flask

from service.app import create_app
from tests.redisserver import RedisServer
from tests.test_authentication import bearer, sandbox_token

DISCOVERY = "http://localhost/cds-services"


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
    assert _sample(page, "cds_store_errors_total", store="replay") >= 20


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
