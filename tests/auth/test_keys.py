"""Where keys come from: JWKS downloads, their cache, key rotation and the jku allowlist."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.warnings import InsecureKeyLengthWarning

from cds_hooks.auth import AuthenticationError, JWTVerifier
from tests.auth.support import AUDIENCE, ISSUER, Clock, SigningKey, bearer, verifier_for


def refusal(verifier: JWTVerifier, token: str) -> str:
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify(bearer(token), AUDIENCE)
    return caught.value.reason


def new_key(kid: str) -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP384R1()), kid=kid, alg="ES384")


def test_the_key_set_is_downloaded_as_json_once_and_cached(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    # The local server answers XML unless JSON is asked for, as Epic does.
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=server.url())

    for _ in range(3):
        verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
        clock.advance(600)

    assert [(hit.method, hit.path, hit.accept) for hit in server.hits] == [
        ("GET", "/.well-known/jwks.json", "application/json")
    ]


def test_the_key_set_is_downloaded_again_once_the_cache_expires(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=server.url(), settings={"jwks_cache_seconds": 600})
    verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    clock.advance(601)
    verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    assert len(server.hits) == 2


def test_keys_are_still_served_when_the_jwks_server_goes_down(
    ec_key: SigningKey, clock: Clock, serve_keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=server.url())
    verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    server.stop()

    clock.advance(60)
    assert verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE).iss == ISSUER
    clock.advance(3600)  # past the cache lifetime: the reload fails, the old keys stay
    assert verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE).iss == ISSUER
    assert "still using the keys loaded before" in caplog.text


def test_an_unknown_kid_triggers_one_refresh_and_no_more_within_the_interval(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    rotated = new_key("ec-2027-02")
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=server.url())
    verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE)
    server.jwks = {"keys": [ec_key.public_jwk(), rotated.public_jwk()]}  # the client rotates its key
    clock.advance(61)

    assert verifier.verify(bearer(rotated.mint(clock)), AUDIENCE).iss == ISSUER
    assert len(server.hits) == 2

    clock.advance(30)
    assert refusal(verifier, new_key("never-published").mint(clock)) == "unknown kid"
    assert len(server.hits) == 2


def test_an_unknown_kid_right_after_a_download_causes_no_second_download(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=server.url())
    assert refusal(verifier, new_key("made-up-1").mint(clock)) == "unknown kid"
    clock.advance(10)
    assert refusal(verifier, new_key("made-up-2").mint(clock)) == "unknown kid"
    assert len(server.hits) == 1


def test_a_failing_jwks_server_is_asked_at_most_once_per_interval(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    server = serve_keys(ec_key.jwks())
    server.status = 503
    verifier = verifier_for(clock, jwks_url=server.url())

    assert refusal(verifier, ec_key.mint(clock)) == "signing keys unavailable"
    clock.advance(10)
    assert refusal(verifier, ec_key.mint(clock)) == "signing keys unavailable"
    assert len(server.hits) == 1

    server.status = 200
    clock.advance(60)
    assert verifier.verify(bearer(ec_key.mint(clock)), AUDIENCE).iss == ISSUER


@pytest.mark.parametrize(
    "body",
    [
        b"<JWKS><Keys/></JWKS>",
        b'{"keys": "none"}',
        b'{"keys": [{"kty": "oct", "kid": "ec-2027-01", "k": "c2VjcmV0"}]}',
        b"[" * 100_000,
        b" " * (600 * 1024),
    ],
    ids=["xml", "keys-not-a-list", "symmetric-key", "deeply-nested", "oversized"],
)
def test_a_jwks_answer_that_is_not_a_usable_key_set_is_refused(
    ec_key: SigningKey, clock: Clock, serve_keys: Any, body: bytes
) -> None:
    server = serve_keys(ec_key.jwks())
    server.body = body
    verifier = verifier_for(clock, jwks_url=server.url())
    assert refusal(verifier, ec_key.mint(clock)) == "signing keys unavailable"


def test_a_redirect_from_the_jwks_url_is_not_followed(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    elsewhere = serve_keys(ec_key.jwks())
    server = serve_keys(ec_key.jwks())
    server.status, server.location = 302, elsewhere.url()
    verifier = verifier_for(clock, jwks_url=server.url())

    assert refusal(verifier, ec_key.mint(clock)) == "signing keys unavailable"
    assert elsewhere.hits == []


def test_a_jku_outside_the_allowlist_is_never_fetched(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    attacker_key = new_key("attacker")
    attacker = serve_keys(attacker_key.jwks())
    trusted = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=trusted.url(), jku_prefixes=[trusted.url("/keys/")])

    forged = attacker_key.mint(clock, header={"jku": attacker.url()})
    assert refusal(verifier, forged) == "jku not allowed for this issuer"
    assert attacker.hits == []
    assert trusted.hits == []


def test_a_jku_under_an_allowed_prefix_is_fetched(ec_key: SigningKey, clock: Clock, serve_keys: Any) -> None:
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jku_prefixes=[server.url("/tenants/")])

    token = ec_key.mint(clock, header={"jku": server.url("/tenants/north/jwks.json")})
    assert verifier.verify(bearer(token), AUDIENCE).iss == ISSUER
    assert refusal(verifier, ec_key.mint(clock)) == "unknown kid"  # no jku, no other key source
    assert [hit.path for hit in server.hits] == ["/tenants/north/jwks.json"]


def test_new_jku_urls_are_fetched_at_most_once_per_interval(
    ec_key: SigningKey, clock: Clock, serve_keys: Any
) -> None:
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jku_prefixes=[server.url("/tenants/")])
    verifier.verify(bearer(ec_key.mint(clock, header={"jku": server.url("/tenants/a")})), AUDIENCE)

    made_up = ec_key.mint(clock, header={"jku": server.url("/tenants/b")})
    assert refusal(verifier, made_up) == "too many new jku URLs for this issuer"
    assert len(server.hits) == 1
    clock.advance(60)
    assert verifier.verify(bearer(made_up), AUDIENCE).iss == ISSUER


def test_concurrent_calls_share_one_download(ec_key: SigningKey, clock: Clock, serve_keys: Any) -> None:
    server = serve_keys(ec_key.jwks())
    server.delay_seconds = 0.2
    verifier = verifier_for(clock, jwks_url=server.url())
    tokens = [ec_key.mint(clock) for _ in range(8)]
    start = threading.Barrier(len(tokens))
    outcomes: list[str] = []

    def call(token: str) -> None:
        start.wait()
        try:
            outcomes.append(verifier.verify(bearer(token), AUDIENCE).iss)
        except AuthenticationError as error:
            outcomes.append(error.reason)

    threads = [threading.Thread(target=call, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == [ISSUER] * len(tokens)
    assert len(server.hits) == 1


def test_a_weak_rsa_key_in_a_downloaded_set_is_ignored(clock: Clock, serve_keys: Any) -> None:
    weak = SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=1024), kid="weak", alg="RS384")
    server = serve_keys(weak.jwks())
    verifier = verifier_for(clock, jwks_url=server.url())
    with pytest.warns(InsecureKeyLengthWarning):
        token = weak.mint(clock)
    assert refusal(verifier, token) == "signing keys unavailable"


def test_fetch_failures_are_logged_without_the_token(
    ec_key: SigningKey, clock: Clock, serve_keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = serve_keys(ec_key.jwks())
    server.status = 500
    verifier = verifier_for(clock, jwks_url=server.url())
    token = ec_key.mint(clock)
    refusal(verifier, token)
    assert "answered HTTP 500" in caplog.text
    assert token.split(".")[2] not in caplog.text
