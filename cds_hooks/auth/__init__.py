"""Authentication of CDS clients by the JWT they sign each call with.

The blueprint builds one :class:`JWTVerifier` from :class:`AuthSettings` and calls
``verify(request.headers.get("Authorization"), url_called)`` on every call; an
:class:`AuthenticationError` becomes a bare 401 with ``WWW-Authenticate: Bearer``, an
:class:`AuthenticationUnavailable` a 503 with ``Retry-After``.
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
