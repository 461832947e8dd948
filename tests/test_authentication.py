"""Authentication as a CDS client meets it over HTTP: a signed JWT on every call.

Tokens are signed with the CDS Hooks sandbox's published key (trusted through the
``cds-hooks-sandbox`` preset) and with a key generated here for an Epic-like client.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from tests.paths import EXAMPLE_REQUEST, SANDBOX_KEYS

SANDBOX_ISS = "https://sandbox.cds-hooks.org"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
EPIC_ISS = "https://fhir.epic.example.org/interconnect"
EXAMPLE = EXAMPLE_REQUEST
EPIC_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sandbox_token(aud: str, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": SANDBOX_ISS,
        "aud": aud,
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    key = (SANDBOX_KEYS / "ecprivkey.pem").read_bytes()
    return jwt.encode(payload, key, algorithm="ES384", headers={"kid": SANDBOX_KID, "typ": "JWT"})


def epic_token(aud: str) -> str:
    now = int(time.time())
    payload = {
        "iss": EPIC_ISS,
        "sub": "epic-client",
        "aud": aud,
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(payload, EPIC_KEY, algorithm="RS384", headers={"kid": "epic-1", "typ": "JWT"})


@pytest.fixture
def app(tmp_path: Any) -> Flask:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(EPIC_KEY.public_key()))
    jwks = tmp_path / "epic-jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "epic-1", "alg": "RS384", "use": "sig"}]}))
    return create_app(
        {
            "auth": {
                "trust": ["cds-hooks-sandbox"],
                "clients": [
                    {
                        "iss": EPIC_ISS,
                        "jwks_file": str(jwks),
                        "fhir_servers": ["https://fhir.epic.example.org/*"],
                    }
                ],
            }
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


SERVICE_URL = "http://localhost/cds-services/microcytosis-workup"


def test_every_call_needs_a_token(client: FlaskClient) -> None:
    for response in (
        client.get("/cds-services"),
        client.post("/cds-services/microcytosis-workup", json=json.loads(EXAMPLE.read_text())),
        client.post("/cds-services/microcytosis-workup/feedback", json={"feedback": []}),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.get_json()["issue"][0]["diagnostics"] == "authentication required"


def test_a_preflight_needs_no_token_but_an_unknown_path_stays_unknown(client: FlaskClient) -> None:
    preflight = {"Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "POST"}
    answered = client.options("/cds-services/microcytosis-workup", headers=preflight)
    assert answered.status_code == 204
    assert answered.headers["Access-Control-Allow-Origin"] == "*"
    unknown = client.options("/cds-services/microcytosis-workup/nothing", headers=preflight)
    assert unknown.status_code == 404
    assert unknown.get_json()["resourceType"] == "OperationOutcome"


def test_a_browser_can_read_an_authentication_refusal(client: FlaskClient) -> None:
    response = client.get("/cds-services", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]


def test_the_sandbox_token_for_this_url_is_accepted(client: FlaskClient) -> None:
    discovery = client.get("/cds-services", headers=bearer(sandbox_token("http://localhost/cds-services")))
    assert discovery.status_code == 200
    call = client.post(
        "/cds-services/microcytosis-workup",
        json=json.loads(EXAMPLE.read_text()),
        headers=bearer(sandbox_token(SERVICE_URL)),
    )
    assert call.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/cds-services/"),
        ("post", "/cds-services//microcytosis-workup"),
        ("post", "/cds-services/microcytosis-workup/"),
    ],
)
def test_a_url_as_users_type_it_is_answered_directly_for_its_own_audience(
    client: FlaskClient, method: str, path: str
) -> None:
    """The sandbox appends "/<id>" to the discovery URL a person typed, and signs that URL."""
    body = json.loads(EXAMPLE.read_text()) if method == "post" else None
    response = getattr(client, method)(
        path, json=body, headers=bearer(sandbox_token(f"http://localhost{path}"))
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["Content-Type"] == "application/json"


def test_a_token_for_another_endpoint_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/cds-services/microcytosis-workup",
        json=json.loads(EXAMPLE.read_text()),
        headers=bearer(sandbox_token("http://localhost/cds-services/other")),
    )
    assert response.status_code == 401


def test_a_replayed_token_is_refused(client: FlaskClient) -> None:
    token = sandbox_token("http://localhost/cds-services")
    assert client.get("/cds-services", headers=bearer(token)).status_code == 200
    assert client.get("/cds-services", headers=bearer(token)).status_code == 401


def test_the_audience_follows_the_public_base_url_behind_a_proxy() -> None:
    app = create_app(
        {
            "auth": {"trust": ["cds-hooks-sandbox"]},
            "server": {"public_base_url": "https://cds.example.org/microcyte"},
        }
    )
    client = app.test_client()
    public = sandbox_token("https://cds.example.org/microcyte/cds-services")
    assert client.get("/cds-services", headers=bearer(public)).status_code == 200
    internal = sandbox_token("http://localhost/cds-services")
    assert client.get("/cds-services", headers=bearer(internal)).status_code == 401


def test_an_epic_style_rs384_token_is_accepted(client: FlaskClient) -> None:
    body = json.loads(EXAMPLE.read_text())
    response = client.post(
        "/cds-services/microcytosis-workup", json=body, headers=bearer(epic_token(SERVICE_URL))
    )
    assert response.status_code == 200


def test_a_client_may_only_name_its_own_fhir_servers(client: FlaskClient) -> None:
    body = json.loads(EXAMPLE.read_text())
    body["fhirServer"] = "https://fhir.elsewhere.example.org/R4"
    response = client.post(
        "/cds-services/microcytosis-workup", json=body, headers=bearer(epic_token(SERVICE_URL))
    )
    assert response.status_code == 403
    assert response.get_json()["issue"][0]["expression"] == ["fhirServer"]


def test_refusals_are_counted_and_logged_without_the_token(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = sandbox_token("http://localhost/cds-services/wrong")
    with caplog.at_level(logging.DEBUG):
        assert client.get("/cds-services", headers=bearer(token)).status_code == 401
    assert caplog.records
    for record in caplog.records:
        assert token not in record.getMessage()
        assert token.split(".")[1] not in record.getMessage()
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'cds_auth_failures_total{reason="' in metrics


def test_without_trusted_clients_everything_is_refused() -> None:
    client = create_app().test_client()
    assert (
        client.get(
            "/cds-services", headers=bearer(sandbox_token("http://localhost/cds-services"))
        ).status_code
        == 401
    )
