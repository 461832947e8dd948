"""Configuration mistakes are caught when the service starts, with a message that says which."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from cds_hooks.auth import AuthSettings, TrustedClient
from tests.auth.support import ISSUER, SigningKey
from tests.paths import SANDBOX_KEYS

EC_JWKS = SigningKey(ec.generate_private_key(ec.SECP384R1()), kid="k1", alg="ES384").jwks()


def client(**fields: Any) -> TrustedClient:
    return TrustedClient(**{"iss": ISSUER, "jwks": EC_JWKS, **fields})


def test_the_defaults_are_the_documented_ones() -> None:
    settings = AuthSettings()
    assert settings.enabled is True
    assert settings.trusted_clients() == []
    assert (settings.leeway_seconds, settings.max_token_lifetime_seconds) == (30, 900)
    assert (settings.jwks_cache_seconds, settings.jwks_refresh_min_interval_seconds) == (3600, 60)
    assert (settings.jwks_timeout_seconds, settings.replay_store) == (2.0, "memory")
    assert client().algorithms == ["ES384", "RS384"]


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "none", "EdDSA", "es384"])
def test_only_asymmetric_algorithms_can_be_configured(algorithm: str) -> None:
    with pytest.raises(ValidationError, match="algorithms"):
        client(algorithms=["ES384", algorithm])


def test_every_listed_asymmetric_algorithm_can_be_configured() -> None:
    every = ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
    assert client(algorithms=every).algorithms == every


def test_a_client_needs_a_key_source() -> None:
    with pytest.raises(ValidationError, match="give jwks, jwks_file, jwks_url or jku_prefixes"):
        TrustedClient(iss=ISSUER)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"jwks_url": "http://ehr.example.org/jwks.json"}, "https URL"),
        ({"jwks_url": "ftp://ehr.example.org/jwks.json"}, "https URL"),
        ({"jwks_url": "https://user:pw@ehr.example.org/jwks.json"}, "user information"),
        ({"jku_prefixes": ["https://ehr.example.org"]}, "is not a directory URL"),
        ({"jku_prefixes": ["jwks.json"]}, "https URL"),
        (
            {"jku_prefixes": ["https://ehr.example.org/keys"]},
            "'https://ehr.example.org/keys' is not a directory",
        ),
        ({"jku_prefixes": ["https://ehr.example.org/keys/../"]}, "'..' segment"),
        ({"jku_prefixes": ["https://ehr.example.org/keys/%2e%2e/"]}, "'..' segment"),
        ({"jku_prefixes": ["https://ehr.example.org/keys/?tenant=1"]}, "query"),
        ({"jku_prefixes": ["https://ehr.example.org/keys/#x"]}, "fragment"),
        ({"jku_prefixes": ["https://user:s3cret@ehr.example.org/keys/"]}, "user information"),
    ],
)
def test_key_urls_must_be_safe(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)) as refused:
        TrustedClient(iss=ISSUER, **fields)
    assert "s3cret" not in str(refused.value)


def test_plain_http_is_allowed_on_loopback_only() -> None:
    assert TrustedClient(iss=ISSUER, jwks_url="http://127.0.0.1:8081/jwks.json").jwks_url
    assert TrustedClient(iss=ISSUER, jku_prefixes=["http://localhost:8081/"]).jku_prefixes


@pytest.mark.parametrize(
    ("jwks", "message"),
    [
        ({"keys": []}, "no usable signing key"),
        ({"kty": "EC"}, "no 'keys' array"),
        ({"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]}, "no usable signing key"),
        ({"keys": [{**EC_JWKS["keys"][0], "use": "enc"}]}, "no usable signing key"),
        ({"keys": [{**EC_JWKS["keys"][0], "kid": None}]}, "no usable signing key"),
    ],
)
def test_an_inline_key_set_must_hold_a_signing_key(jwks: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        client(jwks=jwks)


def test_a_weak_rsa_key_is_refused() -> None:
    weak = SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=1024), kid="weak", alg="RS256")
    with pytest.raises(ValidationError, match="no usable signing key"):
        client(jwks=weak.jwks())


def test_a_jwks_file_must_exist_and_hold_keys(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="jwks_file"):
        TrustedClient(iss=ISSUER, jwks_file=tmp_path / "missing.json")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json")
    with pytest.raises(ValidationError, match="not a readable JSON file"):
        TrustedClient(iss=ISSUER, jwks_file=garbled)
    private_only = tmp_path / "keypair.json"
    private_only.write_text((SANDBOX_KEYS / "jwk-keypair.json").read_text())
    # A published private key pair still yields its public half, and only that is kept.
    assert TrustedClient(iss=ISSUER, jwks_file=private_only).jwks_file == private_only


def test_an_empty_tenant_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="tenants"):
        client(tenants=[])


def test_the_sandbox_preset_holds_the_sandboxs_published_keys() -> None:
    (sandbox,) = AuthSettings(trust=["cds-hooks-sandbox"]).trusted_clients()
    assert sandbox.iss == "https://sandbox.cds-hooks.org"
    assert sandbox.jwks == json.loads((SANDBOX_KEYS / "jwks.json").read_text())
    assert sandbox.algorithms == ["ES384"]
    assert sandbox.allows_jku("https://sandbox.cds-hooks.org/.well-known/jwks.json")
    assert not sandbox.allows_jku("https://sandbox.cds-hooks.org.attacker.example/.well-known/jwks.json")
    assert not sandbox.allows_jku("https://sandbox.cds-hooks.org/.well-known/jwks.json/../../evil.json")
    assert sandbox.may_name_fhir_server("https://launch.smarthealthit.org/v/r4/fhir")


def test_presets_and_clients_combine_but_an_issuer_appears_once() -> None:
    settings = AuthSettings(trust=["cds-hooks-sandbox"], clients=[client()])
    assert [c.iss for c in settings.trusted_clients()] == ["https://sandbox.cds-hooks.org", ISSUER]
    with pytest.raises(ValidationError, match="two trusted clients share the issuer"):
        AuthSettings(clients=[client(), client(tenants=["t"])])


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="unknown trust preset 'epic'; known: cds-hooks-sandbox"):
        AuthSettings(trust=["epic"])


def test_the_replay_store_is_memory_or_redis_and_errors_hide_its_password() -> None:
    assert AuthSettings(replay_store="redis://:s3cret@127.0.0.1:6379/0").replay_store.startswith("redis://")
    assert AuthSettings(replay_store="unix:///run/redis.sock").replay_store
    with pytest.raises(ValidationError) as caught:
        AuthSettings(replay_store="postgres://app:s3cret@127.0.0.1/db")
    assert "replay_store must be 'memory' or a redis://" in str(caught.value)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://fhir.north.example/r4", True),
        ("https://fhir.north.example/r4/", True),
        ("https://fhir.north.example/r4b", False),
        ("https://fhir.north.example", False),
        ("https://tenant-7.epic.example/api/FHIR/R4", True),
        ("https://epic.example.attacker.net/api/FHIR/R4", False),
        ("https://evil.net#.epic.example/api/FHIR/R4", False),
        ("https://evil.net/x.epic.example/api/FHIR/R4", False),
        ("https://user@evil.net?.epic.example/api/FHIR/R4", False),
        ("http://[::1]:8080/fhir", True),
        ("http://[::2]:8080/fhir", False),
    ],
)
def test_which_fhir_servers_a_client_may_name(url: str, allowed: bool) -> None:
    trusted = client(
        fhir_servers=[
            "https://fhir.north.example/r4/",
            "https://*.epic.example/api/FHIR/R4",
            "http://[::1]:8080/fhir",
        ]
    )
    assert trusted.may_name_fhir_server(url) is allowed


def test_a_client_without_fhir_servers_may_name_none() -> None:
    assert client().may_name_fhir_server("https://fhir.north.example/r4") is False


@pytest.mark.parametrize(
    "url",
    [
        "https://fhir.north.example/..",
        "https://fhir.north.example/%2e%2e",
        "https://fhir.north.example/.%2E",
        "https://fhir.north.example/%252e%252e",
    ],
)
def test_a_wildcard_never_stands_for_a_dot_segment(url: str) -> None:
    trusted = client(fhir_servers=["https://fhir.north.example/*"])
    assert trusted.may_name_fhir_server("https://fhir.north.example/r4")
    assert trusted.may_name_fhir_server(url) is False
