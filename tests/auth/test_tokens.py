"""What the verifier accepts and refuses, token by token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cds_hooks.auth import AuthenticationError, AuthSettings, JWTVerifier
from tests.auth.support import AUDIENCE, ISSUER, Clock, SigningKey, bearer, verifier_for
from tests.paths import SANDBOX_KEYS, SPEC_EXAMPLES

SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"


def refusal(verifier: JWTVerifier, header: str | None, audience: str = AUDIENCE) -> str:
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify(header, audience)
    return caught.value.reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- accepted ---------------------------------------------------------------------------


def test_an_es384_token_is_accepted_and_its_claims_reported(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    token = ec_key.mint(clock, sub="cds-client-7", tenant="north-clinic", jti="a-unique-id")

    caller = verifier.verify(bearer(token), AUDIENCE)

    assert (caller.iss, caller.sub, caller.tenant, caller.jti) == (
        ISSUER,
        "cds-client-7",
        "north-clinic",
        "a-unique-id",
    )
    assert caller.exp == clock.now + 300
    assert caller.client.iss == ISSUER


def test_an_rs384_token_is_accepted_with_keys_from_a_file(
    rsa_key: SigningKey, clock: Clock, tmp_path: Any
) -> None:
    jwks_file = tmp_path / "ehr-jwks.json"
    jwks_file.write_text(json.dumps(rsa_key.jwks()))
    verifier = verifier_for(clock, jwks_file=jwks_file)

    assert verifier.verify(bearer(rsa_key.mint(clock)), AUDIENCE).iss == ISSUER


def test_an_rsa_key_without_alg_verifies_rs384_and_ps384(rsa_key: SigningKey, clock: Clock) -> None:
    jwk = rsa_key.public_jwk()
    del jwk["alg"]
    verifier = verifier_for(clock, jwks={"keys": [jwk]}, algorithms=["RS384", "PS384"])
    ps384 = SigningKey(rsa_key.private, kid=rsa_key.kid, alg="PS384")

    assert verifier.verify(bearer(rsa_key.mint(clock)), AUDIENCE).iss == ISSUER
    assert verifier.verify(bearer(ps384.mint(clock)), AUDIENCE).iss == ISSUER


def test_an_epic_style_token_is_accepted(rsa_key: SigningKey, clock: Clock) -> None:
    # Epic signs RS384 tokens that live exactly 15 minutes and carry nbf and sub.
    verifier = verifier_for(clock, jwks=rsa_key.jwks())
    token = rsa_key.mint(clock, lifetime=900, nbf=int(clock.now), sub="d45049c3-3441-40ef-ab4d-b9cd86a17225")

    assert verifier.verify(bearer(token), AUDIENCE).sub == "d45049c3-3441-40ef-ab4d-b9cd86a17225"


def test_the_sandbox_token_is_accepted_with_the_shipped_keys_and_nothing_fetched(
    clock: Clock, offline_session: Any
) -> None:
    session, recorder = offline_session
    private = serialization.load_pem_private_key((SANDBOX_KEYS / "ecprivkey.pem").read_bytes(), password=None)
    sandbox = SigningKey(private, kid=SANDBOX_KID, alg="ES384")
    # As the sandbox signs (cds-hooks/sandbox, jwt-generator.js): jku names its published set.
    token = sandbox.mint(clock, iss=SANDBOX_ISSUER, header={"jku": SANDBOX_JKU})
    verifier = JWTVerifier(AuthSettings(trust=["cds-hooks-sandbox"]), session=session, clock=clock)

    assert verifier.verify(bearer(token), AUDIENCE).iss == SANDBOX_ISSUER
    assert recorder.hits == []


def test_a_lower_case_typ_is_accepted(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert verifier.verify(bearer(ec_key.mint(clock, header={"typ": "jwt"})), AUDIENCE).iss == ISSUER


def test_a_token_expired_within_the_leeway_is_accepted(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    token = ec_key.mint(clock, lifetime=300)
    clock.advance(300 + 29)
    assert verifier.verify(bearer(token), AUDIENCE).iss == ISSUER


def test_a_token_from_a_slightly_fast_clock_is_accepted(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    token = ec_key.mint(clock, iat=int(clock.now + 20), exp=int(clock.now + 320), nbf=int(clock.now + 20))
    assert verifier.verify(bearer(token), AUDIENCE).iss == ISSUER


# --- the specification's own token ------------------------------------------------------

SPEC_TOKEN = (SPEC_EXAMPLES / "jwt-expired-token.txt").read_text().strip()
SPEC_PAYLOAD = json.loads((SPEC_EXAMPLES / "jwt-payload.json").read_text())


def spec_verifier(clock: Clock, session: Any, **settings: Any) -> JWTVerifier:
    return verifier_for(
        clock,
        session=session,
        settings=settings,
        iss=SPEC_PAYLOAD["iss"],
        jwks=json.loads((SPEC_EXAMPLES / "jwks-public.json").read_text()),
        jwks_url="https://fhir-ehr.example.com/jwk_uri",
        tenants=[SPEC_PAYLOAD["tenant"]],
    )


def test_the_specs_expired_token_is_refused(clock: Clock, offline_session: Any) -> None:
    session, recorder = offline_session
    assert refusal(spec_verifier(clock, session), bearer(SPEC_TOKEN), SPEC_PAYLOAD["aud"]) == "token expired"
    assert recorder.hits == []


def test_the_specs_token_is_genuine_but_lives_far_too_long(offline_session: Any) -> None:
    session, _ = offline_session
    when_issued = Clock(SPEC_PAYLOAD["iat"] + 60)
    assert refusal(spec_verifier(when_issued, session), bearer(SPEC_TOKEN), SPEC_PAYLOAD["aud"]) == (
        "token lifetime too long"
    )
    lenient = spec_verifier(when_issued, session, max_token_lifetime_seconds=4 * 10**9)
    assert lenient.verify(bearer(SPEC_TOKEN), SPEC_PAYLOAD["aud"]).tenant == SPEC_PAYLOAD["tenant"]


# --- refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no Authorization header"),
        ("", "no Authorization header"),
        ("Basic dXNlcjpwYXNz", "Authorization is not a Bearer JWT"),
        ("Bearer", "Authorization is not a Bearer JWT"),
        ("Bearer not-a-jwt", "Authorization is not a Bearer JWT"),
        ("Bearer a.b.c d.e.f", "Authorization is not a Bearer JWT"),
        ("Bearer aaaa.bbbb.cccc", "malformed token"),
        ("Bearer " + "a" * 20000 + ".b.c", "Authorization header too large"),
    ],
)
def test_a_missing_or_garbled_authorization_is_refused(
    ec_key: SigningKey, clock: Clock, header: str | None, reason: str
) -> None:
    assert refusal(verifier_for(clock, jwks=ec_key.jwks()), header) == reason


def test_a_token_for_another_service_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    other = "https://cds.example.org/cds-services/other-service"
    assert refusal(verifier, bearer(ec_key.mint(clock, aud=other))) == "wrong audience"
    assert refusal(verifier, bearer(ec_key.mint(clock, aud=[AUDIENCE, other]))) == "wrong audience"
    assert refusal(verifier, bearer(ec_key.mint(clock, drop=("aud",)))) == "wrong audience"


def test_a_token_from_an_unknown_issuer_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert (
        refusal(verifier, bearer(ec_key.mint(clock, iss="https://ehr.attacker.example")))
        == "untrusted issuer"
    )
    assert refusal(verifier, bearer(ec_key.mint(clock, drop=("iss",)))) == "untrusted issuer"


def test_only_the_configured_tenants_are_accepted(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks(), tenants=["north-clinic"])
    assert (
        verifier.verify(bearer(ec_key.mint(clock, tenant="north-clinic")), AUDIENCE).tenant == "north-clinic"
    )
    assert refusal(verifier, bearer(ec_key.mint(clock, tenant="south-clinic"))) == "tenant not allowed"
    assert refusal(verifier, bearer(ec_key.mint(clock))) == "tenant not allowed"


def test_a_token_naming_an_unknown_kid_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert refusal(verifier, bearer(ec_key.mint(clock, header={"kid": "no-such-key"}))) == "unknown kid"
    assert refusal(verifier, bearer(ec_key.mint(clock, header={"kid": None}))) == "kid missing"


def test_a_token_signed_by_another_key_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    impostor = SigningKey(ec.generate_private_key(ec.SECP384R1()), kid=ec_key.kid, alg="ES384")
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert refusal(verifier, bearer(impostor.mint(clock))) == "bad signature"


def test_a_token_whose_claims_were_altered_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    header, _, signature = ec_key.mint(clock, tenant="north-clinic").split(".")
    forged_claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": int(clock.now), "exp": int(clock.now) + 300}
    forged = ".".join(
        [header, b64url(json.dumps({**forged_claims, "jti": "x", "tenant": "all"}).encode()), signature]
    )
    assert refusal(verifier, bearer(forged)) == "bad signature"


def test_an_unsigned_token_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": int(clock.now), "exp": int(clock.now) + 300, "jti": "j"}
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"typ": "JWT", "kid": ec_key.kid})
    assert unsigned.endswith(".")
    assert refusal(verifier, bearer(unsigned)) == "algorithm not allowed"


def test_an_hs256_token_keyed_with_the_rsa_public_key_is_refused(rsa_key: SigningKey, clock: Clock) -> None:
    # The algorithm-confusion forgery: the attacker knows the public key, uses its PEM as an
    # HMAC secret, and hopes the service verifies HS256 with the bytes it holds for that kid.
    verifier = verifier_for(clock, jwks=rsa_key.jwks())
    public_pem = rsa_key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": rsa_key.kid}
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": int(clock.now), "exp": int(clock.now) + 300, "jti": "j"}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()

    assert refusal(verifier, bearer(f"{signing_input}.{b64url(mac)}")) == "algorithm not allowed"


def test_an_algorithm_outside_the_clients_list_is_refused(rsa_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=rsa_key.jwks(), algorithms=["ES384"])
    assert refusal(verifier, bearer(rsa_key.mint(clock))) == "algorithm not allowed for this issuer"


def test_a_token_whose_alg_does_not_fit_the_key_is_refused(
    ec_key: SigningKey, rsa_key: SigningKey, clock: Clock
) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    wrong_family = rsa_key.mint(clock, header={"kid": ec_key.kid})
    assert refusal(verifier, bearer(wrong_family)) == "the key named by kid does not fit alg"


@pytest.mark.parametrize("typ", [None, "at+jwt", 7])
def test_a_token_that_is_not_typed_jwt_is_refused(ec_key: SigningKey, clock: Clock, typ: Any) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert refusal(verifier, bearer(ec_key.mint(clock, header={"typ": typ}))) == "typ is not JWT"


def test_an_expired_token_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    token = ec_key.mint(clock, lifetime=300)
    clock.advance(300 + 30)
    assert refusal(verifier, bearer(token)) == "token expired"


def test_a_token_issued_in_the_future_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    token = ec_key.mint(clock, iat=int(clock.now + 31), exp=int(clock.now + 300))
    assert refusal(verifier, bearer(token)) == "iat in the future"


def test_a_token_not_valid_yet_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert (
        refusal(verifier, bearer(ec_key.mint(clock, nbf=int(clock.now + 120)))) == "token not yet valid (nbf)"
    )
    assert refusal(verifier, bearer(ec_key.mint(clock, nbf="soon"))) == "nbf not a number"


def test_a_token_living_longer_than_the_cap_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert refusal(verifier, bearer(ec_key.mint(clock, lifetime=901))) == "token lifetime too long"
    assert refusal(verifier, bearer(ec_key.mint(clock, iat=int(clock.now), exp=int(clock.now)))) == (
        "exp not after iat"
    )


def test_a_replayed_token_is_refused(ec_key: SigningKey, clock: Clock) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    token = ec_key.mint(clock)
    verifier.verify(bearer(token), AUDIENCE)
    clock.advance(5)
    assert refusal(verifier, bearer(token)) == "token replayed (jti seen before)"


def test_the_same_jti_from_two_issuers_is_not_a_replay(ec_key: SigningKey, clock: Clock) -> None:
    other_issuer = "https://other-ehr.example.org"
    settings = AuthSettings(
        clients=[{"iss": ISSUER, "jwks": ec_key.jwks()}, {"iss": other_issuer, "jwks": ec_key.jwks()}]
    )
    verifier = JWTVerifier(settings, clock=clock)
    verifier.verify(bearer(ec_key.mint(clock, jti="shared-id")), AUDIENCE)
    assert (
        verifier.verify(bearer(ec_key.mint(clock, jti="shared-id", iss=other_issuer)), AUDIENCE).iss
        == other_issuer
    )


def test_a_token_refused_for_its_tenant_does_not_burn_its_jti(ec_key: SigningKey, clock: Clock) -> None:
    strict = verifier_for(clock, jwks=ec_key.jwks(), tenants=["north-clinic"])
    token = ec_key.mint(clock, tenant="south-clinic")
    assert refusal(strict, bearer(token)) == "tenant not allowed"
    assert refusal(strict, bearer(token)) == "tenant not allowed"


@pytest.mark.parametrize(
    ("drop", "reason"),
    [
        ("jti", "jti missing or invalid"),
        ("exp", "exp missing or not a number"),
        ("iat", "iat missing or not a number"),
    ],
)
def test_a_token_missing_a_required_claim_is_refused(
    ec_key: SigningKey, clock: Clock, drop: str, reason: str
) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert refusal(verifier, bearer(ec_key.mint(clock, drop=(drop,)))) == reason


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": "tomorrow"}, "exp missing or not a number"),
        ({"exp": True}, "exp missing or not a number"),
        ({"iat": None}, "iat missing or not a number"),
        ({"jti": ""}, "jti missing or invalid"),
        ({"jti": 42}, "jti missing or invalid"),
        ({"jti": "x" * 300}, "jti missing or invalid"),
        ({"sub": ["a"]}, "sub not a string"),
        ({"tenant": {"id": 1}}, "tenant not a string"),
    ],
)
def test_a_token_with_a_mistyped_claim_is_refused(
    ec_key: SigningKey, clock: Clock, claims: dict[str, Any], reason: str
) -> None:
    verifier = verifier_for(clock, jwks=ec_key.jwks())
    assert refusal(verifier, bearer(ec_key.mint(clock, **claims))) == reason


# --- logs -------------------------------------------------------------------------------


def test_no_log_record_holds_the_token(
    ec_key: SigningKey, clock: Clock, serve_keys: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = serve_keys(ec_key.jwks())
    verifier = verifier_for(clock, jwks_url=server.url())
    good = ec_key.mint(clock, sub="dr-house", tenant="north-clinic")
    expired = ec_key.mint(clock, lifetime=10)
    forged = SigningKey(ec.generate_private_key(ec.SECP384R1()), kid=ec_key.kid, alg="ES384").mint(clock)
    unknown_kid = ec_key.mint(clock, header={"kid": "rotated-away"})

    verifier.verify(bearer(good), AUDIENCE)
    clock.advance(61)
    tokens = [good, expired, forged, unknown_kid]
    for token in tokens:
        with pytest.raises(AuthenticationError) as caught:
            verifier.verify(bearer(token), AUDIENCE)
        assert token not in str(caught.value)

    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.args!r}" for record in caplog.records
    )
    assert "token replayed" in logged and "token expired" in logged and "bad signature" in logged
    for token in tokens:
        for part in token.split("."):
            assert part not in logged
