"""Each request's identity and timing, and the metrics of the CDS Hooks endpoints.

Every request, /healthz included, gets a request id before anything else runs, so every log
line it causes carries it (:mod:`cds_hooks.logs`) and the answer echoes it in
``X-Request-ID``. Only the CDS Hooks endpoints are counted and timed: their metrics describe
hook calls, and a scrape of /metrics counting itself would say nothing about them.
"""

from __future__ import annotations

import re
import time

from flask import Flask, Response, g, request

from cds_hooks import metrics
from cds_hooks.endpoints import current_endpoints
from cds_hooks.ids import new_hex_id

# A request id from a proxy is kept (logged, echoed) only when it is a UUID or 32 hex digits
# (nginx's $request_id): an opaque id of a fixed shape, unlike free text, can carry no name.
_SAFE_REQUEST_ID = re.compile(r"^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})$")


def init_app(app: Flask) -> None:
    """Identify and time every request of ``app``; call first, so later hooks log with the id."""
    app.before_request(begin)
    app.after_request(echo_request_id)


def begin() -> None:
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else new_hex_id()
    g.started = time.perf_counter()


def echo_request_id(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def measure(response: Response) -> Response:
    """Count and time an answer of the blueprint this runs after, but not its CORS preflights."""
    if request.method == "OPTIONS":
        return response
    endpoint = (request.endpoint or "").removeprefix(f"{request.blueprint}.")
    service_id = (request.view_args or {}).get("service_id", "")
    service = current_endpoints().registry.get(service_id) if service_id else None
    hook = service.hook if service else ""
    service_label = service.id if service else ("" if not service_id else "unknown")
    metrics.request_series(endpoint, service_label, hook, str(response.status_code)).inc()
    started = g.get("started")
    if started is not None:
        metrics.latency_series(endpoint, service_label).observe(time.perf_counter() - started)
    return response
