"""A CDS client this service trusts: who it is, where its keys are, what it may ask for."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, FilePath, field_validator, model_validator

from cds_hooks.auth.jwks import JWKSError, parse_jwks

# Asymmetric algorithms only. HMAC would make the key a shared secret, and an HS* token
# checked against an RSA public key is the classic algorithm-confusion forgery; "none" is
# no signature at all. Neither can be configured, so neither can be accepted.
Algorithm = Literal["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
ASYMMETRIC_ALGORITHMS: frozenset[str] = frozenset(get_args(Algorithm))


def _default_algorithms() -> list[Algorithm]:
    # What CDS clients use in practice: the sandbox signs ES384, Epic RS384.
    return ["ES384", "RS384"]


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_WILDCARD_RUN = "[A-Za-z0-9._~%-]*"


def _check_key_url(value: str, what: str) -> str:
    """Keys must come over TLS; plain http is tolerated on loopback, where nothing can intercept."""
    parts = urlsplit(value)
    host = parts.hostname or ""
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS)
    if not secure or not host:
        raise ValueError(f"{what} must be an https URL (http only on loopback)")
    if "@" in parts.netloc:
        raise ValueError(f"{what} must not carry credentials")
    if not parts.path.startswith("/"):
        # Without a path, a prefix like https://ehr.example.com would also match
        # https://ehr.example.com.attacker.net/: the slash pins the host.
        raise ValueError(f"{what} must include a path, at least '/' after the host")
    return value


class TrustedClient(BaseModel):
    """One trusted issuer.

    Keys come from any of ``jwks`` (a JWK Set written into the configuration), ``jwks_file``,
    ``jwks_url``, or the ``jku`` header of a token when it starts with one of
    ``jku_prefixes``. A jku outside those prefixes is refused, never fetched: fetching an
    attacker's URL would let the attacker choose the key that checks the attacker's token.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    iss: str = Field(min_length=1)
    jwks: dict[str, Any] | None = None
    jwks_file: FilePath | None = None
    jwks_url: str | None = None
    jku_prefixes: list[str] = Field(default_factory=list)
    tenants: list[str] | None = Field(default=None, min_length=1)
    fhir_servers: list[str] = Field(default_factory=list)
    algorithms: list[Algorithm] = Field(default_factory=_default_algorithms, min_length=1)

    @field_validator("jwks_url")
    @classmethod
    def _jwks_url(cls, value: str | None) -> str | None:
        return None if value is None else _check_key_url(value, "jwks_url")

    @field_validator("jku_prefixes")
    @classmethod
    def _jku_prefixes(cls, value: list[str]) -> list[str]:
        return [_check_key_url(prefix, "every jku prefix") for prefix in value]

    @field_validator("jwks")
    @classmethod
    def _jwks(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                parse_jwks(value)
            except JWKSError as error:
                raise ValueError(f"jwks: {error}") from None
        return value

    @field_validator("jwks_file")
    @classmethod
    def _jwks_file(cls, value: FilePath | None) -> FilePath | None:
        # Read once now so a wrong file stops the service at start-up, not at the first call.
        if value is not None:
            try:
                parse_jwks(json.loads(value.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
                raise ValueError(f"jwks_file is not a readable JSON file ({type(error).__name__})") from None
            except JWKSError as error:
                raise ValueError(f"jwks_file: {error}") from None
        return value

    @model_validator(mode="after")
    def _has_a_key_source(self) -> TrustedClient:
        if self.jwks is None and self.jwks_file is None and self.jwks_url is None and not self.jku_prefixes:
            raise ValueError(f"client {self.iss}: give jwks, jwks_file, jwks_url or jku_prefixes")
        return self

    def allows_jku(self, jku: str) -> bool:
        return jku == self.jwks_url or any(jku.startswith(prefix) for prefix in self.jku_prefixes)

    def may_name_fhir_server(self, url: str) -> bool:
        """Whether this client's requests may send this service, with their token, to ``url``.

        Entries are exact base URLs or patterns in which ``*`` stands for a run of letters,
        digits and ``.-_~%`` (one host name or path segment, never ``/ : @ ? #``), so that
        ``https://*.epic.example/api/FHIR/R4`` cannot be satisfied by
        ``https://evil.net#.epic.example/api/FHIR/R4``. The entry ``*`` alone admits any
        server. A trailing slash is not significant.
        """
        candidate = url.rstrip("/")
        return any(_fhir_pattern(entry.rstrip("/")).fullmatch(candidate) for entry in self.fhir_servers)


@lru_cache(maxsize=256)
def _fhir_pattern(entry: str) -> re.Pattern[str]:
    if entry == "*":
        return re.compile(".*", re.DOTALL)
    return re.compile(_WILDCARD_RUN.join(re.escape(part) for part in entry.split("*")))
