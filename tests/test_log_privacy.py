"""No string a client sent reaches the log, and no answer echoes one unbounded.

A unique marker goes into every place a client controls: headers, the URL, each JSON string
of a hook call and of feedback (one at a time, so that each reaches as far into the service
as it can), the codes of a prefetch OperationOutcome, a FHIR server's URL and the patient id
a fetch puts in its URLs. Every record logged at DEBUG on the root logger, as the JSON
formatter writes it with the request context, must be free of it.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from cds_hooks.logs import JsonFormatter, RequestContextFilter
from tests.bodies import EXAMPLE, FEEDBACK, IRON_CHECK, ORDER_SELECT, WORKUP
from tests.fhirserver import SekmetServer
from tests.paths import SPEC_EXAMPLES

MARKER = "zqxMarkerJaneRoe19800102qzx"
FEEDBACK_BODY = json.loads((SPEC_EXAMPLES / "feedback-overridden-with-reason.json").read_text())


class Lines(logging.Handler):
    """Every record, formatted as the service's log would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.context = RequestContextFilter()
        self.formatter = JsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.context.filter(record)
        self.lines.append(self.format(record))


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    handler = Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
    handler.lines.extend(record.getMessage() for record in caplog.records)


def string_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_paths(item, (*path, index))


def marked(document: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    body = copy.deepcopy(document)
    node: Any = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] += MARKER
    return body


def assert_unmarked(lines: list[str]) -> None:
    assert lines, "the requests were logged"
    leaks = [line for line in lines if MARKER.lower() in line.lower()]
    assert not leaks, leaks[:3]
    assert max(len(line) for line in lines) < 4000


@pytest.mark.parametrize(
    ("url", "document"), [(WORKUP, EXAMPLE), (IRON_CHECK, ORDER_SELECT), (FEEDBACK, FEEDBACK_BODY)]
)
def test_no_json_string_of_a_request_reaches_the_log(
    client: FlaskClient, logged: list[str], url: str, document: dict[str, Any]
) -> None:
    paths = list(string_paths(document))
    assert len(paths) > 5
    for path in paths:
        response = client.post(url, json=marked(document, path))
        assert response.status_code < 500
    assert_unmarked(logged)


def test_no_header_url_or_outcome_code_reaches_the_log(client: FlaskClient, logged: list[str]) -> None:
    headers = {
        "X-Request-ID": MARKER,
        "Origin": f"https://{MARKER}.example",
        "User-Agent": MARKER,
        "X-Forwarded-For": MARKER,
        "Authorization": f"Bearer {MARKER}",
        f"X-{MARKER}": MARKER,
    }
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": MARKER, "diagnostics": MARKER},
            {"severity": "error", "code": "x" * 50_000 + MARKER + "x" * 50_000},
            {"severity": "error", "code": {"text": MARKER}},
        ]
        * 10,
    }
    body = copy.deepcopy(EXAMPLE)
    body["prefetch"]["Condition"] = outcome
    body["prefetch"]["Patient"] = outcome
    big = "A" * 200_000 + MARKER
    calls = [
        client.post(WORKUP, json=body, headers=headers),
        client.post(f"/cds-services/{MARKER}", json=EXAMPLE, headers=headers),
        client.post(f"/cds-services/{big}/feedback", json=FEEDBACK_BODY, headers=headers),
        client.get(f"/{MARKER}?{MARKER}={MARKER}", headers=headers),
        client.put(f"/cds-services/{MARKER}", headers=headers),
        client.post(WORKUP, data=b'{"hook": "' + MARKER.encode(), content_type="application/json"),
        client.post(WORKUP, data=json.dumps(EXAMPLE), content_type=f"text/{MARKER}"),
        client.post(WORKUP, data=json.dumps(EXAMPLE), content_type=f"application/{MARKER}+json"),
        client.post(WORKUP, json={**EXAMPLE, "hook": big}),
        client.post(WORKUP, json={**EXAMPLE, "fhirServer": f"https://{MARKER}.example/fhir", "prefetch": {}}),
    ]
    for response in calls:
        assert response.status_code < 500
        assert MARKER not in response.headers.get("X-Request-ID", "")
        if response.status_code != 200:
            assert len(response.get_data()) < 2_000  # nothing of the 200 KB strings is echoed whole
    assert_unmarked(logged)


def test_the_patient_id_a_fetch_puts_in_its_urls_reaches_no_log(
    client: FlaskClient, logged: list[str], fhir_server: SekmetServer
) -> None:
    body = copy.deepcopy(EXAMPLE)
    body["context"]["patientId"] = MARKER
    body["fhirServer"] = fhir_server.base_url
    del body["prefetch"]
    response = client.post(WORKUP, json=body)
    assert response.status_code == 200  # the server was asked, and holds no such patient
    assert_unmarked(logged)
