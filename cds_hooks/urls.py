"""URLs written by others, read into the parts that decide what a request reaches.

A token's ``jku``, a hook call's ``fhirServer`` and a searchset's ``next`` link are chosen by
whoever sent them, and each is compared against a base or prefix the operator configured
before anything is fetched from it. Comparing strings is not enough: the HTTP stack removes
``..`` segments before sending (urllib3 does, after requests has decoded ``%2e``), and many
servers decode ``%2f``, ``%5c``, ``%25`` or ``;`` parameters again before resolving a path,
so ``https://keys.example/keys/%2e%2e/evil`` starts with ``https://keys.example/keys/`` and
reaches ``/evil``. So every URL is read here into scheme, host, port and path segments, and
whatever some server could read in two ways is refused rather than guessed at: user
information, a fragment, a query where a base is meant, backslashes, control characters,
non-ASCII, an encoded ``/`` or ``\\`` or ``%`` inside a segment, empty segments, and any
segment that is, or could be decoded into, ``.`` or ``..``. A false refusal costs a fetch
not made; a false match sends an access token to a stranger or trusts a stranger's key.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["UnsafeUrl", "Url", "parse", "under"]

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_HOST_PATTERN = re.compile(r"[a-z0-9.*?-]+")
# A last label a resolver may read as a number (inet_aton takes 2130706433, 0x7f.1, 127.1):
# such a host is accepted only as a canonical dotted quad, so one address has one spelling.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# RFC 3986 pchar without pct-encoded: what a path segment may hold as written.
_SEGMENT_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


class UnsafeUrl(ValueError):
    """A URL the service will not contact or trust, with the reason (never the URL itself)."""


@dataclass(frozen=True)
class Url:
    scheme: str  # lower case
    host: str  # lower case, without a trailing dot; IPv6 compressed, without brackets
    port: int  # the scheme's default when the URL names none
    segments: tuple[str, ...]  # unreserved characters decoded, other escapes upper-cased
    directory: bool  # the path ends with "/" ("https://h" has no path, so it is not one)
    query: str | None  # None when the URL has no "?"

    @property
    def path(self) -> str:
        """The path without a trailing slash: "" for the root."""
        return "".join("/" + segment for segment in self.segments)

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    def geturl(self) -> str:
        """The one spelling of this URL: what is fetched is exactly what was checked."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port == DEFAULT_PORTS[self.scheme] else f":{self.port}"
        path = self.path + ("/" if self.directory else "")
        query = "" if self.query is None else "?" + self.query
        return f"{self.scheme}://{host}{port}{path}{query}"


def parse(url: str, *, query: bool = False, host_wildcards: bool = False) -> Url:
    """Read an http(s) URL; raise :class:`UnsafeUrl` if any part could be read two ways.

    ``query`` admits a query (a ``next`` link has one; a base URL or a key set URL does not).
    ``host_wildcards`` admits fnmatch's ``*`` and ``?`` in the host, for allow-list entries.
    """
    if not url.isascii() or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise UnsafeUrl("the URL contains whitespace, control or non-ASCII characters")
    if "\\" in url:
        raise UnsafeUrl("the URL contains a backslash")
    if "#" in url:
        raise UnsafeUrl("the URL carries a fragment")
    if "?" in url and not query:
        raise UnsafeUrl("the URL carries a query")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced IPv6 bracket
        raise UnsafeUrl("the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not url[len(scheme) :].startswith("://"):
        raise UnsafeUrl("only http and https URLs are allowed")
    if "@" in parts.netloc:
        raise UnsafeUrl("the URL carries user information")
    host = _host(parts.netloc, parts.hostname or "", host_wildcards)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeUrl("the URL's port is not a number between 1 and 65535") from None
    if port == 0:
        raise UnsafeUrl("the URL's port is not a number between 1 and 65535")
    segments, directory = _segments(parts.path)
    return Url(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        segments=segments,
        directory=directory,
        query=parts.query if "?" in url else None,
    )


def under(url: Url, base: Url) -> bool:
    """Does ``url`` lie on ``base``'s server at or below its path, segment by segment?

    ``https://h/k`` is not under ``https://h/kevil``'s neighbour: segments are compared whole.
    Below a folder (``https://h/keys/``) lies the folder and what is in it, never its name
    without the slash (``https://h/keys``): that is an entry of the parent folder, which a
    server may answer with anything.
    """
    count = len(base.segments)
    if url.origin != base.origin or url.segments[:count] != base.segments:
        return False
    return not (base.directory and len(url.segments) == count and not url.directory)


def _host(netloc: str, hostname: str, wildcards: bool) -> str:
    host = hostname.removesuffix(".")
    if not host:
        raise UnsafeUrl("the URL names no host")
    if netloc.startswith("["):
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeUrl("the URL's host is not a valid IPv6 address") from None
        if address.scope_id is not None:
            raise UnsafeUrl("the URL's IPv6 address names a zone")
        return address.compressed
    if not (_HOST_PATTERN if wildcards else _HOST_NAME).fullmatch(host):
        raise UnsafeUrl("the URL's host is not a plain ASCII host name or IP address")
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = ""
        if canonical != host:
            raise UnsafeUrl("the URL's host is a number that is not a dotted IPv4 address")
    return host


def _segments(path: str) -> tuple[tuple[str, ...], bool]:
    if path in ("", "/"):
        return (), path == "/"
    directory = path.endswith("/")
    raw = path[1:-1] if directory else path[1:]
    return tuple(_segment(segment) for segment in raw.split("/")), directory


def _segment(raw: str) -> str:
    if not raw:
        raise UnsafeUrl("the URL's path has an empty segment ('//')")
    if not _SEGMENT_CHARS.fullmatch(raw):
        raise UnsafeUrl("the URL's path has a character that must be percent-encoded")
    decoded = _PERCENT.sub(lambda match: chr(int(match.group(1), 16)), raw)
    if any(ch in "/\\%" for ch in decoded):
        # An encoded slash or backslash splits the segment for a server that decodes first;
        # an encoded '%' decodes again for one that decodes twice (%252e%252e is '..').
        raise UnsafeUrl("the URL's path encodes '/', '\\' or '%' inside a segment")
    if not decoded.isascii() or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded):
        # Overlong or "best-fit" encodings (%c0%ae, a full-width dot) are read as '.' by some.
        raise UnsafeUrl("the URL's path encodes control or non-ASCII characters")
    # Servlet containers drop ';parameters' before resolving ('..;' is '..'), and Windows
    # drops trailing dots and spaces: a segment of nothing but those is a dot segment.
    if not decoded.split(";", 1)[0].strip(". "):
        raise UnsafeUrl("the URL's path has a '.' or '..' segment, in some encoding")
    return _PERCENT.sub(_normal_escape, raw)


def _normal_escape(match: re.Match[str]) -> str:
    """RFC 3986 §6.2.2: an escaped unreserved character is that character; hex is upper case."""
    character = chr(int(match.group(1), 16))
    return character if character in _UNRESERVED else "%" + match.group(1).upper()
