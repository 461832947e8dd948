"""A token's ``jku`` as an attacker writes it: it must stay inside the client's folder, or nothing is fetched.

One real key host on 127.0.0.1 holds the client's key set under ``/keys/`` and, outside it,
a key set the attacker placed there (``/evil/jwks.json``). It resolves paths as a lenient
static server does, so a jku that climbs out of ``/keys/`` in any encoding would reach the
attacker's keys. Calls go through the whole app: discovery, a hook call and feedback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient

from service.app import create_app
from service.config import ConfigError
from tests.auth.support import ISSUER, Clock, KeyServer, SigningKey
from tests.paths import EXAMPLE_REQUEST, ROOT, SPEC_EXAMPLES

HOOK = "/cds-services/microcytosis-workup"
CALLS = {
    "discovery": ("GET", "/cds-services", None),
    "hook": (
        "POST",
        HOOK,
        json.loads((EXAMPLE_REQUEST).read_text()),
    ),
    "feedback": (
        "POST",
        HOOK + "/feedback",
        json.loads((SPEC_EXAMPLES / "feedback-accepted.json").read_text()),
    ),
}

# Each climbs from /keys/ to /evil/jwks.json for some server that decodes, splits or trims
# before resolving the path; the genuine key set is at /keys/tenant/jwks.json.
ESCAPES = [
    "../evil/jwks.json",
    "./../evil/jwks.json",
    "tenant/../../evil/jwks.json",
    "%2e%2e/evil/jwks.json",
    "%2E%2e/evil/jwks.json",
    ".%2e/evil/jwks.json",
    "%2e./evil/jwks.json",
    "%2e/%2e%2e/evil/jwks.json",
    "..%2fevil/jwks.json",
    "..%2Fevil/jwks.json",
    "%2e%2e%2fevil/jwks.json",
    "%2E%2E%2Fevil/jwks.json",
    "..%5cevil/jwks.json",
    "..%5Cevil%5cjwks.json",
    "..\\evil/jwks.json",
    "%252e%252e/evil/jwks.json",
    "%252e%252e%252fevil/jwks.json",
    "..%252fevil/jwks.json",
    "..;/evil/jwks.json",
    "..%3b/evil/jwks.json",
    "tenant/..;x/..;/evil/jwks.json",
    "%c0%ae%c0%ae/evil/jwks.json",
    "tenant/jwks.json?/../../evil/jwks.json",
    "tenant/jwks.json#/../../evil/jwks.json",
    "/evil/jwks.json",  # an empty segment, which a server may collapse
]


def new_key(kid: str) -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP384R1()), kid=kid, alg="ES384")


CLIENT_KEY = new_key("client-2027")
ATTACKER_KEY = new_key("attacker-1")


@pytest.fixture
def keys_host() -> Iterator[KeyServer]:
    server = KeyServer.start({"keys": []})
    server.routes = {
        "/keys/tenant/jwks.json": CLIENT_KEY.jwks(),
        "/evil/jwks.json": ATTACKER_KEY.jwks(),
        "/keys/evil/jwks.json": ATTACKER_KEY.jwks(),  # what '/keys//evil/' collapses to
        "/kevil/jwks.json": ATTACKER_KEY.jwks(),
        "/keys": ATTACKER_KEY.jwks(),  # the folder's name without its slash: a sibling entry
    }
    yield server
    server.stop()


def app_trusting(*prefixes: str) -> FlaskClient:
    return create_app({"auth": {"clients": [{"iss": ISSUER, "jku_prefixes": list(prefixes)}]}}).test_client()


def call(client: FlaskClient, name: str, key: SigningKey, jku: str) -> int:
    method, path, body = CALLS[name]
    token = key.mint(Clock(time.time()), aud="http://localhost" + path, header={"jku": jku})
    response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_a_jku_inside_the_prefix_is_fetched_and_trusted(keys_host: KeyServer) -> None:
    client = app_trusting(keys_host.url("/keys/"))
    jku = keys_host.url("/keys/tenant/jwks.json")
    assert {name: call(client, name, CLIENT_KEY, jku) for name in CALLS} == dict.fromkeys(CALLS, 200)
    assert [hit.path for hit in keys_host.hits] == ["/keys/tenant/jwks.json"]


def test_the_attackers_key_set_outside_the_prefix_is_refused(keys_host: KeyServer) -> None:
    client = app_trusting(keys_host.url("/keys/"))
    jku = keys_host.url("/evil/jwks.json")
    assert {name: call(client, name, ATTACKER_KEY, jku) for name in CALLS} == dict.fromkeys(CALLS, 401)
    assert keys_host.hits == []


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_jku_climbing_out_of_the_prefix_is_refused_and_never_fetched(
    keys_host: KeyServer, escape: str
) -> None:
    client = app_trusting(keys_host.url("/keys/"))
    jku = keys_host.url("/keys/" + escape)
    assert {name: call(client, name, ATTACKER_KEY, jku) for name in CALLS} == dict.fromkeys(CALLS, 401)
    assert keys_host.hits == []


def test_a_prefix_matches_whole_segments_only(keys_host: KeyServer) -> None:
    client = app_trusting(keys_host.url("/k/"))
    jku = keys_host.url("/kevil/jwks.json")
    assert {name: call(client, name, ATTACKER_KEY, jku) for name in CALLS} == dict.fromkeys(CALLS, 401)
    assert keys_host.hits == []


def test_a_prefix_that_is_not_a_directory_is_refused_at_start_up(keys_host: KeyServer) -> None:
    prefix = keys_host.url("/k")
    with pytest.raises(ConfigError, match="not a directory URL") as refused:
        app_trusting(prefix)
    assert repr(prefix) in str(refused.value)


def test_the_command_refuses_a_prefix_that_is_not_a_directory_naming_it(tmp_path: Path) -> None:
    # `services` reads the configuration as `serve` does, and stops instead of listening.
    config = tmp_path / "microcyte.toml"
    config.write_text(
        '[[auth.clients]]\niss = "https://ehr.example.org"\njku_prefixes = ["https://keys.example.org/k"]\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "service", "services", "--config", str(config)],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env=dict(os.environ),
    )
    assert done.returncode != 0
    assert b"jku prefix 'https://keys.example.org/k' is not a directory URL" in done.stderr


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_from_a_jku_is_not_followed(status: int) -> None:
    # The client's folder answers a redirect to the attacker's set on another real server.
    elsewhere = KeyServer.start(ATTACKER_KEY.jwks())
    try:
        redirector = KeyServer.start(ATTACKER_KEY.jwks())
        redirector.status, redirector.location = status, elsewhere.url()
        try:
            client = app_trusting(redirector.url("/keys/"))
            jku = redirector.url("/keys/tenant/jwks.json")
            assert {name: call(client, name, ATTACKER_KEY, jku) for name in CALLS} == dict.fromkeys(
                CALLS, 401
            )
            assert [hit.path for hit in redirector.hits] == ["/keys/tenant/jwks.json"]
            assert elsewhere.hits == []
        finally:
            redirector.stop()
    finally:
        elsewhere.stop()


def test_the_prefixs_folder_named_without_its_slash_is_refused(keys_host: KeyServer) -> None:
    """``.../keys`` is an entry beside the folder ``.../keys/``, which a server may answer as it likes."""
    client = app_trusting(keys_host.url("/keys/"))
    jku = keys_host.url("/keys")
    assert {name: call(client, name, ATTACKER_KEY, jku) for name in CALLS} == dict.fromkeys(CALLS, 401)
    assert keys_host.hits == []
