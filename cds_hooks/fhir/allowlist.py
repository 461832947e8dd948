"""Which FHIR servers the service may contact, and which URLs belong to one of them.

A request's ``fhirServer`` and the ``next`` links of the searchsets it answers are written by
others; each is read by :mod:`cds_hooks.urls` (the one reader the ``jku`` check shares) into
scheme, host, port and path segments before anything is compared, so that
``HTTPS://Example.org:443/fhir/`` and ``https://example.org/fhir`` are one server and
``https://trusted.example.org@evil.example.com/`` is refused rather than misread.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from cds_hooks.urls import UnsafeUrl, Url, parse, under

if TYPE_CHECKING:
    from cds_hooks.fhir.settings import FhirSettings


def check_pattern(pattern: str) -> None:
    """Refuse an allow-list entry that could never match, or would match by accident."""
    try:
        parse(pattern, host_wildcards=True)
    except UnsafeUrl as error:
        raise ValueError(f"allowed server {pattern!r}: {error}") from None


def _matches(server: Url, pattern: str) -> bool:
    wanted = parse(pattern, host_wildcards=True)
    return (
        (server.scheme, server.port) == (wanted.scheme, wanted.port)
        and fnmatchcase(server.host, wanted.host)
        and fnmatchcase(server.path, wanted.path)
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
        server = parse(url)
    except UnsafeUrl:
        return False
    if not settings.allowed_servers:
        return is_loopback(server.host)
    return any(_matches(server, pattern) for pattern in settings.allowed_servers)


def within(url: str, base: str) -> bool:
    """Does ``url`` address the FHIR server whose base URL is ``base``, and nothing else?

    A FHIR base names the same server with or without a trailing slash, and its searches
    (``[base]?_getpages=...``) sit at the base itself.
    """
    try:
        return under(parse(url, query=True), dataclasses.replace(parse(base), directory=False))
    except UnsafeUrl:
        return False
