"""The reference deployment in deploy/, run as its files are: two instances behind HAProxy,
sharing a PostgreSQL and a Redis from Debian's packages.

What a hospital relies on: a token used on one instance is refused on the other, feedback
sent to both is counted once, and with a store stopped the balancer keeps the instances
that can still answer hook calls.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from service.examples import example_request
from tests.feedback.postgres import PostgresServer, start_or_fail
from tests.ports import free_port
from tests.test_authentication import sandbox_token
from tests.test_cli import run, running

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SERVICE = "/cds-services/microcytosis-workup"
LEEWAY_SECONDS = 2


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("haproxy is not installed: apt-get install -y haproxy", pytrace=False)
    return found


def wait_for(condition: Any, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Redis:
    """redis-server with deploy/redis.conf: its append-only file keeps the data across a restart."""

    def __init__(self, command: list[str], url: str) -> None:
        self.command = command
        self.url = url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _answers(self.url), "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Deployment:
    def __init__(
        self, front: str, instances: list[str], postgres: PostgresServer, redis_server: Redis
    ) -> None:
        self.front = front
        self.instances = instances
        self.postgres = postgres
        self.redis = redis_server

    def call(self, base: str, path: str, body: Any | None = None, *, token: str | None = None) -> Any:
        """A signed call; the audience is the front's URL, which every instance is told to expect."""
        headers = {"Authorization": f"Bearer {token or sandbox_token(self.front + path)}"}
        if body is None:
            return requests.get(base + path, headers=headers, timeout=10)
        return requests.post(base + path, json=body, headers=headers, timeout=10)

    def ready(self, base: str) -> Any:
        return requests.get(base + "/readyz", timeout=10)


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    postgres = start_or_fail("the reference deployment")
    with ExitStack() as stack:
        stack.callback(postgres.stop)
        database = postgres.url(postgres.create_database())

        redis_port = free_port()
        redis_dir = tmp_path / "redis"
        redis_dir.mkdir()
        redis_server = Redis(
            ["redis-server", str(DEPLOY / "redis.conf"), "--port", str(redis_port), "--dir", str(redis_dir)],
            f"redis://127.0.0.1:{redis_port}/0",
        )
        redis_server.start()
        stack.callback(redis_server.stop)
        redis_url = redis_server.url

        front = f"127.0.0.1:{free_port()}"
        for name, value in {
            "MICROCYTE_DATABASE_URL": database,
            "MICROCYTE_AUTH__REPLAY_STORE": redis_url,
            "MICROCYTE_SERVER__HOST": "127.0.0.1",
            "MICROCYTE_SERVER__PUBLIC_BASE_URL": f"http://{front}",
            # A new replay store has no past to vouch for: tokens are refused (503) for the
            # leeway after its epoch starts. A short one keeps this test short.
            "MICROCYTE_AUTH__LEEWAY_SECONDS": str(LEEWAY_SECONDS),
        }.items():
            monkeypatch.setenv(name, value)
        # Both on a fresh database and a fresh Redis: the first migrates and starts the epoch.
        instances = [
            stack.enter_context(
                running("--config", str(DEPLOY / "microcyte.toml"), "--trust", "cds-hooks-sandbox")
            )[0]
            for _ in range(2)
        ]
        env = {
            **os.environ,
            "MICROCYTE_FRONT": front,
            "MICROCYTE_A": instances[0].removeprefix("http://"),
            "MICROCYTE_B": instances[1].removeprefix("http://"),
        }
        proxy = subprocess.Popen(
            [haproxy_binary(), "-db", "-f", str(DEPLOY / "haproxy.cfg")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        stack.callback(lambda: (proxy.terminate(), proxy.wait(timeout=10)))
        deployment = Deployment(f"http://{front}", instances, postgres, redis_server)
        wait_for(lambda: _up(deployment), "haproxy to see both instances ready")
        yield deployment


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _up(deployment: Deployment) -> bool:
    try:
        return all(
            deployment.ready(base).status_code == 200 for base in [deployment.front, *deployment.instances]
        )
    except requests.ConnectionError:
        return False


def report(database_url: str) -> dict[str, dict[str, Any]]:
    done = run("feedback-report", "--database-url", database_url, "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    return {row["rule"]: row for row in json.loads(done.stdout)}


def test_the_reference_deployment(deployment: Deployment) -> None:
    a, b = deployment.instances
    front = deployment.front
    # The example chart dated from today, as `microcyte example` prints it: real servers run
    # on the wall clock, and labs drawn later today than the call would be left out.
    body = example_request(today=datetime.now(UTC).date())
    feedback_path = SERVICE + "/feedback"

    # A new replay store: fresh tokens wait out the leeway after its epoch, with Retry-After.
    first = deployment.call(front, "/cds-services")
    if first.status_code == 503:
        assert 1 <= int(first.headers["Retry-After"]) <= LEEWAY_SECONDS
    wait_for(lambda: deployment.call(front, "/cds-services").status_code == 200, "the new epoch", 10)

    # A token used on one instance is refused on the other, and through the balancer.
    token = sandbox_token(front + "/cds-services")
    assert deployment.call(a, "/cds-services", token=token).status_code == 200
    assert deployment.call(b, "/cds-services", token=token).status_code == 401
    assert deployment.call(front, "/cds-services", token=token).status_code == 401

    # Feedback sent to one instance and again to the other (new token) counts once.
    [card] = deployment.call(front, SERVICE, body).json()["cards"]
    item = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": _now()}]}
    assert deployment.call(a, feedback_path, item).status_code == 200
    assert deployment.call(b, feedback_path, item).status_code == 200

    # PostgreSQL stopped: both instances stay in the balancer and answer hook calls;
    # feedback is refused for now and stored when sent again.
    deployment.postgres.halt()
    try:
        for base in (a, b):
            ready = deployment.ready(base)
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert [deployment.call(front, SERVICE, body).status_code for _ in range(6)] == [200] * 6
        late = {
            "feedback": [{"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": _now()}]
        }
        refused = deployment.call(front, feedback_path, late)
        assert refused.status_code == 503 and refused.headers["Retry-After"].isdigit()
    finally:
        deployment.postgres.resume()
    assert deployment.call(front, feedback_path, late).status_code == 200
    wait_for(
        lambda: report(_database(deployment)).get("no-ferritin", {}).get("issued") == 7,
        "cards issued meanwhile",
    )
    stats = report(_database(deployment))
    assert (stats["no-ferritin"]["issued"], stats["no-ferritin"]["overridden"]) == (7, 1)
    assert stats["unknown"]["overridden"] == 1  # the one resent after the outage

    # Redis stopped: the instances cannot check tokens, say so with 503 (not 401), and
    # leave the balancer. Restarted from its append-only file, it still knows every token.
    used = sandbox_token(front + "/cds-services")
    assert deployment.call(front, "/cds-services", token=used).status_code == 200
    deployment.redis.stop()
    direct = deployment.call(a, "/cds-services")
    assert direct.status_code == 503 and direct.headers["Retry-After"].isdigit()
    assert deployment.call(b, feedback_path, item).status_code == 503
    assert deployment.ready(a).status_code == 503
    wait_for(lambda: deployment.ready(front).status_code == 503, "haproxy to drop both instances")
    deployment.redis.start()
    wait_for(lambda: _up(deployment), "both instances back in the balancer")
    assert deployment.call(b, "/cds-services", token=used).status_code == 401  # still known: a replay
    assert deployment.call(front, "/cds-services").status_code == 200  # no loss, no new epoch


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _database(deployment: Deployment) -> str:
    return os.environ["MICROCYTE_DATABASE_URL"]
