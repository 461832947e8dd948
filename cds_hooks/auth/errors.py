"""The two ways a call is not let through: refused (401) or not checkable now (503)."""

from __future__ import annotations


class AuthenticationError(Exception):
    """The call is not authenticated.

    ``reason`` is a fixed, short phrase chosen by this package: it never quotes the token or
    anything else the client sent, so it is safe to log. It is for operators, not for the
    client, which gets a bare 401. ``issuer`` is set only once the issuer is known to be a
    trusted one, so an attacker cannot write arbitrary text into the logs through it.
    """

    def __init__(self, reason: str, *, issuer: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.issuer = issuer


class AuthenticationUnavailable(Exception):
    """The token cannot be checked now: the replay store does not answer, or it lost its data
    and cannot yet tell a fresh token from a replayed one.

    Not the client's fault, so not a 401 (which tells an EHR its credentials are bad): a 503
    with ``retry_after_seconds``. ``reason`` is a fixed phrase, safe to log.
    """

    def __init__(self, reason: str, *, retry_after_seconds: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds
