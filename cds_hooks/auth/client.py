"""A CDS client this service trusts: who it is, where its keys are, what it may ask for."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, FilePath, field_validator, model_validator

from cds_hooks import urls
from cds_hooks.auth.jwks import JWKSError, parse_jwks
from cds_hooks.urls import UnsafeUrl, Url

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


def _key_url(value: str, what: str) -> Url:
    """Keys must come over TLS; plain http is tolerated on loopback, where nothing can intercept."""
    try:
        url = urls.parse(value)
    except UnsafeUrl as error:
        raise ValueError(f"{what}: {error}") from None
    if not (url.scheme == "https" or url.host in _LOOPBACK_HOSTS):
        raise ValueError(f"{what} must be an https URL (http only on loopback)")
    return url


def _jku_prefix(value: str) -> str:
    """A prefix names a directory: without the slash its intent is unclear, so it is refused.

    Written ``https://keys.example/k`` it might mean the folder ``k`` or every name that
    begins with ``k``; the second cannot be trusted (``…/kevil/``), and guessing the first
    would quietly widen or narrow what an operator wrote. One exact key set URL is what
    ``jwks_url`` is for.
    """
    url = _key_url(value, "every jku prefix")
    if not url.directory:
        raise ValueError(
            f"jku prefix {value!r} is not a directory URL: end it with '/' to trust the key sets"
            " under that folder, or set jwks_url to trust that one key set URL"
        )
    return value


class TrustedClient(BaseModel):
    """One trusted issuer.

    Keys come from any of ``jwks`` (a JWK Set written into the configuration), ``jwks_file``,
    ``jwks_url``, or the ``jku`` header of a token when it starts with one of
    ``jku_prefixes``. A jku outside those prefixes is refused, never fetched: fetching an
    attacker's URL would let the attacker choose the key that checks the attacker's token.
    """

    # Errors hide their input: a key URL with user information would print its password.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

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
        if value is not None:
            _key_url(value, "jwks_url")
        return value

    @field_validator("jku_prefixes")
    @classmethod
    def _jku_prefixes(cls, value: list[str]) -> list[str]:
        return [_jku_prefix(prefix) for prefix in value]

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

    def jku_url(self, jku: str) -> str | None:
        """The URL to fetch for a token's ``jku``, or None when it is not this client's.

        A jku must be ``jwks_url`` itself or lie under a prefix segment by segment, read by
        the same strict reader as every other URL the service is handed: a jku that could
        climb out of its folder in some encoding is refused, not normalized, and what is
        fetched is the one spelling that was checked.
        """
        if jku == self.jwks_url:
            return jku
        try:
            url = urls.parse(jku)
        except UnsafeUrl:
            return None
        if any(urls.under(url, _directory(prefix)) for prefix in self.jku_prefixes):
            return url.geturl()
        return None

    def allows_jku(self, jku: str) -> bool:
        return self.jku_url(jku) is not None

    def may_name_fhir_server(self, url: str) -> bool:
        """Whether this client's requests may send this service, with their token, to ``url``.

        Entries are exact base URLs or patterns in which ``*`` stands for a run of letters,
        digits and ``.-_~%`` (one host name or path segment, never ``/ : @ ? #``), so that
        ``https://*.epic.example/api/FHIR/R4`` cannot be satisfied by
        ``https://evil.net#.epic.example/api/FHIR/R4``. The entry ``*`` alone admits any
        server. A trailing slash is not significant. A URL the service's URL reader refuses
        (a dot segment in any encoding, user information, ...) is refused here too, since a
        wildcard run would otherwise take ``%2e%2e`` for a segment.
        """
        try:
            urls.parse(url)
        except UnsafeUrl:
            return False
        candidate = url.rstrip("/")
        return any(_fhir_pattern(entry.rstrip("/")).fullmatch(candidate) for entry in self.fhir_servers)


@lru_cache(maxsize=256)
def _directory(prefix: str) -> Url:
    return urls.parse(prefix)  # validated when the client was configured


@lru_cache(maxsize=256)
def _fhir_pattern(entry: str) -> re.Pattern[str]:
    if entry == "*":
        return re.compile(".*", re.DOTALL)
    return re.compile(_WILDCARD_RUN.join(re.escape(part) for part in entry.split("*")))
