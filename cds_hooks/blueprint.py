"""The CDS Hooks endpoints: discovery, service calls and feedback, on one blueprint.

The views only turn a request into a call of :mod:`cds_hooks.handling` (which the command
line shares, so it prints exactly what the service sends) and its result into JSON. What
surrounds them lives in small modules of its own, and :func:`init_app` is the one place
that wires them to an app: request ids, timing and metrics (:mod:`cds_hooks.instrumentation`),
authentication (:mod:`cds_hooks.access`), CORS (:mod:`cds_hooks.cors`), and the answer to
every refusal, an OperationOutcome with the right status (:mod:`cds_hooks.error_handlers`).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Flask, Response, g, request

from cds_hooks import access, cors, error_handlers, instrumentation, metrics
from cds_hooks.endpoints import EXTENSION_KEY, Endpoints, current_endpoints
from cds_hooks.errors import CDSHooksError, quoted
from cds_hooks.handling import invoke, parse_feedback, parse_json, parse_request
from cds_hooks.models import DiscoveryResponse
from cds_hooks.paths import CanonicalPaths
from cds_hooks.responses import wire_response
from cds_hooks.service import CDSService

__all__ = ["EXTENSION_KEY", "Endpoints", "bp", "init_app"]

_JSON_TYPES = ("application/json",)

bp = Blueprint("cds_hooks", __name__)
bp.before_request(access.authenticate)
bp.after_request(instrumentation.measure)


def init_app(app: Flask, endpoints: Endpoints) -> None:
    """Mount the CDS Hooks endpoints on ``app``, serving what ``endpoints`` provides."""
    app.extensions[EXTENSION_KEY] = endpoints
    # First, so that every hook after it (and each log line they write) has the request id.
    instrumentation.init_app(app)
    cors.init_app(app, bp, endpoints.cors)
    error_handlers.init_app(app)
    app.register_blueprint(bp)
    app.wsgi_app = CanonicalPaths(app.wsgi_app)  # type: ignore[method-assign]


@bp.get("/cds-services")
def discovery() -> Response:
    services = [service.descriptor() for service in current_endpoints().registry]
    return wire_response(DiscoveryResponse(services=services))


@bp.post("/cds-services/<service_id>")
def call_service(service_id: str) -> Response:
    endpoints = current_endpoints()
    service = _service(service_id)
    hook_request = parse_request(_json_body())
    # Logged in its canonical form: the UUID parser also takes braces, "urn:uuid:" and more.
    g.hook_instance = str(uuid.UUID(hook_request.hookInstance))
    access.check_fhir_server(hook_request.fhirServer)
    now = endpoints.clock()
    response = invoke(service, hook_request, now=now, fill=endpoints.fill)
    metrics.count_cards(service.id, response)
    if endpoints.on_cards is not None and response.cards:
        endpoints.on_cards(service, response, now)
    return wire_response(response)


@bp.post("/cds-services/<service_id>/feedback")
def feedback(service_id: str) -> Response:
    endpoints = current_endpoints()
    service = _service(service_id)
    if endpoints.on_feedback is None:
        raise CDSHooksError(404, "this server keeps no feedback")
    items = parse_feedback(_json_body())
    endpoints.on_feedback(service, items, endpoints.clock())
    for item in items.feedback:
        metrics.FEEDBACK_ITEMS.labels(service=service.id, outcome=item.outcome).inc()
    # The spec defines no response body: 200 alone says the feedback is stored.
    return Response(status=200)


def _service(service_id: str) -> CDSService:
    service = current_endpoints().registry.get(service_id)
    if service is None:
        raise CDSHooksError(404, f"no CDS service with id {quoted(service_id)}")
    return service


def _json_body() -> Any:
    if request.mimetype not in _JSON_TYPES and not request.mimetype.endswith("+json"):
        raise CDSHooksError(
            415, f"Content-Type must be application/json, not {quoted(request.mimetype or 'none')}"
        )
    return parse_json(request.get_data(cache=False))
