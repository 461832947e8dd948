"""A small misbehaving HTTP server on 127.0.0.1, for the faults a real FHIR server will not
produce on demand: hangs, garbage, 503 with Retry-After, foreign next links.

Each server answers every GET with whatever its ``respond`` function returns for it, and
records what it was sent, so a test can check what reached it (and what never did).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    path: str  # with its query
    headers: dict[str, str]


@dataclass
class Answer:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # hold the request open until the server is closed
    trickle: float = 0.0  # seconds between the body's bytes, each well within a read timeout


Respond = Callable[["FaultyServer", Seen], Answer]


class FaultyServer:
    def __init__(self, respond: Respond, tls: ssl.SSLContext | None = None) -> None:
        self.respond = respond
        self.seen: list[Seen] = []
        self.lock = threading.Condition()
        self.in_flight = 0
        self.max_in_flight = 0
        self.hanging = 0
        self.closed = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/fhir"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.closed.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _answer(self, seen: Seen) -> Answer:
        with self.lock:
            self.seen.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.lock.notify_all()
        try:
            answer = self.respond(self, seen)
            if answer.hang:
                with self.lock:
                    self.hanging += 1
                self.closed.wait()
            return answer
        finally:
            with self.lock:
                self.in_flight -= 1


def _handler(server: FaultyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = server._answer(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/fhir+json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if answer.trickle:
                    for byte in body:
                        if server.closed.wait(answer.trickle):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                else:
                    self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a timeout under test): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test output stays readable

    return Handler


def bundle(entries: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    """A searchset Bundle holding ``entries`` as resources."""
    found: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": resource} for resource in entries],
    }
    if next_url:
        found["link"] = [{"relation": "next", "url": next_url}]
    return found


def observation(number: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"obs-{number}", "status": "final", "code": {"text": "Hb"}}


def closed_port() -> int:
    """A loopback port nothing listens on (right after this returns, at least)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
