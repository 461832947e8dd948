"""Running the app under gunicorn, a production WSGI server, from ``microcyte serve``.

Each worker process builds its own app after the fork, so HTTP sessions, database
connections and caches are never shared across processes. Inside a worker every connection
is a greenlet, and a request reaches one of the worker's threads only once it has fully
arrived (service/worker.py): a slow or stuck client holds no thread, and threads let a slow
FHIR fetch of one hook call not hold up the others. SIGTERM stops gracefully: workers finish
the calls in flight (up to ``graceful_timeout_seconds``) before exiting.
"""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from cds_hooks.auth.verifier import MAX_TOKEN_CHARS
from cds_hooks.logs import logging_config
from service.app import create_app
from service.config import Settings

# A hook call with 10,000 Observations allocates about half a million objects. With CPython's
# default thresholds the cyclic collector traverses that graph again and again, so the time of
# a call grew faster than the record (bench/RESULTS.md). Nothing the service builds relies on
# cycles being collected promptly: collections are made rarer, and what start-up built (the
# app, the models, the libraries) is frozen out of them.
GC_THRESHOLDS = (50_000, 20, 100)

# gunicorn counts a header field as its whole line: "Authorization: Bearer <jwt>" and CRLF. The
# largest Authorization value the verifier accepts must reach it, rather than get a 431 here.
HEADER_FIELD_BYTES = len("Authorization: ") + MAX_TOKEN_CHARS + len("\r\n")


def tune_garbage_collector() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


def _worker_ready(worker: Any) -> None:
    tune_garbage_collector()


def _log_nothing(worker: Any, request: Any) -> None:
    return None


def _worker_exited(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


class MicrocyteServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        server = self.settings.server
        host = f"[{server.host}]" if ":" in server.host else server.host
        options: dict[str, Any] = {
            "bind": f"{host}:{server.port}",
            "workers": server.workers,
            "worker_class": "service.worker.MicrocyteWorker",
            "worker_connections": server.connections,
            "graceful_timeout": server.graceful_timeout_seconds,
            "timeout": 30,
            # gunicorn's async worker bounds the wait for a request's headers, on a new or a
            # kept-alive connection alike, by this; the worker bounds the body itself.
            "keepalive": server.header_read_timeout_seconds,
            "limit_request_field_size": HEADER_FIELD_BYTES,
            "logconfig_dict": logging_config(self.settings.log_level),
            "proc_name": "microcyte",
            "child_exit": _worker_exited,
            "post_worker_init": _worker_ready,
            # gunicorn's default pre_request logs each request's method and path at DEBUG: text a
            # client chose, and a path can carry a patient id.
            "pre_request": _log_nothing,
            # gunicorn's control socket sits at one path per user: two instances would collide.
            "control_socket_disable": True,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app(self.settings)


def run(settings: Settings) -> None:
    MicrocyteServer(settings).run()
