"""The one exception a refused CDS client sees."""

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
