"""Authentication of CDS clients by the JWT they sign each call with.

The application builds one :class:`JWTVerifier` from :class:`AuthSettings`, and the CDS Hooks
endpoints call ``verify(request.headers.get("Authorization"), url_called)`` before every call
(:mod:`cds_hooks.access`). Its refusals are protocol errors like any other: an
:class:`AuthenticationError` is answered with a bare 401 and ``WWW-Authenticate: Bearer``,
an :class:`AuthenticationUnavailable` with a 503 and ``Retry-After``.
"""

from cds_hooks.auth.client import TrustedClient
from cds_hooks.auth.errors import AuthenticationError, AuthenticationUnavailable
from cds_hooks.auth.replay import MemoryReplayCache, RedisReplayCache, ReplayCache, ReplayStoreError
from cds_hooks.auth.settings import AuthSettings
from cds_hooks.auth.verifier import JWTVerifier, VerifiedClient

__all__ = [
    "AuthSettings",
    "AuthenticationError",
    "AuthenticationUnavailable",
    "JWTVerifier",
    "MemoryReplayCache",
    "RedisReplayCache",
    "ReplayCache",
    "ReplayStoreError",
    "TrustedClient",
    "VerifiedClient",
]
