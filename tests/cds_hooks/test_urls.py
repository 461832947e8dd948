"""The one URL reader: what it refuses, and that nothing it accepts under a prefix can leave it.

The properties check the promise the way an attacker would try to break it: whatever URL is
accepted as under a prefix still lies under it once the HTTP stack has prepared it (requests
decodes, urllib3 removes dot segments) and a lenient server has decoded it again, split it
at backslashes, dropped ``;parameters`` and trailing dots, and resolved what is left.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import requests
from hypothesis import example, given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from cds_hooks.auth import TrustedClient
from cds_hooks.fhir.allowlist import within
from cds_hooks.urls import UnsafeUrl, parse, under

PREFIX = "https://keys.example/keys/"
BASE = "http://127.0.0.1:8080/fhir"

# Pieces of paths that have climbed out of a folder on some server, and some harmless ones.
PIECES = [
    "a", "keys", "jwks.json", "x.y", "~", "%41", "%7e", "-", "_",
    "/", "//", ".", "..", "...", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "\\", "%25", "%252e",
    "%252f", "%2525", ";", "%3b", ";x", "%00", "%0a", "%20", " ", "%c0%ae", "%ef%bc%8e", "\uff0e",
    "?", "#", "%3f", "%23", "@", ":", "%", "%2", "%zz", "[", "]",
]  # fmt: skip
paths = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def lenient(path: str) -> str:
    """The file the most forgiving server would open for ``path``, at its worst."""
    for _ in range(3):
        path = unquote(path)
    segments = []
    for segment in path.replace("\\", "/").split("/"):
        head = segment.split(";", 1)[0]
        trimmed = head.rstrip(". ")
        segments.append(".." if head and not trimmed else trimmed)
    joined = "/".join(segments)
    return posixpath.normpath(joined if joined.startswith("/") else "/" + joined)


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def reaches(url: str) -> tuple[str | None, int | None, str]:
    """Host, port and path of what requests and urllib3 actually send for ``url``."""
    prepared = parse_url(requests.Request("GET", url).prepare().url)
    return prepared.host, prepared.port, prepared.path or "/"


def assert_stays_under(url: str, host: str, port: int | None, folder: str) -> None:
    split = urlsplit(url)
    assert ((split.hostname or "").removesuffix("."), split.port) == (host, port)  # a DNS root dot
    sent_host, sent_port, sent_path = reaches(url)
    assert ((sent_host or "").removesuffix("."), sent_port) == (host, port)
    assert inside(lenient(sent_path), folder)
    assert inside(lenient(split.path), folder)
    assert inside(lenient(urlsplit(urljoin(url, "")).path), folder)


@settings(max_examples=1500, deadline=None)
@given(paths)
@example("../evil")
@example("%252e%252e/evil")
@example("..;/evil")
def test_a_jku_accepted_under_a_prefix_stays_under_it(tail: str) -> None:
    client = TrustedClient(iss="https://ehr.example", jku_prefixes=[PREFIX])
    url = PREFIX + tail
    if client.allows_jku(url):
        assert_stays_under(url, "keys.example", None, "/keys")
        fetched = client.jku_url(url)
        assert fetched is not None
        assert_stays_under(fetched, "keys.example", None, "/keys")


@settings(max_examples=1500, deadline=None)
@given(paths, st.sampled_from(["", "?_getpages=x", "?a=../b"]))
@example("/%252e%252e/admin", "")
@example("/..;/admin", "")
def test_a_next_link_accepted_within_a_base_stays_under_it(tail: str, query: str) -> None:
    url = BASE + tail + query
    if within(url, BASE):
        assert_stays_under(url, "127.0.0.1", 8080, "/fhir")


AUTHORITY_PIECES = [
    "keys.example",
    "evil.example",
    "@",
    ":",
    "443",
    "[",
    "]",
    "%2e",
    ".",
    "\\",
    "/",
    "#",
    "?",
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(AUTHORITY_PIECES), max_size=6).map("".join))
def test_a_jku_accepted_under_a_prefix_names_the_prefixs_host(authority: str) -> None:
    client = TrustedClient(iss="https://ehr.example", jku_prefixes=[PREFIX])
    url = f"https://{authority}/keys/jwks.json"
    if client.allows_jku(url):
        assert_stays_under(url, "keys.example", urlsplit(url).port, "/keys")
        assert urlsplit(url).port in (None, 443)


@settings(max_examples=500, deadline=None)
@given(paths)
def test_the_one_spelling_reads_as_the_url_it_came_from(tail: str) -> None:
    try:
        url = parse(PREFIX + tail)
    except UnsafeUrl:
        return
    assert parse(url.geturl()) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://keys.example/keys/a/../../evil",
        "https://keys.example/keys/%2e%2e/evil",
        "https://keys.example/keys/.%2E/evil",
        "https://keys.example/keys/%2e/evil",
        "https://keys.example/keys/..%2fevil",
        "https://keys.example/keys/..%5cevil",
        "https://keys.example/keys/..\\evil",
        "https://keys.example/keys/%252e%252e/evil",
        "https://keys.example/keys/..;/evil",
        "https://keys.example/keys/.../evil",
        "https://keys.example/keys/..%20/evil",
        "https://keys.example/keys/%c0%ae%c0%ae/evil",
        "https://keys.example/keys/\uff0e\uff0e/evil",
        "https://keys.example/keys//evil",
        "https://keys.example/keys/%00",
        "https://keys.example/keys/%zz",
        "https://keys.example/keys/[x]",
        "https://user@keys.example/keys/a",
        "https://keys.example/keys/a?x=1",
        "https://keys.example/keys/a?",
        "https://keys.example/keys/a#x",
        "https://keys.example/keys/a#",
        "https://keys.example:0/keys/a",
        "https://keys.example:99999/keys/a",
        "https://2130706433/keys/a",
        "https://0x7f.0.0.1/keys/a",
        "https://127.1/keys/a",
        "https://0x7f000001/keys/a",
        "https://[fe80::1%25eth0]/keys/a",
        "https://k\u00e9ys.example/keys/a",
        "https://keys_example/keys/a",
        "https:/keys.example/keys/a",
        "https:keys.example/keys/a",
        "//keys.example/keys/a",
        "ftp://keys.example/keys/a",
    ],
)
def test_what_could_be_read_two_ways_is_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        parse(url)


@pytest.mark.parametrize(
    ("url", "prefix", "inside"),
    [
        ("https://keys.example/keys/a/jwks.json", "https://keys.example/keys/", True),
        ("HTTPS://KEYS.example.:443/keys/a", "https://keys.example/keys/", True),
        ("https://keys.example/%6Beys/a", "https://keys.example/keys/", True),  # %6B is 'k'
        # The folder's own name without its slash is its parent's entry, not inside the folder.
        ("https://keys.example/keys", "https://keys.example/keys/", False),
        ("https://keys.example/keys/", "https://keys.example/keys/", True),
        ("https://keys.example/keys/tenant", "https://keys.example/keys/tenant/", False),
        ("https://keys.example/kevil/a", "https://keys.example/k/", False),
        ("https://keys.example/k/a", "https://keys.example/k/", True),
        ("https://keys.example/keysa", "https://keys.example/keys/", False),
        ("https://keys.example/Keys/a", "https://keys.example/keys/", False),
        ("https://keys.example:8443/keys/a", "https://keys.example/keys/", False),
        ("http://keys.example/keys/a", "https://keys.example/keys/", False),
        ("https://keys.example.evil/keys/a", "https://keys.example/keys/", False),
        ("https://[::1]:8080/keys/a", "https://[0:0::1]:8080/keys/", True),
        ("https://keys.example/anything", "https://keys.example/", True),
    ],
)
def test_a_url_is_under_a_prefix_by_whole_segments(url: str, prefix: str, inside: bool) -> None:
    assert under(parse(url), parse(prefix)) is inside


def test_a_directory_url_ends_with_a_slash() -> None:
    assert parse("https://keys.example/keys/").directory
    assert parse("https://keys.example/").directory
    assert not parse("https://keys.example/keys").directory
    assert not parse("https://keys.example").directory


def test_the_one_spelling_is_normalized() -> None:
    url = parse("HTTPS://Keys.Example.:443/%6beys/a%2a/")
    assert url.geturl() == "https://keys.example/keys/a%2A/"
    assert parse("http://[0:0::1]:80/x?a=1", query=True).geturl() == "http://[::1]/x?a=1"
