"""The ``microcyte`` command as a user runs it: evaluate, services, serve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from cds_hooks.models import CDSResponse, DiscoveryResponse
from service.config import ServerSettings
from tests.paths import EXAMPLE_REQUEST, FIXTURES, ROOT, SANDBOX_KEYS
from tests.ports import free_port
from tests.redisserver import RedisServer
from tests.served import MICROCYTE, running

EXAMPLE = EXAMPLE_REQUEST
SANDBOX_ISS = "https://sandbox.cds-hooks.org"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"


def run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*MICROCYTE, *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_evaluate_prints_the_response_the_service_sends() -> None:
    done = run("evaluate", "--now", "2026-11-21", str(EXAMPLE))
    assert done.returncode == 0, done.stderr.decode()
    response = json.loads(done.stdout)
    CDSResponse.model_validate(response)
    [card] = response["cards"]
    assert "ferritin" in card["summary"].lower()


def test_evaluate_reads_stdin_and_picks_the_service_by_hook() -> None:
    done = run(
        "evaluate", "--now", "2026-11-21", "--service", "microcytosis-workup", "-", stdin=EXAMPLE.read_bytes()
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["cards"]


@pytest.mark.parametrize(
    ("stdin", "says"),
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {}}).encode(), "hookInstance"),
        (
            json.dumps(
                {
                    "hook": "no-such-hook",
                    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                    "context": {},
                }
            ).encode(),
            "0 services answer hook 'no-such-hook'",
        ),
    ],
)
def test_evaluate_refuses_a_bad_request_with_the_error(stdin: bytes, says: str) -> None:
    done = run("evaluate", "-", stdin=stdin)
    assert done.returncode != 0
    assert done.stdout == b""
    outcome = json.loads(done.stderr)
    assert outcome["resourceType"] == "OperationOutcome"
    assert says in outcome["issue"][0]["diagnostics"]


def test_evaluate_explain_tells_a_person_why() -> None:
    done = run("evaluate", "--explain", "--now", "2026-11-21", str(EXAMPLE))
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert "MCV" in text and "ferritin" in text.lower()


def test_evaluate_explain_follows_the_service_of_the_request() -> None:
    case = json.loads((FIXTURES / "cases" / "79-order-select-thalassemia-trait-rxnorm.json").read_text())
    done = run(
        "evaluate",
        "--service",
        "iron-prescribing-check",
        "--explain",
        "--now",
        case["now"][:10],
        "-",
        stdin=json.dumps(case["request"]).encode(),
    )
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert "Selected iron drafts" in text
    assert "iron-with-thalassemia-trait (warning)" in text


def test_evaluate_explain_tells_why_a_draft_test_is_a_repeat() -> None:
    case = json.loads((FIXTURES / "cases" / "153-order-select-ferritin-ten-days-after-one.json").read_text())
    body = json.dumps(case["request"]).encode()
    done = run(
        "evaluate", "--service", "workup-order-check", "--explain", "--now", "2026-11-21", "-", stdin=body
    )
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert "ServiceRequest/draft-ferritin: Ferritin (LOINC 2276-4)" in text
    assert "ServiceRequest/draft-ferritin: iron-study-resulted-recently -> card" in text


def test_evaluate_of_an_order_select_request_names_the_services_to_choose_from() -> None:
    case = json.loads((FIXTURES / "cases" / "79-order-select-thalassemia-trait-rxnorm.json").read_text())
    done = run("evaluate", "--now", "2026-11-21", "-", stdin=json.dumps(case["request"]).encode())
    assert done.returncode == 1
    outcome = json.loads(done.stderr)
    assert "iron-prescribing-check, workup-order-check" in outcome["issue"][0]["diagnostics"]


def test_services_prints_the_discovery_document() -> None:
    done = run("services")
    assert done.returncode == 0, done.stderr.decode()
    discovery = DiscoveryResponse.model_validate(json.loads(done.stdout))
    assert {s.id: s.hook for s in discovery.services} == {
        "microcytosis-workup": "patient-view",
        "iron-prescribing-check": "order-select",
        "iron-prescribing-check-sign": "order-sign",
        "workup-order-check": "order-select",
        "workup-order-check-sign": "order-sign",
    }


def test_a_bad_configuration_file_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "microcyte.toml"
    config.write_text("[server]\nportt = 1\n")
    done = run("serve", "--config", str(config))
    assert done.returncode != 0
    assert b"server.portt" in done.stderr


@pytest.fixture
def served() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with running("--workers", "1", "--no-auth") as server:
        yield server


def test_serve_runs_gunicorn_and_answers_a_hook(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, _ = served
    body: dict[str, Any] = json.loads(EXAMPLE.read_text())
    response = requests.post(f"{base}/cds-services/microcytosis-workup", json=body, timeout=10)
    assert response.status_code == 200
    CDSResponse.model_validate(response.json())
    assert "gunicorn" in requests.get(f"{base}/cds-services", timeout=5).headers.get("Server", "")
    refused = requests.post(
        f"{base}/cds-services/microcytosis-workup",
        data="{",
        timeout=5,
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 400
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_serve_help_states_the_defaults_the_settings_hold() -> None:
    done = run("serve", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.decode().split())  # click wraps the help
    defaults = ServerSettings()
    assert f"Worker processes (default {defaults.workers};" in text
    assert f"Port to listen on (default {defaults.port})." in text
    assert f"Address to bind (default {defaults.host}:" in text


def test_serve_refuses_no_auth_on_an_open_address_without_insecure() -> None:
    done = run("serve", "--host", "0.0.0.0", "--no-auth")
    assert done.returncode != 0
    assert b"--insecure" in done.stderr


def test_serve_warns_loudly_without_authentication(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    _, process = served
    process.terminate()
    process.wait(timeout=30)
    assert process.stdout is not None
    assert b"authentication is OFF" in process.stdout.read()


def test_serve_stops_gracefully(served: tuple[str, subprocess.Popen[bytes]]) -> None:
    _, process = served
    process.terminate()
    assert process.wait(timeout=30) == 0


def test_serve_with_two_workers_adds_up_metrics_and_keeps_feedback(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running("--workers", "2", "--no-auth", "--data-dir", str(data)) as (base, process):
        body = json.loads(EXAMPLE.read_text())
        for _ in range(12):
            assert requests.post(f"{base}/cds-services/microcytosis-workup", json=body, timeout=10).ok
        page = requests.get(f"{base}/metrics", timeout=5).text
        assert requests.get(f"{base}/readyz", timeout=5).json()["status"] == "ready"
        process.terminate()  # at once: the cards still queued must be written on the way out
        assert process.wait(timeout=30) == 0
    report = run("feedback-report", "--data-dir", str(data), "--format", "json")
    assert report.returncode == 0, report.stderr.decode()
    assert {row["rule"]: row["issued"] for row in json.loads(report.stdout)} == {"no-ferritin": 12}
    calls = next(
        row
        for row in page.splitlines()
        if row.startswith("cds_requests_total{") and 'status="200"' in row and "call_service" in row
    )
    assert float(calls.rsplit(" ", 1)[1]) == 12
    assert process.stdout is not None
    logs = [json.loads(line) for line in process.stdout.read().decode().splitlines() if line.startswith("{")]
    assert logs and all({"time", "level", "logger", "message"} <= set(line) for line in logs)
    assert (data / "microcyte.sqlite3").is_file()


def test_serve_refuses_several_workers_with_an_in_process_replay_cache() -> None:
    done = run("serve", "--workers", "2", "--trust", "cds-hooks-sandbox")
    assert done.returncode != 0
    assert b"replay" in done.stderr


def test_a_token_replayed_to_another_worker_is_refused(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_server.seed_epoch(time.time() - 3600)  # a store that has run for a while
    monkeypatch.setenv("MICROCYTE_AUTH__REPLAY_STORE", redis_server.url)
    with running("--workers", "2", "--trust", "cds-hooks-sandbox") as (base, _):
        url = f"{base}/cds-services"
        now = int(time.time())
        claims = {"iss": SANDBOX_ISS, "aud": url, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
        key = (SANDBOX_KEYS / "ecprivkey.pem").read_bytes()
        token = jwt.encode(claims, key, algorithm="ES384", headers={"kid": SANDBOX_KID, "typ": "JWT"})
        # Fresh connections, so gunicorn hands the calls to both workers (with a cache per worker,
        # some of these 20 replays land on the worker that has not seen the token and pass).
        statuses = [
            requests.get(
                url, headers={"Authorization": f"Bearer {token}", "Connection": "close"}, timeout=10
            ).status_code
            for _ in range(20)
        ]
    assert statuses == [200] + [401] * 19


def test_serve_refuses_a_replay_store_it_cannot_reach() -> None:
    # Nothing listens there: the instance would start, report ready and refuse every call.
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    done = run(
        "serve", "--workers", "2", "--trust", "cds-hooks-sandbox", env={"MICROCYTE_AUTH__REPLAY_STORE": url}
    )
    assert done.returncode != 0
    assert b"cannot use the replay store redis://:***@127.0.0.1:" in done.stderr
    assert b"hunter2" not in done.stderr


def test_serve_logs_the_schema_migration(tmp_path: Path) -> None:
    with running("--workers", "1", "--no-auth", "--data-dir", str(tmp_path / "data")) as (_, process):
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None
    lines = [json.loads(line) for line in process.stdout.read().decode().splitlines() if line.startswith("{")]
    assert any(line["message"] == "feedback database migrated to schema version 1" for line in lines)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_killed_instance_leaves_no_metrics_folder_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    data = str(tmp_path / "data")
    with running("--workers", "2", "--no-auth", "--data-dir", data) as (_, process):
        assert [p.name for p in tmp_path.glob("microcyte-metrics-*")]
        workers = children(process.pid)
        # kill -9 of the instance, workers included: nothing of it runs on the way out.
        for pid in [process.pid, *workers]:
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert len(list(tmp_path.glob("microcyte-metrics-*"))) == 1
    with running("--workers", "1", "--no-auth", "--data-dir", data) as (_, process):
        assert len(list(tmp_path.glob("microcyte-metrics-*"))) == 1  # its own, the stale one gone
        process.terminate()
        assert process.wait(timeout=30) == 0
    assert not list(tmp_path.glob("microcyte-metrics-*"))


def test_a_worker_that_exits_leaves_the_metrics_of_the_others_in_place(tmp_path: Path) -> None:
    with running("--workers", "2", "--no-auth", "--data-dir", str(tmp_path / "data")) as (base, process):
        body = json.loads(EXAMPLE.read_text())
        os.kill(children(process.pid)[0], signal.SIGTERM)  # gunicorn starts another in its place
        deadline = time.monotonic() + 20
        while len(children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        statuses = [
            requests.post(
                f"{base}/cds-services/microcytosis-workup",
                json=body,
                timeout=10,
                headers={"Connection": "close"},
            ).status_code
            for _ in range(8)
        ]
        assert statuses == [200] * 8
        assert requests.get(f"{base}/metrics", timeout=5).status_code == 200
