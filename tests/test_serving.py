"""``microcyte serve`` facing slow, stuck and malformed clients, over real sockets.

A handful of sockets that trickle a request, or stall half-way through its body, must not
hold up anyone else, and must be dropped within the configured bounds. Whatever the HTTP
server itself refuses (a long URL, large headers, broken framing) is answered as every
refusal of the service is: an OperationOutcome in JSON with the right status.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from cds_hooks.auth.verifier import MAX_TOKEN_CHARS
from service.examples import example_request
from tests.served import running

EXAMPLE = example_request(today=datetime.now(UTC).date())  # its labs recent enough for cards
HOOK_PATH = "/cds-services/microcytosis-workup"
# Well under a second for a call that takes milliseconds, with room for a loaded machine; the
# old gthread server did not answer at all while eight slow sockets were open.
PROMPT_S = 1.0
READ_TIMEOUT_S = 2  # the bounds the server under the drop tests is given
MAX_BODY = 64 * 1024
MARGIN_S = 3.0


Served = tuple[str, subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def patient_server() -> Iterator[Served]:
    """Slow clients must still be connected while the others are served: long read bounds."""
    env = {
        "MICROCYTE_SERVER__HEADER_READ_TIMEOUT_SECONDS": "60",
        "MICROCYTE_SERVER__BODY_READ_TIMEOUT_SECONDS": "60",
    }
    with running("--no-auth", env=env) as server:
        yield server


@pytest.fixture(scope="module")
def strict_server() -> Iterator[Served]:
    env = {
        "MICROCYTE_SERVER__HEADER_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_S),
        "MICROCYTE_SERVER__BODY_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_S),
        "MICROCYTE_SERVER__MAX_BODY_BYTES": str(MAX_BODY),
    }
    with running("--no-auth", env=env) as server:
        yield server


def address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def connect(base: str) -> socket.socket:
    return socket.create_connection(address(base), timeout=10)


def exchange(base: str, raw: bytes) -> tuple[http.client.HTTPResponse, bytes]:
    """Send ``raw`` as it is on a new connection; the server's answer and its body."""
    with connect(base) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response, response.read()


def is_open(sock: socket.socket) -> bool:
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True  # nothing to read, and not closed
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)


class SlowClients:
    """``count`` connections, each sending its request one byte a second until stopped."""

    def __init__(self, base: str, count: int, start: bytes, trickle: bytes) -> None:
        self.sockets = [connect(base) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(start)
        self._trickle = trickle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for byte in self._trickle:
            if self._stop.wait(1.0):
                return
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # dropped by the server: that is its right
                    sock.sendall(bytes([byte]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()


def trickling_headers(base: str, count: int) -> SlowClients:
    return SlowClients(base, count, b"G", b"ET /cds-services HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 120)


def stalled_bodies(base: str, count: int) -> SlowClients:
    head = (
        f"POST {HOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 10000\r\n\r\n{"
    )
    return SlowClients(base, count, head.encode(), b"")


def timed(call: Any) -> tuple[float, requests.Response]:
    started = time.monotonic()
    response = call()
    return time.monotonic() - started, response


def assert_others_are_served(base: str, slow: SlowClients) -> None:
    time.sleep(1.5)  # every slow socket accepted, and on its way
    discovery_s, discovery = timed(lambda: requests.get(f"{base}/cds-services", timeout=10))
    hook_s, hook = timed(lambda: requests.post(f"{base}{HOOK_PATH}", json=EXAMPLE, timeout=10))
    assert discovery.status_code == 200 and hook.status_code == 200, (discovery.text, hook.text)
    assert discovery_s < PROMPT_S and hook_s < PROMPT_S, (discovery_s, hook_s)
    assert all(is_open(sock) for sock in slow.sockets)  # they were held, not dropped


@pytest.mark.parametrize("count", [8, 64])
def test_clients_trickling_headers_do_not_hold_up_other_calls(patient_server: Served, count: int) -> None:
    base, _ = patient_server
    slow = trickling_headers(base, count)
    try:
        assert_others_are_served(base, slow)
    finally:
        slow.close()


@pytest.mark.parametrize("count", [8, 64])
def test_clients_stalled_in_a_body_do_not_hold_up_other_calls(patient_server: Served, count: int) -> None:
    base, _ = patient_server
    slow = stalled_bodies(base, count)
    try:
        assert_others_are_served(base, slow)
    finally:
        slow.close()


def seconds_until_closed(sock: socket.socket) -> tuple[float, bytes]:
    """How long until the server closes the connection, and what it sent before."""
    started = time.monotonic()
    received = b""
    sock.settimeout(READ_TIMEOUT_S + MARGIN_S + 5)
    while chunk := sock.recv(65536):
        received += chunk
    return time.monotonic() - started, received


def test_a_stalled_body_is_dropped_with_a_408_within_the_bound(strict_server: Served) -> None:
    base, _ = strict_server
    slow = stalled_bodies(base, 1)
    try:
        waited, answer = seconds_until_closed(slow.sockets[0])
    finally:
        slow.close()
    assert READ_TIMEOUT_S - 0.5 < waited < READ_TIMEOUT_S + MARGIN_S
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"Content-Type: application/json" in head
    outcome = json.loads(body)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "timeout"


def test_a_client_trickling_headers_is_dropped_within_the_bound(strict_server: Served) -> None:
    base, _ = strict_server
    slow = trickling_headers(base, 1)
    try:
        waited, answer = seconds_until_closed(slow.sockets[0])
    finally:
        slow.close()
    assert waited < READ_TIMEOUT_S + MARGIN_S
    assert answer == b""  # nothing was asked yet: the connection is just closed


def test_a_body_sent_after_100_continue_is_read(strict_server: Served) -> None:
    base, _ = strict_server
    body = json.dumps(EXAMPLE).encode()
    head = (
        f"POST {HOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    with connect(base) as sock:
        sock.sendall(head.encode())
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 200
        assert "cards" in json.loads(response.read())


def chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


def post(headers: str, body: bytes = b"") -> bytes:
    head = f"POST {HOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}\r\n"
    return head.encode() + body


MARKER = "zq-client-said-this"
MALFORMED = {
    "long URL": (414, f"GET /cds-services?{MARKER}={'a' * 20_000} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
    "large header": (
        431,
        f"GET /cds-services HTTP/1.1\r\nHost: x\r\nX-{MARKER}: {'a' * 40_000}\r\n\r\n".encode(),
    ),
    "many headers": (
        431,
        (
            "GET /cds-services HTTP/1.1\r\n" + "".join(f"X-{MARKER}-{n}: 1\r\n" for n in range(150)) + "\r\n"
        ).encode(),
    ),
    "bad request line": (400, f"{MARKER} IS NOT HTTP\r\n\r\n".encode()),
    "bad HTTP version": (400, f"GET /cds-services HTTP/7.{MARKER}\r\nHost: x\r\n\r\n".encode()),
    "bad header name": (400, f"GET /cds-services HTTP/1.1\r\nHost: x\r\nX {MARKER}: 1\r\n\r\n".encode()),
    "bad Content-Length": (400, post(f"Content-Length: 12{MARKER}\r\n", b"{}")),
    "two Content-Lengths": (400, post("Content-Length: 2\r\nContent-Length: 3\r\n", b"{}")),
    "chunked garbage": (400, post("Transfer-Encoding: chunked\r\n", f"{MARKER}\r\n{{}}\r\n".encode())),
    "unknown transfer coding": (501, post(f"Transfer-Encoding: {MARKER}\r\n", b"{}")),
    "declared body too large": (413, post(f"Content-Length: {MAX_BODY + 1}\r\n", b"{")),
    "chunked body too large": (413, post("Transfer-Encoding: chunked\r\n", chunked(b" " * MAX_BODY, b"{}"))),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_what_the_http_server_refuses_is_an_operation_outcome(strict_server: Served, name: str) -> None:
    base, _ = strict_server
    status, raw = MALFORMED[name]
    response, body = exchange(base, raw)
    assert response.status == status
    assert response.getheader("Content-Type") == "application/json"
    outcome = json.loads(body)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"
    assert MARKER not in outcome["issue"][0]["diagnostics"]
    assert requests.get(f"{base}/healthz", timeout=5).ok  # and the server is none the worse


def test_the_log_never_quotes_a_malformed_request() -> None:
    env = {"MICROCYTE_SERVER__MAX_BODY_BYTES": str(MAX_BODY), "MICROCYTE_LOG_LEVEL": "DEBUG"}
    with running("--no-auth", env=env) as (base, process):
        for status, raw in MALFORMED.values():
            assert exchange(base, raw)[0].status == status
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None
    log = process.stdout.read().decode()
    assert "malformed request" in log
    assert MARKER not in log


def test_the_log_never_quotes_a_well_formed_request_even_at_debug() -> None:
    """gunicorn's default pre_request hook logs every request's method and path at DEBUG."""
    with running("--no-auth", env={"MICROCYTE_LOG_LEVEL": "DEBUG"}) as (base, process):
        for raw in (
            f"GET /cds-services/{MARKER} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
            f"POST /cds-services/{MARKER} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}".encode(),
            f"{MARKER.upper().replace('-', '')} /cds-services HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        ):
            assert exchange(base, raw)[0].status < 500
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None
    log = process.stdout.read().decode()
    assert MARKER not in log and MARKER.upper().replace("-", "") not in log


def unsigned_jwt(size: int) -> str:
    """A well-formed JWT of ``size`` characters from an issuer nobody trusts."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    header = part({"alg": "ES384", "typ": "JWT", "kid": "unknown"})
    claims = {"iss": "https://unknown.example.org", "aud": "x", "exp": 2_000_000_000, "jti": "1", "pad": ""}
    signature = "A" * 96
    room = size - len(header) - len(part(claims)) - len(signature) - 2
    claims["pad"] = "p" * (room * 3 // 4)
    token = f"{header}.{part(claims)}.{signature}"
    return token + "A" * (size - len(token))  # the signature absorbs what base64 rounded off


@pytest.mark.parametrize("value_chars", [10 * 1024, MAX_TOKEN_CHARS])
def test_a_token_as_large_as_the_verifier_accepts_reaches_it(value_chars: int) -> None:
    token = unsigned_jwt(value_chars - len("Bearer "))
    with running("--trust", "cds-hooks-sandbox") as (base, _):
        response = requests.get(
            f"{base}/cds-services", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    assert len(f"Bearer {token}") == value_chars
    assert response.status_code == 401  # the verifier's answer, not the HTTP server's 431
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_connection_kept_alive_between_calls_does_not_delay_a_graceful_stop() -> None:
    env = {"MICROCYTE_SERVER__HEADER_READ_TIMEOUT_SECONDS": "60"}
    with running("--no-auth", env=env) as (base, process), requests.Session() as client:
        assert client.get(f"{base}/cds-services", timeout=5).ok  # its connection stays open
        stopping = time.monotonic()
        process.terminate()
        assert process.wait(timeout=30) == 0
        assert time.monotonic() - stopping < 10
