"""gunicorn's gevent worker, made to hand the app only requests that have fully arrived.

Under the gthread worker a connection that had sent one byte held one of the worker's eight
threads for as long as the client cared to trickle, so eight slow sockets stalled the
service. Here the connections are greenlets: a slow one costs a socket and a little memory,
never a thread. gunicorn's async worker bounds the wait for a request's headers by its
``keepalive`` setting (see server.py); this worker then reads the body to its end, inside its
own deadline and size limit. Only then does the app run, on a pool of ``threads`` real
threads, as it did under gthread.

Nothing is monkey-patched: the app keeps real threads, blocking sockets and locks. Patched,
a SQLite commit or a wait on SQLite's write lock froze every connection of the worker, and
the median call took three times as long (bench, one client); the greenlets here touch only
the client sockets, which are gevent's own.

gunicorn answers the requests it cannot parse itself, in HTML; here those answers are
OperationOutcome JSON like every other refusal of the service, and say what was wrong without
quoting what the client sent (the log holds neither).
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable, Iterable
from http import HTTPStatus
from types import TracebackType
from typing import Any

import gevent
import gevent.socket
import orjson
from gevent.threadpool import ThreadPool
from greenlet import greenlet
from gunicorn import util
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.errors import (
    ChunkMissingTerminator,
    ConfigurationProblem,
    ExpectationFailed,
    ForbiddenProxyRequest,
    InvalidChunkExtension,
    InvalidChunkSize,
    InvalidHeader,
    InvalidHeaderName,
    InvalidHTTPVersion,
    InvalidRequestLine,
    InvalidRequestMethod,
    InvalidResponseHeader,
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.workers.ggevent import GeventWorker

from cds_hooks.errors import operation_outcome
from service.config import ServerSettings

READ_STEP = 64 * 1024
BODY_TOO_LARGE = "the request body is larger than this service accepts"
INTERNAL = "internal error; the service log holds the details"

# First match wins: the response-header errors subclass the request-header ones, and are ours.
_REFUSALS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], int, str], ...] = (
    ((InvalidResponseHeader, InvalidResponseHeaderName, ConfigurationProblem), 500, INTERNAL),
    (LimitRequestLine, 414, "the request line (method and URL) is longer than this service accepts"),
    (LimitRequestHeaders, 431, "the request headers are larger, or more, than this service accepts"),
    (ExpectationFailed, 417, "the request's Expect header asks for something this service does not do"),
    (UnsupportedTransferCoding, 501, "the request's Transfer-Encoding is not one this service reads"),
    (
        (InvalidChunkSize, ChunkMissingTerminator, InvalidChunkExtension),
        400,
        "the request's chunked body is malformed",
    ),
    (InvalidRequestLine, 400, "the request line is not valid HTTP"),
    (InvalidRequestMethod, 400, "the request method is not valid HTTP"),
    (InvalidHTTPVersion, 400, "the request's HTTP version is not one this service speaks"),
    (
        (InvalidHeader, InvalidHeaderName, ObsoleteFolding),
        400,
        "a request header is not valid HTTP (or Content-Length is not a single number)",
    ),
    (ForbiddenProxyRequest, 403, "this service takes no PROXY protocol header from this address"),
    (ParseException, 400, "the request is not valid HTTP"),
    (Exception, 500, INTERNAL),
    # A greenlet killed while the worker stops (graceful timeout over) or a forced exit.
    (BaseException, 503, "the service is stopping; send the request again"),
)


class RequestRefused(Exception):
    """The worker answers this itself, before the app sees the request, and closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def refusal_for(error: BaseException) -> tuple[int, str]:
    for kinds, status, message in _REFUSALS:
        if isinstance(error, kinds):
            return status, message
    raise AssertionError("the last refusal matches every exception")  # pragma: no cover


def outcome_response(status: int, message: str) -> bytes:
    body = orjson.dumps(operation_outcome(status, message))
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _RequestWait:
    """gunicorn's wait for a connection's next request headers, bounded, and known to the worker."""

    def __init__(self, waiting: dict[greenlet, gevent.Timeout], seconds: float) -> None:
        self._waiting = waiting
        # False: the wait just ends, as gunicorn's own does (the stubs leave that value out).
        self._timeout = gevent.Timeout(seconds, False)  # type: ignore[arg-type]

    def __enter__(self) -> None:
        self._waiting[gevent.getcurrent()] = self._timeout
        self._timeout.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> bool:
        self._waiting.pop(gevent.getcurrent(), None)
        return bool(self._timeout.__exit__(kind, error, trace))


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _answer(app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Run on a pool thread: the app's whole answer, its iterable closed there (Flask tears down then)."""
    result = app(environ, start_response)
    try:
        return list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


class AppOnThreads:
    """The WSGI app run on real threads; the calling greenlet waits for it without blocking others."""

    def __init__(self, app: WSGIApp, threads: int) -> None:
        self._app = app
        self._pool = ThreadPool(threads)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        answer: list[bytes] = self._pool.apply(_answer, (self._app, environ, start_response))
        return answer


class MicrocyteWorker(GeventWorker):  # type: ignore[misc]
    """One gevent worker of ``microcyte serve``; the settings come from the application."""

    STOP_SWEEP_S = 0.2
    sockets: list[Any]
    wsgi: WSGIApp

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: dict[greenlet, gevent.Timeout] = {}

    def patch(self) -> None:
        # gunicorn's gevent worker monkey-patches the whole process here; only the listening
        # sockets become gevent's, and so do the connections accepted on them.
        self.sockets = [
            gevent.socket.socket(listener.FAMILY, socket.SOCK_STREAM, fileno=listener.sock.detach())
            for listener in self.sockets
        ]

    def load_wsgi(self) -> None:
        super().load_wsgi()
        self.wsgi = AppOnThreads(self.wsgi, self._server_settings.threads)

    def timeout_ctx(self) -> _RequestWait:
        return _RequestWait(self._waiting, self.cfg.keepalive)

    def handle_exit(self, sig: int, frame: Any) -> None:
        # A graceful stop waits for every open connection: one kept alive by a client between
        # calls would hold it for the whole header bound. Calls the app is serving finish;
        # connections waiting for a request are closed, as a stopping server may.
        super().handle_exit(sig, frame)
        gevent.spawn(self._close_waiting_connections)

    def _close_waiting_connections(self) -> None:
        loop = gevent.get_hub().loop
        while True:  # ends with the process; also catches connections accepted while stopping
            for waiter, timeout in list(self._waiting.items()):
                loop.run_callback(self._end_wait, waiter, timeout)
            gevent.sleep(self.STOP_SWEEP_S)

    def _end_wait(self, waiter: greenlet, timeout: gevent.Timeout) -> None:
        # Run by the hub, so the connection is paused; if it is still in the same wait, the wait
        # ends as if its bound had passed, and gunicorn closes the connection.
        if self._waiting.get(waiter) is timeout:
            waiter.throw(timeout)

    @property
    def _server_settings(self) -> ServerSettings:
        settings: ServerSettings = self.app.settings.server
        return settings

    def handle_request(self, listener_name: Any, req: Any, sock: socket.socket, addr: Any) -> Any:
        try:
            req.body = Body(io.BytesIO(self._read_body(req, sock)))
        except RequestRefused as refused:
            self.log.info("refused with %s before the app", refused.status)
            self._answer_and_close(sock, refused.status, refused.message)
            raise StopIteration from None
        return super().handle_request(listener_name, req, sock, addr)

    def _read_body(self, req: Any, sock: socket.socket) -> bytes:
        """The whole body, read within ``body_read_timeout_seconds`` and ``max_body_bytes``."""
        settings = self._server_settings
        limit = settings.max_body_bytes
        reader = req.body.reader
        declared = reader.length if isinstance(reader, LengthReader) else None
        if declared is not None and declared > limit:
            raise RequestRefused(413, BODY_TOO_LARGE)
        if getattr(req, "_expected_100_continue", False):
            # gunicorn sends the 100 when the app starts; the client waits for it to send the body.
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            req._expected_100_continue = False
        timeout = settings.body_read_timeout_seconds
        late = RequestRefused(408, f"the request body did not arrive within {timeout} s")
        parts: list[bytes] = []
        size = 0
        with gevent.Timeout(timeout, late):
            while part := req.body.read(READ_STEP):
                size += len(part)
                if size > limit:
                    raise RequestRefused(413, BODY_TOO_LARGE)
                parts.append(part)
        if declared is not None and size < declared:
            raise StopIteration  # the client closed before sending all it announced
        return b"".join(parts)

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        status, message = refusal_for(exc)
        peer = addr[0] if addr else "unix socket"
        # The exception's text quotes what the client sent: only its type is logged.
        if status >= 500:
            self.log.error("%s on a request from %s, answered %s", type(exc).__name__, peer, status)
        else:
            self.log.warning("malformed request from %s (%s), answered %s", peer, type(exc).__name__, status)
        self._answer_and_close(client, status, message)

    def _answer_and_close(self, sock: socket.socket, status: int, message: str) -> None:
        try:
            sock.sendall(outcome_response(status, message))
        except OSError:
            self.log.debug("could not send the %s answer", status)
        # Closing with unread bytes pending would reset the connection, and the client could lose
        # the answer: the rest it sends is read and dropped first, within bounds.
        util.close_graceful(sock)
