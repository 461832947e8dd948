"""Verifying the JWT a CDS client signs each call with (CDS Hooks 2.0, "Trusting CDS Clients").

Checks run cheapest first, so garbage costs a regular expression and a forged token costs
one signature check at most:

1. an ``Authorization: Bearer`` header holding a compact JWS of sane size;
2. JOSE header: ``typ`` JWT, ``alg`` asymmetric (never ``none``, never HS*);
3. the unverified ``iss`` picks the trusted client (nothing else is read before the
   signature), whose own algorithm allowlist then applies;
4. ``kid`` present and found among the client's keys (``jku`` only if allowlisted);
5. the signature;
6. claims: audience, exp/iat/nbf with leeway, lifetime cap, jti, tenant (see claims.py);
7. the replay store, last because it is the only check that writes state and may cost a
   network round trip: a token refused for any other reason leaves no trace in it. A token
   issued before the store's epoch (see replay.py) is refused as possibly replayed; a store
   that does not answer is an AuthenticationUnavailable (503), not a refusal of the client.

Keys a token carries itself (``jwk``, ``x5c``, ``x5u`` headers) are ignored: a token never
brings the key that checks it. The token never appears in a log record or an exception:
every refusal carries a fixed reason phrase.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from jwt import PyJWS
from jwt.exceptions import PyJWTError

from cds_hooks.auth.claims import check_claims
from cds_hooks.auth.client import ASYMMETRIC_ALGORITHMS, TrustedClient
from cds_hooks.auth.errors import AuthenticationError, AuthenticationUnavailable
from cds_hooks.auth.jwks import KeyMismatchError, PublicKey
from cds_hooks.auth.keyring import ClientKeyring
from cds_hooks.auth.replay import (
    ReplayCache,
    ReplayStoreError,
    describe_store,
    replay_cache_for,
    replay_key,
)
from cds_hooks.auth.settings import AuthSettings
from cds_hooks.outages import OutageLog

__all__ = ["AuthenticationError", "AuthenticationUnavailable", "JWTVerifier", "VerifiedClient"]

log = logging.getLogger(__name__)

MAX_TOKEN_CHARS = 16 * 1024
# What a client is told to wait when the replay store does not answer: about the time a
# restarted Redis takes to come back, and short enough for a hook call to be retried.
STORE_DOWN_RETRY_AFTER_SECONDS = 5
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*) *$", re.IGNORECASE)


@dataclass(frozen=True)
class VerifiedClient:
    """Who called: the trusted client and the claims its token proved."""

    client: TrustedClient
    iss: str
    sub: str | None
    tenant: str | None
    jti: str
    exp: float


class JWTVerifier:
    """Authenticates CDS clients; one instance serves all threads of a process."""

    def __init__(
        self,
        settings: AuthSettings,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        replay_cache: ReplayCache | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._clients = {client.iss: client for client in settings.trusted_clients()}
        http = session if session is not None else requests.Session()
        self._keyrings = {
            iss: ClientKeyring(client, settings, http, clock) for iss, client in self._clients.items()
        }
        self._replay = (
            replay_cache if replay_cache is not None else replay_cache_for(settings.replay_store, clock=clock)
        )
        self._store_outage = OutageLog(log, f"replay store {describe_store(settings.replay_store)}")
        if not self._clients:
            log.warning("no trusted CDS client is configured: every call will be refused")

    def replay_store_problem(self) -> str | None:
        """None when the replay store answers; otherwise why not (for readiness)."""
        return self._replay.problem()

    def verify(self, authorization_header: str | None, audience: str) -> VerifiedClient:
        """The verified caller, or AuthenticationError; ``audience`` is the URL that was called."""
        try:
            return self._verify(authorization_header, audience)
        except AuthenticationError as error:
            if error.issuer is None:
                log.info("CDS client refused: %s", error.reason)
            else:
                log.info("CDS client %s refused: %s", error.issuer, error.reason)
            raise

    def _verify(self, authorization_header: str | None, audience: str) -> VerifiedClient:
        token = _bearer_token(authorization_header)
        header, payload = _unverified_parts(token)

        typ = header.get("typ")
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise AuthenticationError("typ is not JWT")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ASYMMETRIC_ALGORITHMS:
            raise AuthenticationError("algorithm not allowed")

        issuer = payload.get("iss")
        client = self._clients.get(issuer) if isinstance(issuer, str) else None
        if client is None:
            raise AuthenticationError("untrusted issuer")
        if alg not in client.algorithms:
            raise AuthenticationError("algorithm not allowed for this issuer", issuer=client.iss)

        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("kid missing", issuer=client.iss)
        jku = header.get("jku")
        if jku is not None and not isinstance(jku, str):
            raise AuthenticationError("jku not a string", issuer=client.iss)
        candidates = self._keyrings[client.iss].keys_for(kid, jku)

        _check_signature(token, alg, candidates, client)

        now = self._clock()
        claims = check_claims(
            payload,
            client=client,
            audience=audience,
            now=now,
            leeway=self._settings.leeway_seconds,
            max_lifetime=self._settings.max_token_lifetime_seconds,
        )

        leeway = self._settings.leeway_seconds
        ttl = max(1, math.ceil(claims.exp + leeway - now))
        # The client's clock may run ahead of ours by the leeway: a token used just before a
        # loss of the store can carry an iat up to that much after the new epoch.
        issued_at = claims.iat - leeway
        try:
            use = self._replay.record(replay_key(client.iss, claims.jti), ttl, issued_at)
        except ReplayStoreError as error:
            self._store_outage.failed(str(error))
            raise AuthenticationUnavailable(
                "replay store unavailable", retry_after_seconds=STORE_DOWN_RETRY_AFTER_SECONDS
            ) from None
        self._store_outage.succeeded()
        if issued_at < use.epoch:
            wait = use.epoch + leeway - now
            if wait > 0:
                # A token minted now is still inside the doubt: a new one is good in `wait`.
                raise AuthenticationUnavailable(
                    "replay store recovering from a data loss", retry_after_seconds=math.ceil(wait)
                )
            raise AuthenticationError("issued before the replay store lost its data", issuer=client.iss)
        if not use.first:
            raise AuthenticationError("token replayed (jti seen before)", issuer=client.iss)

        return VerifiedClient(
            client=client,
            iss=client.iss,
            sub=claims.sub,
            tenant=claims.tenant,
            jti=claims.jti,
            exp=claims.exp,
        )


def _bearer_token(authorization_header: str | None) -> str:
    if not authorization_header:
        raise AuthenticationError("no Authorization header")
    if len(authorization_header) > MAX_TOKEN_CHARS:
        raise AuthenticationError("Authorization header too large")
    match = _BEARER.match(authorization_header)
    if match is None:
        raise AuthenticationError("Authorization is not a Bearer JWT")
    return match.group(1)


def _unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload before any check: they pick the client and the key, nothing else.

    The signature check that follows covers exactly these bytes, so once it passes this
    payload is the verified one and need not be decoded again.
    """
    try:
        decoded = PyJWS().decode_complete(token, options={"verify_signature": False})
        payload = json.loads(decoded["payload"])
    except (PyJWTError, ValueError, RecursionError):
        raise AuthenticationError("malformed token") from None
    if not isinstance(payload, dict):
        raise AuthenticationError("malformed token")
    header: dict[str, Any] = decoded["header"]
    return header, payload


def _check_signature(token: str, alg: str, candidates: tuple[PublicKey, ...], client: TrustedClient) -> None:
    fitting = 0
    for candidate in candidates:
        try:
            key = candidate.for_algorithm(alg)
        except KeyMismatchError:
            continue
        fitting += 1
        try:
            PyJWS().decode_complete(
                token,
                key=key,
                algorithms=list(client.algorithms),
                options={"enforce_minimum_key_length": True},
            )
        except PyJWTError:
            continue
        return
    reason = "bad signature" if fitting else "the key named by kid does not fit alg"
    raise AuthenticationError(reason, issuer=client.iss)
