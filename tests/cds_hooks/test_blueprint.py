"""The CDS Hooks HTTP surface, on a small service that echoes what it was given.

These tests exercise the protocol alone; the clinical service is tested through the
Microcyte app elsewhere.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks.blueprint import Endpoints, init_app
from cds_hooks.cors import CorsSettings
from cds_hooks.errors import CDSHooksError
from cds_hooks.models import Action, Card, CDSResponse, Coding, FeedbackRequest, Link, Source, Suggestion
from cds_hooks.prefetch import PrefetchTemplate
from cds_hooks.service import CDSService, HookCall, ServiceRegistry, cds_service
from tests.paths import SPEC_EXAMPLES

HOOK_INSTANCE = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"


@cds_service(
    id="echo",
    hook="patient-view",
    title="Echo",
    description="Says which prefetch keys it could use.",
    prefetch={
        "patient": PrefetchTemplate("Patient/{{context.patientId}}", required=True),
        "labs": PrefetchTemplate("Observation?patient={{context.patientId}}"),
    },
)
def echo(call: HookCall) -> CDSResponse:
    states = ", ".join(f"{key}={item.state.value}" for key, item in call.prefetch.items.items())
    return CDSResponse(cards=[Card(summary=states[:139], indicator="info", source=Source(label="Echo"))])


def make_app(**endpoint_options: Any) -> Flask:
    app = Flask("test")
    app.config["MAX_CONTENT_LENGTH"] = 4096
    init_app(app, Endpoints(registry=ServiceRegistry([echo]), **endpoint_options))
    return app


@pytest.fixture
def client() -> FlaskClient:
    return make_app().test_client()


def hook_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": HOOK_INSTANCE,
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
        "prefetch": {"patient": {"resourceType": "Patient", "id": "p1"}},
    }
    body.update(changes)
    return body


def assert_outcome(response: Any, status: int, *, field: str | None = None, says: str = "") -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    if field is not None:
        assert issue["expression"] == [field]
    assert says in issue["diagnostics"]


def test_discovery_lists_the_service_with_its_prefetch(client: FlaskClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    assert response.get_json() == {
        "services": [
            {
                "hook": "patient-view",
                "id": "echo",
                "title": "Echo",
                "description": "Says which prefetch keys it could use.",
                "prefetch": {
                    "patient": "Patient/{{context.patientId}}",
                    "labs": "Observation?patient={{context.patientId}}",
                },
            }
        ]
    }


def test_a_call_tells_each_prefetch_state_apart(client: FlaskClient) -> None:
    response = client.post("/cds-services/echo", json=hook_request())
    assert response.status_code == 200
    assert response.get_json()["cards"][0]["summary"] == "patient=present, labs=absent"

    with_null = hook_request(prefetch={"patient": {"resourceType": "Patient"}, "labs": None})
    assert "labs=null" in client.post("/cds-services/echo", json=with_null).get_json()["cards"][0]["summary"]

    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    failed = hook_request(prefetch={"patient": {"resourceType": "Patient"}, "labs": outcome})
    summary = client.post("/cds-services/echo", json=failed).get_json()["cards"][0]["summary"]
    assert "labs=operation-outcome" in summary


def test_a_paginated_prefetched_search_is_read(client: FlaskClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "next", "url": "https://fhir.example.org/Observation?page=2"}],
        "entry": [{"resource": {"resourceType": "Observation", "id": "o1"}}],
    }
    response = client.post(
        "/cds-services/echo",
        json=hook_request(prefetch={"patient": {"resourceType": "Patient"}, "labs": bundle}),
    )
    assert response.status_code == 200
    assert "labs=present" in response.get_json()["cards"][0]["summary"]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"hookInstance": HOOK_INSTANCE, "context": {}}, "hook", "Field required"),
        (hook_request(hookInstance="42"), "hookInstance", "UUID"),
        (hook_request(context="patient"), "context", "dictionary"),
        (hook_request(hook="order-sign"), "hook", "answers 'patient-view'"),
        (hook_request(context={"userId": "Practitioner/1"}), "context.patientId", "required"),
        (hook_request(fhirServer="file:///etc/passwd"), "fhirServer", "http(s) URL"),
        (
            hook_request(
                fhirAuthorization={
                    "access_token": "t",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "scope": "patient/*.read",
                    "subject": "svc",
                }
            ),
            None,
            "cds-r-1",
        ),
    ],
)
def test_an_invalid_request_is_400_naming_the_field(
    client: FlaskClient, body: dict[str, Any], field: str | None, says: str
) -> None:
    assert_outcome(client.post("/cds-services/echo", json=body), 400, field=field, says=says)


@pytest.mark.parametrize(
    ("context", "field"),
    [
        ({"userId": "Practitioner/1", "patientId": "x&patient=other"}, "context.patientId"),
        ({"userId": "Practitioner/1", "patientId": "../Practitioner/1"}, "context.patientId"),
        ({"userId": "Practitioner/1", "patientId": "1,2"}, "context.patientId"),
        ({"userId": "Practitioner/1", "patientId": "p" * 65}, "context.patientId"),
        ({"userId": "Practitioner/1", "patientId": 123}, "context.patientId"),
        ({"userId": "Practitioner/1", "patientId": "p1", "encounterId": "e 1"}, "context.encounterId"),
        ({"userId": "Practitioner/1?x=1", "patientId": "p1"}, "context.userId"),
        ({"userId": "1", "patientId": "p1"}, "context.userId"),
    ],
)
def test_a_context_id_that_cannot_be_a_fhir_id_is_400_naming_it(
    client: FlaskClient, context: dict[str, Any], field: str
) -> None:
    response = client.post("/cds-services/echo", json=hook_request(context=context))
    assert_outcome(response, 400, field=field)


@pytest.mark.parametrize("raw", [b"{", b"", b"[1, 2]", b"null", b"\xff\xfe"])
def test_a_malformed_body_is_400(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/cds-services/echo", data=raw, content_type="application/json")
    assert_outcome(response, 400)


def test_an_unknown_service_is_404(client: FlaskClient) -> None:
    assert_outcome(client.post("/cds-services/nope", json=hook_request()), 404, says="nope")
    assert_outcome(client.get("/elsewhere"), 404)


def test_a_wrong_method_is_405(client: FlaskClient) -> None:
    response = client.delete("/cds-services")
    assert_outcome(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_outcome(client.get("/cds-services/echo"), 405)


def test_a_body_over_the_limit_is_413(client: FlaskClient) -> None:
    big = hook_request(extension={"padding": "x" * 8000})
    assert_outcome(client.post("/cds-services/echo", json=big), 413)


def test_a_body_that_is_not_json_is_415(client: FlaskClient) -> None:
    response = client.post("/cds-services/echo", data=json.dumps(hook_request()), content_type="text/plain")
    assert_outcome(response, 415, says="text/plain")


def test_a_missing_required_key_with_no_fhir_server_is_412(client: FlaskClient) -> None:
    response = client.post("/cds-services/echo", json=hook_request(prefetch={"labs": None}))
    assert_outcome(response, 412, field="prefetch.patient", says="'patient'")
    response = client.post("/cds-services/echo", json=hook_request(prefetch=None))
    assert_outcome(response, 412, field="prefetch.patient")


def test_a_prefetch_error_on_a_required_key_is_412(client: FlaskClient) -> None:
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}
    response = client.post("/cds-services/echo", json=hook_request(prefetch={"patient": outcome}))
    assert_outcome(response, 412, field="prefetch.patient", says="prefetch error")


def test_extension_members_are_accepted(client: FlaskClient) -> None:
    body = hook_request(extension={"com.example.timestamp": "2017-11-27T22:13:25Z"})
    assert client.post("/cds-services/echo", json=body).status_code == 200


def test_cors_preflight_answers_a_browser_client(client: FlaskClient) -> None:
    response = client.options(
        "/cds-services/echo",
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("path", ["/cds-services/", "/cds-services//echo", "//cds-services///echo/"])
def test_a_preflight_on_a_typed_url_is_answered_not_redirected(client: FlaskClient, path: str) -> None:
    # The path goes in as the request line carries it: the test client would read the host
    # "cds-services" from a URL that starts with "//".
    response = client.options(
        environ_overrides={"PATH_INFO": path},
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" in response.headers


PREFLIGHT = {
    "Origin": "https://sandbox.cds-hooks.org",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.mark.parametrize("path", ["/cds-services", "/cds-services/echo", "/cds-services/echo/feedback"])
def test_a_preflight_on_each_cds_endpoint_is_204_with_cors(client: FlaskClient, path: str) -> None:
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["/elsewhere", "/", "/cds-services/echo/extra", "/cds-services-x"])
def test_a_preflight_on_a_path_with_no_endpoint_is_a_json_404_without_cors(
    client: FlaskClient, path: str
) -> None:
    response = client.options(path, headers=PREFLIGHT)
    assert_outcome(response, 404, says="no such endpoint")
    assert not [key for key, _ in response.headers.items() if key.startswith("Access-Control-")]


def test_a_wrong_method_on_a_cds_endpoint_is_readable_by_a_browser(client: FlaskClient) -> None:
    response = client.get("/cds-services/echo", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert_outcome(response, 405)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_browser_client_can_read_when_to_send_refused_feedback_again() -> None:
    def unavailable(service: CDSService, items: FeedbackRequest, now: datetime) -> None:
        raise CDSHooksError(503, "feedback cannot be stored now", retry_after_seconds=7)

    client = make_app(on_feedback=unavailable).test_client()
    response = client.post(
        "/cds-services/echo/feedback",
        json=json.loads((SPEC_EXAMPLES / "feedback-overridden-with-reason.json").read_text()),
        headers={"Origin": "https://sandbox.cds-hooks.org"},
    )
    assert_outcome(response, 503, says="cannot be stored")
    assert response.headers["Retry-After"] == "7"
    exposed = [name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")]
    assert "Retry-After" in exposed


def test_a_call_and_discovery_at_typed_urls_reach_the_service(client: FlaskClient) -> None:
    assert client.post("/cds-services//echo", json=hook_request()).status_code == 200
    assert client.get("/cds-services/").get_json()["services"][0]["id"] == "echo"


def test_cors_on_a_call_and_on_an_error(client: FlaskClient) -> None:
    origin = {"Origin": "https://sandbox.cds-hooks.org"}
    assert client.get("/cds-services", headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    refused = client.post("/cds-services/nope", json=hook_request(), headers=origin)
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_with_listed_origins_echoes_only_those() -> None:
    cors = CorsSettings(allowed_origins=["https://ehr.example.org"], allow_credentials=True)
    client = make_app(cors=cors).test_client()
    allowed = client.get("/cds-services", headers={"Origin": "https://ehr.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://ehr.example.org"
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/cds-services", headers={"Origin": "https://evil.example.org"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_wildcard_origin_with_credentials_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="wildcard"):
        CorsSettings(allowed_origins=["*"], allow_credentials=True)


def test_a_defect_in_a_service_is_a_json_500_logged_without_data(caplog: pytest.LogCaptureFixture) -> None:
    @cds_service(id="broken", hook="patient-view", title="Broken", description="Fails.")
    def broken(call: HookCall) -> CDSResponse:
        raise ValueError(f"summary too long: Hb 6.1 g/dL for patient {call.context['patientId']}")

    app = Flask("test")
    init_app(app, Endpoints(registry=ServiceRegistry([broken])))
    response = app.test_client().post("/cds-services/broken", json=hook_request())
    assert_outcome(response, 500, says="internal error")
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "ValueError" in record.getMessage() and "broken" in record.getMessage()
    assert "6.1" not in record.getMessage() and "p1" not in record.getMessage()
    assert record.exc_info is None


def test_the_clock_given_to_the_service_is_the_endpoints_clock() -> None:
    seen: list[datetime] = []

    @cds_service(id="clock", hook="patient-view", title="Clock", description="Records now.")
    def clock(call: HookCall) -> CDSResponse:
        seen.append(call.received_at)
        return CDSResponse()

    fixed = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    app = Flask("test")
    init_app(app, Endpoints(registry=ServiceRegistry([clock]), clock=lambda: fixed))
    response = app.test_client().post("/cds-services/clock", json=hook_request())
    assert response.get_json() == {"cards": []}
    assert seen == [fixed]


def _empty_members(value: Any, where: str = "") -> list[str]:
    """Where a null, "", [] or {} sits in a JSON document."""
    if isinstance(value, dict):
        found = [where or "/"] if not value else []
        for key, member in value.items():
            found += _empty_members(member, f"{where}/{key}")
        return found
    if isinstance(value, list):
        found = [where] if not value else []
        for index, item in enumerate(value):
            found += _empty_members(item, f"{where}/{index}")
        return found
    return [where] if value is None or value == "" else []


def test_a_card_with_empty_members_goes_over_http_without_them() -> None:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "note": "",
        "code": {"coding": [], "text": "Ferritin"},
        "subject": {"reference": "Patient/p1", "display": None},
        # Python values JSON writes as null, [] or "": as empty as those.
        "quantity": {"value": float("nan")},
        "reasonCode": (),
        "supportingInfo": [b"", None],
        "authoredOn": date(2026, 11, 21),
    }

    @cds_service(id="sparse", hook="patient-view", title="Sparse", description="Leaves members empty.")
    def sparse(call: HookCall) -> CDSResponse:
        action = Action(type="create", description="Order ferritin", resource=resource)
        resource["code"]["text"] = ""  # changed after the action was made: not the action's resource
        card = Card(
            summary="Consider ferritin",
            detail="",
            indicator="info",
            source=Source(label="Sparse", topic=Coding(system="urn:x", code="r", display="", version="")),
            suggestions=[
                Suggestion(label="Order ferritin", actions=[action]),
                Suggestion(label="x", actions=[]),
            ],
            selectionBehavior="any",
            overrideReasons=[],
            links=[Link(label="App", url="https://app.example.org", type="smart", appContext="")],
        )
        return CDSResponse(cards=[card], systemActions=[])

    app = Flask("test")
    init_app(app, Endpoints(registry=ServiceRegistry([sparse])))
    response = app.test_client().post("/cds-services/sparse", json=hook_request())
    assert response.status_code == 200
    body = json.loads(response.data)
    assert _empty_members(body) == []
    [card] = body["cards"]
    assert card["suggestions"][0]["actions"][0]["resource"] == {
        "resourceType": "ServiceRequest",
        "code": {"text": "Ferritin"},
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-11-21",
    }
    assert card["source"]["topic"] == {"system": "urn:x", "code": "r"}


def test_discovery_of_a_service_with_empty_members_holds_none_of_them() -> None:
    @cds_service(id="bare", hook="patient-view", title="", description="Declares empty members.")
    def bare(call: HookCall) -> CDSResponse:
        return CDSResponse()

    app = Flask("test")
    init_app(app, Endpoints(registry=ServiceRegistry([bare])))
    body = json.loads(app.test_client().get("/cds-services").data)
    assert _empty_members(body) == []
    assert body == {
        "services": [{"hook": "patient-view", "id": "bare", "description": "Declares empty members."}]
    }
