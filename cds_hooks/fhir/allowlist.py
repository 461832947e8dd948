"""Which FHIR servers the service may contact, and which URLs belong to one of them.

A request's ``fhirServer`` and the ``next`` links of the searchsets it answers are written by
others; each is read here into scheme, host, port and path before anything is compared, so
that ``HTTPS://Example.org:443/fhir/`` and ``https://example.org/fhir`` are one server and
``https://trusted.example.org@evil.example.com/`` is refused rather than misread. Whatever
cannot be read unambiguously is refused: the cost of a false refusal is a fetch not made,
the cost of a false match is an access token sent to a stranger.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from cds_hooks.fhir.settings import FhirSettings

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
_PATTERN_HOST = re.compile(r"^[a-z0-9.*?-]+$")


class UnsafeUrl(ValueError):
    """A URL the service will not contact, with the reason."""


@dataclass(frozen=True)
class ParsedUrl:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int  # the scheme's default when the URL names none
    path: str  # without a trailing slash: "" for the root
    query: str


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """Scheme, host, port, path and query of an http(s) URL that has no user information."""
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in url):
        raise UnsafeUrl("the URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket
        raise UnsafeUrl("the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeUrl("only http and https URLs are allowed")
    if "@" in parts.netloc:
        raise UnsafeUrl("the URL carries user information")
    if parts.fragment:
        raise UnsafeUrl("the URL carries a fragment")
    host = (parts.hostname or "").removesuffix(".")
    if not host:
        raise UnsafeUrl("the URL names no host")
    try:
        port = parts.port
    except ValueError:
        raise UnsafeUrl("the URL's port is not a number between 0 and 65535") from None
    segments = unquote(parts.path).split("/")
    if "." in segments or ".." in segments:
        raise UnsafeUrl("the URL's path has '.' or '..' segments")
    return scheme, host, port, parts.path.rstrip("/"), parts.query


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def parse(url: str) -> ParsedUrl:
    """Read an http(s) URL into the parts that decide which server it reaches."""
    scheme, host, port, path, query = _split(url)
    if not (_HOST_NAME.match(host) or _is_ipv6(host)):
        raise UnsafeUrl("the URL's host is not a plain ASCII host name or IP address")
    return ParsedUrl(scheme, host, port or _DEFAULT_PORTS[scheme], path, query)


def parse_base(url: str) -> ParsedUrl:
    """Read a FHIR base URL, which has no query."""
    parsed = parse(url)
    if parsed.query:
        raise UnsafeUrl("a FHIR base URL has no query")
    return parsed


def check_pattern(pattern: str) -> None:
    """Refuse an allow-list entry that could never match, or would match by accident."""
    try:
        _, host, _, _, query = _split(pattern)
    except UnsafeUrl as error:
        raise ValueError(f"allowed server {pattern!r}: {error}") from None
    if query:
        raise ValueError(f"allowed server {pattern!r}: a FHIR base URL has no query")
    if not (_PATTERN_HOST.match(host) or _is_ipv6(host)):
        raise ValueError(
            f"allowed server {pattern!r}: the host must be ASCII letters, digits, '.', '-' and the"
            " wildcards '*' and '?', or an IPv6 address"
        )


def _matches(server: ParsedUrl, pattern: str) -> bool:
    scheme, host, port, path, _ = _split(pattern)
    return (
        server.scheme == scheme
        and server.port == (port or _DEFAULT_PORTS[scheme])
        and fnmatchcase(server.host, host)
        and fnmatchcase(server.path, path)
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_allowed(url: str, settings: FhirSettings) -> bool:
    """May the service fetch from (and send an access token to) the FHIR server at ``url``?"""
    try:
        server = parse_base(url)
    except UnsafeUrl:
        return False
    if not settings.allowed_servers:
        return is_loopback(server.host)
    return any(_matches(server, pattern) for pattern in settings.allowed_servers)


def within(url: str, base: str) -> bool:
    """Does ``url`` address the FHIR server whose base URL is ``base``, and nothing else?"""
    try:
        target, server = parse(url), parse_base(base)
    except UnsafeUrl:
        return False
    return (target.scheme, target.host, target.port) == (server.scheme, server.host, server.port) and (
        target.path == server.path or target.path.startswith(server.path + "/")
    )
