"""What an operator sees: health, readiness, metrics and JSON log lines."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks.logs import JsonFormatter, RequestContextFilter
from service.ops import READINESS_KEY, BoundedCheck, Dependency
from tests.paths import EXAMPLE_REQUEST

EXAMPLE = json.loads((EXAMPLE_REQUEST).read_text())


def test_health_needs_no_authentication() -> None:
    from service.app import create_app

    client = create_app().test_client()  # authentication on, no client trusted
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/cds-services").status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_operations_endpoints_give_web_pages_no_cors(client: FlaskClient, path: str) -> None:
    """They are for orchestrators and scrapers: a page on another origin may not read them."""
    origin = {"Origin": "https://page.example.org"}
    assert client.get(path, headers=origin).status_code == 200
    preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200  # Flask's own answer to OPTIONS: the Allow header
    assert "GET" in preflight.headers["Allow"]
    for response in (client.get(path, headers=origin), preflight):
        assert not [key for key, _ in response.headers.items() if key.startswith("Access-Control-")]


def test_readiness_reports_a_failing_check(app: Flask, client: FlaskClient) -> None:
    app.extensions[READINESS_KEY]["keys"] = Dependency(lambda: "no key set")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "checks": {"feedback_storage": "ok", "keys": "no key set"},
    }


def test_a_store_hook_calls_do_not_need_degrades_readiness_but_keeps_the_instance_in(
    app: Flask, client: FlaskClient
) -> None:
    app.extensions[READINESS_KEY]["archive"] = Dependency(lambda: "archive unreachable", required=False)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "degraded",
        "checks": {"feedback_storage": "ok", "archive": "archive unreachable"},
    }


def test_a_check_that_hangs_answers_within_its_bound() -> None:
    release = threading.Event()
    check = BoundedCheck(lambda: None if release.wait(30) else "hung", timeout_seconds=0.2)
    started = time.monotonic()
    assert [check() for _ in range(3)] == ["no answer within 0.2 s"] * 3
    assert time.monotonic() - started < 2
    assert sum(t.name == "readiness-probe" for t in threading.enumerate()) == 1  # one probe, joined
    release.set()
    time.sleep(0.05)
    assert check() is None


def sample(page: str, name: str, **labels: str) -> float:
    for line in page.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_calls_cards_and_latency(client: FlaskClient) -> None:
    before = client.get("/metrics").get_data(as_text=True)
    assert client.post("/cds-services/microcytosis-workup", json=EXAMPLE).status_code == 200
    assert (
        client.post(
            "/cds-services/microcytosis-workup", data="{", content_type="application/json"
        ).status_code
        == 400
    )
    after = client.get("/metrics").get_data(as_text=True)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    ok = {"endpoint": "call_service", "service": "microcytosis-workup", "hook": "patient-view"}
    assert grew("cds_requests_total", **ok, status="200") == 1
    assert grew("cds_requests_total", **ok, status="400") == 1
    assert grew("cds_cards_total", service="microcytosis-workup", rule="no-ferritin", indicator="info") == 1
    assert (
        grew("cds_request_duration_seconds_count", endpoint="call_service", service="microcytosis-workup")
        == 2
    )


REQUEST_ID = "7f1c9e2a4b3d4e5f8a6b0c1d2e3f4a5b"  # nginx's $request_id: 32 hex digits


def test_log_lines_are_json_with_the_request_and_hook_ids(app: Flask) -> None:
    formatter, context = JsonFormatter(), RequestContextFilter()
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            context.filter(record)
            lines.append(formatter.format(record))

    handler = Capture()
    logger = logging.getLogger("cds_hooks")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        body = {**EXAMPLE, "prefetch": {}}
        response = app.test_client().post(
            "/cds-services/microcytosis-workup", json=body, headers={"X-Request-ID": REQUEST_ID}
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert response.status_code == 412
    assert response.headers["X-Request-ID"] == REQUEST_ID
    [line] = [json.loads(text) for text in lines if "refused" in text]
    assert line["request_id"] == REQUEST_ID
    assert line["hook_instance"] == EXAMPLE["hookInstance"]
    assert line["level"] == "INFO"
    patient = EXAMPLE["context"]["patientId"]
    assert all(patient not in text for text in lines)


def test_service_ids_from_the_url_do_not_multiply_the_metrics(client: FlaskClient) -> None:
    """Ids a client makes up (a probe, a typo, one per call) are one "unknown" series each, not one
    series per id: every label set lives as long as the worker, so the ids would grow it."""

    def series(page: str) -> set[str]:
        return {line.rsplit(" ", 1)[0] for line in page.splitlines() if line.startswith("cds_")}

    for n in range(3):
        client.post(f"/cds-services/warmup-{n}", json=EXAMPLE)
        client.post(f"/cds-services/warmup-{n}/feedback", json={"feedback": []})
    before = series(client.get("/metrics").get_data(as_text=True))
    for n in range(300):
        assert client.post(f"/cds-services/made-up-{n}", json=EXAMPLE).status_code == 404
        assert client.post(f"/cds-services/made-up-{n}/feedback", json={"feedback": []}).status_code == 404
    after = series(client.get("/metrics").get_data(as_text=True))
    assert after == before
    assert not any("made-up" in line for line in after)
