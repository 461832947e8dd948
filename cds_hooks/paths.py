"""Endpoint paths as users type them: a trailing slash, or a slash doubled by concatenation.

A CDS client is configured with a discovery URL a person typed (``…/cds-services/``) and
builds service URLs by appending ``/<id>`` to it, so ``/cds-services//<id>`` is an ordinary
call. Werkzeug would answer the first with 404 and the second with a 308 redirect, which
breaks a CORS preflight (browsers do not follow redirects there) and changes the URL the
token's ``aud`` names. So runs of slashes collapse and a trailing slash is dropped before
routing, and the path as called is kept for the audience check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CALLED_PATH = "cds_hooks.called_path"
_SLASHES = re.compile(r"/{2,}")


def canonical(path: str) -> str:
    collapsed = _SLASHES.sub("/", path)
    return collapsed.rstrip("/") or "/"


class CanonicalPaths:
    """WSGI middleware that routes the canonical form of the path, remembering the one called."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        routed = canonical(path)
        if routed != path:
            environ[CALLED_PATH] = path
            environ["PATH_INFO"] = routed
        return self.app(environ, start_response)


def called_path(environ: dict[str, Any], routed: str) -> str:
    """The path the client called, before :class:`CanonicalPaths` changed it."""
    called = environ.get(CALLED_PATH)
    return called if isinstance(called, str) else routed
