"""Operations endpoints, unauthenticated so orchestrators and scrapers can reach them.

``/healthz`` says the process answers; ``/readyz`` says it can do its work (configuration
loaded, storage reachable), so a load balancer stops sending calls to an instance that
would lose feedback; ``/metrics`` is the Prometheus page. None of them reveals patient data.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app

from cds_hooks import metrics
from cds_hooks.blueprint import json_response

READINESS_KEY = "microcyte.readiness"

# Each check returns None when ready, or a short reason when not.
ReadinessCheck = Callable[[], str | None]

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return json_response({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    checks: dict[str, ReadinessCheck] = current_app.extensions.get(READINESS_KEY, {})
    problems = {name: reason for name, check in checks.items() if (reason := check()) is not None}
    if problems:
        return json_response({"status": "unavailable", "checks": problems}, 503)
    return json_response({"status": "ready", "checks": {name: "ok" for name in checks}})


@bp.get("/metrics")
def prometheus() -> Response:
    page, content_type = metrics.exposition()
    return Response(page, content_type=content_type)
