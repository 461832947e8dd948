"""The registered claims of a CDS client's token, checked after its signature.

PyJWT's own claim checks are off: they read the wall clock, make ``exp``/``iat`` optional
and accept ``aud`` lists, while CDS Hooks needs all three claims, one audience, a clock the
tests can set and a cap on the token's lifetime. Time claims are NumericDates (RFC 7519
§2): a JSON number, which excludes booleans, strings and non-finite values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_hooks.auth.client import TrustedClient
from cds_hooks.auth.errors import AuthenticationError

MAX_JTI_LENGTH = 256


@dataclass(frozen=True)
class Claims:
    iss: str
    sub: str | None
    tenant: str | None
    jti: str
    exp: float
    iat: float


def check_claims(
    payload: Mapping[str, Any],
    *,
    client: TrustedClient,
    audience: str,
    now: float,
    leeway: float,
    max_lifetime: float,
) -> Claims:
    """Raise AuthenticationError for the first claim that fails, cheapest first."""

    def refuse(reason: str) -> AuthenticationError:
        return AuthenticationError(reason, issuer=client.iss)

    aud = payload.get("aud")
    # One audience only: a token valid for several services could be replayed between them.
    if aud != audience and aud != [audience]:
        raise refuse("wrong audience")
    exp = _numeric_date(payload, "exp")
    iat = _numeric_date(payload, "iat")
    if exp is None:
        raise refuse("exp missing or not a number")
    if iat is None:
        raise refuse("iat missing or not a number")
    if exp <= now - leeway:
        raise refuse("token expired")
    if iat > now + leeway:
        raise refuse("iat in the future")
    if "nbf" in payload:
        nbf = _numeric_date(payload, "nbf")
        if nbf is None:
            raise refuse("nbf not a number")
        if nbf > now + leeway:
            raise refuse("token not yet valid (nbf)")
    if exp <= iat:
        raise refuse("exp not after iat")
    if exp - iat > max_lifetime:
        raise refuse("token lifetime too long")
    jti = payload.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise refuse("jti missing or invalid")
    tenant = _optional_string(payload, "tenant", client)
    sub = _optional_string(payload, "sub", client)
    if client.tenants is not None and tenant not in client.tenants:
        raise refuse("tenant not allowed")
    return Claims(iss=client.iss, sub=sub, tenant=tenant, jti=jti, exp=exp, iat=iat)


def _numeric_date(payload: Mapping[str, Any], name: str) -> float | None:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _optional_string(payload: Mapping[str, Any], name: str, client: TrustedClient) -> str | None:
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise AuthenticationError(f"{name} not a string", issuer=client.iss)
    return value
