"""CORS for browser-based CDS clients such as the CDS Hooks sandbox.

CDS clients authenticate with a bearer JWT in the Authorization header, never with cookies,
so credentials are not needed: the default answers any origin with ``*`` and no
``Allow-Credentials``. A deployment that lists its origins gets them echoed back and may
then turn credentials on. A wildcard origin is never combined with credentials: browsers
reject that pair (a defect of the reference Node services).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator
from werkzeug.datastructures import Headers

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, X-Request-ID"
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
        headers["Access-Control-Expose-Headers"] = "X-Request-ID, WWW-Authenticate"
    return headers
