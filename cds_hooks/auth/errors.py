"""The two ways a call is not let through: refused (401) or not checkable now (503).

Both are :class:`~cds_hooks.errors.CDSHooksError`, so the app's error handlers answer them
like every other refusal, with the status and headers they carry. Each also keeps a
``reason``: a fixed, short phrase chosen by this package, never quoting the token or
anything else the client sent, so it is safe to log. It is for operators (logs, metrics,
``str()``), not for the client, whose answer says no more than the status does.
"""

from __future__ import annotations

from cds_hooks.errors import CDSHooksError


class AuthenticationError(CDSHooksError):
    """The call is not authenticated: a bare 401 with ``WWW-Authenticate: Bearer``.

    ``issuer`` is set only once the issuer is known to be a trusted one, so an attacker
    cannot write arbitrary text into the logs through it.
    """

    def __init__(self, reason: str, *, issuer: str | None = None) -> None:
        super().__init__(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
        self.reason = reason
        self.issuer = issuer

    def __str__(self) -> str:
        return self.reason


class AuthenticationUnavailable(CDSHooksError):
    """The token cannot be checked now: the replay store does not answer, or it lost its data
    and cannot yet tell a fresh token from a replayed one.

    Not the client's fault, so not a 401 (which tells an EHR its credentials are bad): a 503
    with ``Retry-After``, after which a new token can be checked.
    """

    def __init__(self, reason: str, *, retry_after_seconds: int) -> None:
        super().__init__(
            503,
            "the service cannot check tokens now; retry later with a new token",
            retry_after_seconds=retry_after_seconds,
        )
        self.reason = reason

    def __str__(self) -> str:
        return self.reason
