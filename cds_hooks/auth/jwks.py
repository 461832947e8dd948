"""JSON Web Key Sets: reading one from a document, a file or a URL, keeping only what can verify.

Only public EC and RSA signing keys survive parsing. A symmetric (``oct``) key is dropped so
that no token can ever be checked against a shared secret, private members are dropped so a
mistakenly published private key is used as the public key it contains, keys marked for
encryption are dropped because a key must serve one purpose only (RFC 7517 §4.2), and RSA
keys shorter than 2048 bits are dropped as breakable.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWTError

log = logging.getLogger(__name__)

SIGNING_KEY_TYPES = frozenset({"EC", "RSA"})
_PUBLIC_MEMBERS = frozenset({"kty", "kid", "use", "key_ops", "alg", "crv", "x", "y", "n", "e"})
MIN_RSA_BITS = 2048  # NIST SP 800-131A; shorter RSA keys can be factored
MAX_JWKS_BYTES = 512 * 1024  # Real key sets hold a handful of keys; this is generous.


class JWKSError(Exception):
    """A key set could not be had; the message is safe to log (no response body, no key)."""


class KeyMismatchError(Exception):
    """A key cannot verify with the algorithm a token names."""


@dataclass(frozen=True)
class PublicKey:
    """One verification key, public members only."""

    kid: str
    jwk: Mapping[str, Any]
    _by_algorithm: dict[str, PyJWK] = field(default_factory=dict, compare=False, repr=False)

    def for_algorithm(self, algorithm: str) -> PyJWK:
        """The key bound to ``algorithm``, refused if its type, curve or declared alg disagree.

        A JWK without ``alg`` may serve several algorithms of its family (an RSA key for RS384
        and PS384 alike), so the binding is made per token algorithm rather than once.
        """
        declared = self.jwk.get("alg")
        if declared is not None and declared != algorithm:
            raise KeyMismatchError(f"key declares {declared}")
        bound = self._by_algorithm.get(algorithm)
        if bound is None:
            try:
                bound = PyJWK(dict(self.jwk), algorithm=algorithm)
            except (PyJWTError, TypeError, ValueError) as error:
                raise KeyMismatchError(type(error).__name__) from None
            self._by_algorithm[algorithm] = bound
        return bound


Keys = Mapping[str, tuple[PublicKey, ...]]


def parse_jwks(document: Any) -> Keys:
    """The usable signing keys of a JWKS document, by kid.

    A kid may name several keys (one per key type is allowed by RFC 7517); the verifier tries
    each. Raises :class:`JWKSError` when the document is not a key set or holds no usable key.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSError("not a JWK Set: no 'keys' array")
    keys: dict[str, list[PublicKey]] = {}
    skipped = 0
    for member in document["keys"]:
        key = _signing_key(member)
        if key is None:
            skipped += 1
        else:
            keys.setdefault(key.kid, []).append(key)
    if not keys:
        raise JWKSError("the JWK Set holds no usable signing key")
    if skipped:
        log.debug("ignored %d JWK Set member(s) that cannot verify signatures", skipped)
    return {kid: tuple(found) for kid, found in keys.items()}


def _signing_key(member: Any) -> PublicKey | None:
    if not isinstance(member, dict):
        return None
    kid = member.get("kid")
    if not isinstance(kid, str) or not kid:
        return None  # without a kid a key can never be selected: tokens must name one
    if member.get("kty") not in SIGNING_KEY_TYPES or member.get("use", "sig") != "sig":
        return None
    key_ops = member.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return None
    public = {name: value for name, value in member.items() if name in _PUBLIC_MEMBERS}
    if not isinstance(public.get("alg", ""), str):
        return None
    try:
        loaded = PyJWK(dict(public))  # proves the members make a key before any token depends on it
    except (PyJWTError, TypeError, ValueError):
        return None
    if isinstance(loaded.key, RSAPublicKey) and loaded.key.key_size < MIN_RSA_BITS:
        return None
    return PublicKey(kid=kid, jwk=public)


def read_jwks_file(path: Path) -> Keys:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise JWKSError(f"cannot read the JWK Set file ({type(error).__name__})") from None
    return parse_jwks(_json(text.encode("utf-8")))


def fetch_jwks(session: requests.Session, url: str, timeout_seconds: float) -> Keys:
    """Download a JWK Set.

    ``Accept: application/json`` matters: Epic answers XML without it. Redirects are not
    followed, because an allowlisted URL that redirects would otherwise hand key selection
    to whatever host it points at. The body is read against a size cap and an overall
    deadline, so a slow or endless answer cannot hold a request thread.
    """
    deadline = time.monotonic() + 2 * timeout_seconds
    try:
        with session.get(
            url,
            headers={"Accept": "application/json"},
            timeout=timeout_seconds,
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.status_code != 200:
                raise JWKSError(f"the JWK Set server answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_content(chunk_size=16384):
                body.extend(chunk)
                if len(body) > MAX_JWKS_BYTES:
                    raise JWKSError("the JWK Set answer is too large")
                if time.monotonic() > deadline:
                    raise JWKSError("the JWK Set answer took too long")
    except requests.RequestException as error:
        raise JWKSError(f"the JWK Set server could not be reached ({type(error).__name__})") from None
    return parse_jwks(_json(bytes(body)))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise JWKSError("the JWK Set is not JSON") from None
