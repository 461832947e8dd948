"""CORS for browser-based CDS clients such as the CDS Hooks sandbox.

CDS clients authenticate with a bearer JWT in the Authorization header, never with cookies,
so credentials are not needed: the default answers any origin with ``*`` and no
``Allow-Credentials``. A deployment that lists its origins gets them echoed back and may
then turn credentials on. A wildcard origin is never combined with credentials: browsers
reject that pair (a defect of the reference Node services).

CORS covers the CDS Hooks endpoints and nothing else: /healthz, /readyz and /metrics are
for orchestrators and scrapers, and a page on another origin has no business reading an
instance's metrics. A preflight (``OPTIONS``) is answered 204 only on a path of a covered
endpoint, before authentication, as browsers send it without the Authorization header;
``OPTIONS`` on another path gets what Flask gives any method there (a 404 where there is no
endpoint). ``/cds-services/<id>`` is the call endpoint's path whatever the id, so its
preflight passes and the browser can read the call's own 404 for an unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed

EXTENSION_KEY = "cds_hooks.cors"
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, X-Request-ID"
# Retry-After is not a CORS-safelisted response header: without this a browser client could
# not read when to send a 503'd call or feedback again.
EXPOSED_HEADERS = "X-Request-ID, WWW-Authenticate, Retry-After"
PREFLIGHT_MAX_AGE_SECONDS = 600


class CorsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    allow_credentials: bool = False

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> CorsSettings:
        if self.allow_credentials and "*" in self.allowed_origins:
            raise ValueError("cors.allow_credentials cannot be combined with the wildcard origin '*'")
        return self


@dataclass(frozen=True)
class _Cover:
    settings: CorsSettings
    blueprint: str


def init_app(app: Flask, blueprint: Blueprint, settings: CorsSettings) -> None:
    """Give CORS to the endpoints of ``blueprint`` in ``app``, and to no other."""
    app.extensions[EXTENSION_KEY] = _Cover(settings, blueprint.name)
    app.before_request(answer_preflight)
    app.after_request(add_headers)


def answer_preflight() -> Response | None:
    if request.method == "OPTIONS" and _covered():
        return Response(status=204)
    return None


def add_headers(response: Response) -> Response:
    origin = request.headers.get("Origin")
    # Without an Origin there is nothing to add (most calls: an EHR's server, not a browser).
    if origin and _covered():
        settings = _cover().settings
        response.headers.extend(cors_headers(settings, origin, preflight=request.method == "OPTIONS"))
    return response


def cors_headers(settings: CorsSettings, origin: str | None, *, preflight: bool) -> Headers:
    """The headers to add for a request from ``origin`` (none when the origin is not allowed)."""
    headers = Headers()
    if not origin:
        return headers
    if "*" in settings.allowed_origins:
        headers["Access-Control-Allow-Origin"] = "*"
    elif origin in settings.allowed_origins:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Vary"] = "Origin"
        if settings.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
    else:
        return headers
    if preflight:
        headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return headers


def _cover() -> _Cover:
    cover: _Cover = current_app.extensions[EXTENSION_KEY]
    return cover


def _covered() -> bool:
    """Whether the request is for a covered endpoint: routed to it, or refused 405 at its path.

    A wrong method is refused while routing, before any blueprint is known, but the path is
    still the endpoint's, and a browser can read that 405 only with CORS headers.
    """
    name = _cover().blueprint
    if request.blueprint is not None:
        return request.blueprint == name
    error = request.routing_exception
    adapter = current_app.create_url_adapter(request)
    if not isinstance(error, MethodNotAllowed) or adapter is None:
        return False
    for method in error.valid_methods or ():
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if str(endpoint).startswith(f"{name}."):
            return True
    return False
