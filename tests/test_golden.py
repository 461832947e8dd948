"""The cards every fixture gets today, pinned whole (uuids aside) so a refactor cannot change them.

Each request fixture is sent through the app over its HTTP surface with the clock at the
case's "now", and the whole answer (status and body) is compared with the one recorded in
fixtures/golden/. A change that is meant to alter cards regenerates them with
``GOLDEN_UPDATE=1 pytest tests/test_golden.py`` and shows the difference in review.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cds_hooks.blueprint import EXTENSION_KEY
from service.app import create_app
from tests.bodies import without_uuids
from tests.conftest import FIXTURE_NOW
from tests.paths import AHRQ_REQUESTS, EXAMPLE_REQUEST, FIXTURES

GOLDEN = FIXTURES / "golden"
DEFAULT_SERVICE = "microcytosis-workup"
ORDER_SERVICES = {
    "iron-prescribing-check",
    "iron-prescribing-check-sign",
    "workup-order-check",
    "workup-order-check-sign",
}


def corpus() -> list[tuple[str, str, dict[str, Any], datetime]]:
    """(name, service, request, now) for every request fixture the project holds."""
    found = []
    for path in sorted((FIXTURES / "cases").glob("*.json")):
        case = json.loads(path.read_text())
        service = case.get("service", DEFAULT_SERVICE)
        found.append((f"case-{path.stem}", service, case["request"], datetime.fromisoformat(case["now"])))
    for path in sorted(AHRQ_REQUESTS.glob("*.json")):
        if path.name != "feedback.json":
            found.append((f"ahrq-{path.stem}", DEFAULT_SERVICE, json.loads(path.read_text()), FIXTURE_NOW))
    found.append(("example", DEFAULT_SERVICE, json.loads(EXAMPLE_REQUEST.read_text()), FIXTURE_NOW))
    return found


CORPUS = corpus()


def answer(service: str, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    app = create_app({"auth": {"enabled": False}})
    app.extensions[EXTENSION_KEY].clock = lambda: now
    response = app.test_client().post(f"/cds-services/{service}", json=request)
    return {"status": response.status_code, "body": without_uuids(response.get_json())}


def test_the_corpus_covers_every_service() -> None:
    assert {service for _, service, _, _ in CORPUS} == {DEFAULT_SERVICE, *ORDER_SERVICES}
    assert len(CORPUS) >= 95


@pytest.mark.parametrize(("name", "service", "request_body", "now"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_answer_is_the_recorded_one(
    name: str, service: str, request_body: dict[str, Any], now: datetime
) -> None:
    got = answer(service, request_body, now)
    path: Path = GOLDEN / f"{name}.json"
    if os.environ.get("GOLDEN_UPDATE") == "1":
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert path.is_file(), f"no golden answer for {name}: run GOLDEN_UPDATE=1 pytest tests/test_golden.py"
    assert got == json.loads(path.read_text())
