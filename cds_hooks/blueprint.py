"""The CDS Hooks HTTP surface: discovery, service calls, feedback, CORS and JSON errors.

Everything a client can get wrong is answered with an OperationOutcome and the status the
spec or HTTP calls for; the request handling itself lives in :mod:`cds_hooks.handling` so the
command line shares it.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from cds_hooks import metrics
from cds_hooks.auth import AuthenticationError, AuthenticationUnavailable, JWTVerifier, VerifiedClient
from cds_hooks.cors import CorsSettings, cors_headers
from cds_hooks.errors import CDSHooksError, operation_outcome
from cds_hooks.handling import PrefetchFiller, invoke, parse_feedback, parse_json, parse_request
from cds_hooks.ids import new_hex_id
from cds_hooks.models import CDSResponse, DiscoveryResponse, FeedbackRequest
from cds_hooks.paths import CanonicalPaths, called_path
from cds_hooks.service import CDSService, ServiceRegistry

log = logging.getLogger(__name__)

EXTENSION_KEY = "cds_hooks"
_JSON_TYPES = ("application/json",)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

CardsSink = Callable[[CDSService, CDSResponse, datetime], None]
FeedbackSink = Callable[[CDSService, FeedbackRequest, datetime], None]


@dataclass
class Endpoints:
    """What the blueprint needs from the application that mounts it.

    ``verifier`` authenticates every call (None: authentication is off); ``on_cards``
    records issued cards; ``on_feedback`` stores feedback and must raise rather than lose it.
    """

    registry: ServiceRegistry
    cors: CorsSettings = field(default_factory=CorsSettings)
    fill: PrefetchFiller | None = None
    verifier: JWTVerifier | None = None
    on_cards: CardsSink | None = None
    on_feedback: FeedbackSink | None = None
    public_base_url: str | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def _endpoints() -> Endpoints:
    endpoints: Endpoints = current_app.extensions[EXTENSION_KEY]
    return endpoints


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def _error_response(status: int, message: str, *, field: str | None = None) -> Response:
    return json_response(operation_outcome(status, message, field=field), status)


def _audience() -> str:
    # The URL as the client called it: that is the URL it signed as the token's audience.
    path = called_path(request.environ, request.path)
    base = _endpoints().public_base_url
    if base:
        return base.rstrip("/") + path
    return request.root_url.rstrip("/") + path


def _authenticate() -> Response | None:
    """Verify the caller's JWT; a refusal is a bare 401, its reason only in the log and metrics.

    A token that cannot be checked now (the replay store is down or recovering) is a 503
    with Retry-After: the client's credentials are not at fault, and a 401 would say so.
    """
    verifier = _endpoints().verifier
    if verifier is None:
        return None
    try:
        g.client = verifier.verify(request.headers.get("Authorization"), _audience())
    except AuthenticationError as failure:
        metrics.AUTH_FAILURES.labels(reason=failure.reason).inc()
        response = _error_response(401, "authentication required")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    except AuthenticationUnavailable as unavailable:
        metrics.AUTH_UNAVAILABLE.labels(reason=unavailable.reason).inc()
        response = _error_response(503, "the service cannot check tokens now; retry later with a new token")
        response.headers["Retry-After"] = str(unavailable.retry_after_seconds)
        return response
    return None


def _check_fhir_server(fhir_server: str | None) -> None:
    """A trusted client may only name the FHIR servers its configuration lists."""
    client: VerifiedClient | None = g.get("client")
    if fhir_server and client is not None and not client.client.may_name_fhir_server(fhir_server):
        raise CDSHooksError(
            403, "fhirServer is not one this client is configured to name", field="fhirServer"
        )


def _json_body() -> Any:
    if request.mimetype not in _JSON_TYPES and not request.mimetype.endswith("+json"):
        raise CDSHooksError(415, f"Content-Type must be application/json, not {request.mimetype or 'none'!r}")
    return parse_json(request.get_data(cache=False))


def _service(service_id: str) -> CDSService:
    service = _endpoints().registry.get(service_id)
    if service is None:
        raise CDSHooksError(404, f"no CDS service with id {service_id!r}")
    return service


def create_blueprint() -> Blueprint:
    bp = Blueprint("cds_hooks", __name__)

    @bp.before_app_request
    def _begin() -> Response | None:
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else new_hex_id()
        g.started = time.perf_counter()
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.blueprint == bp.name:
            return _authenticate()
        return None

    @bp.after_app_request
    def _finish(response: Response) -> Response:
        headers = cors_headers(
            _endpoints().cors, request.headers.get("Origin"), preflight=request.method == "OPTIONS"
        )
        response.headers.extend(headers)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        _measure(response)
        return response

    def _measure(response: Response) -> None:
        if request.blueprint != bp.name or request.method == "OPTIONS":
            return
        endpoint = (request.endpoint or "").removeprefix(f"{bp.name}.")
        service_id = (request.view_args or {}).get("service_id", "")
        service = _endpoints().registry.get(service_id) if service_id else None
        hook = service.hook if service else ""
        service_label = service.id if service else ("" if not service_id else "unknown")
        metrics.REQUESTS.labels(endpoint, service_label, hook, str(response.status_code)).inc()
        started = g.get("started")
        if started is not None:
            metrics.LATENCY.labels(endpoint, service_label).observe(time.perf_counter() - started)

    @bp.get("/cds-services")
    def discovery() -> Response:
        services = [service.descriptor() for service in _endpoints().registry]
        return json_response(DiscoveryResponse(services=services).to_wire())

    @bp.post("/cds-services/<service_id>")
    def call_service(service_id: str) -> Response:
        endpoints = _endpoints()
        service = _service(service_id)
        hook_request = parse_request(_json_body())
        g.hook_instance = hook_request.hookInstance
        _check_fhir_server(hook_request.fhirServer)
        now = endpoints.clock()
        response = invoke(service, hook_request, now=now, fill=endpoints.fill)
        metrics.count_cards(service.id, response)
        if endpoints.on_cards is not None and response.cards:
            endpoints.on_cards(service, response, now)
        return json_response(response.to_wire())

    @bp.post("/cds-services/<service_id>/feedback")
    def feedback(service_id: str) -> Response:
        endpoints = _endpoints()
        service = _service(service_id)
        if endpoints.on_feedback is None:
            raise CDSHooksError(404, "this server keeps no feedback")
        items = parse_feedback(_json_body())
        endpoints.on_feedback(service, items, endpoints.clock())
        for item in items.feedback:
            metrics.FEEDBACK_ITEMS.labels(service=service.id, outcome=item.outcome).inc()
        # The spec defines no response body: 200 alone says the feedback is stored.
        return Response(status=200)

    @bp.app_errorhandler(CDSHooksError)
    def _refused(error: CDSHooksError) -> Response:
        log.info("refused with %s: %s", error.status, error.field or "request")
        response = json_response(error.outcome(), error.status)
        if error.retry_after_seconds is not None:
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response

    @bp.app_errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        messages = {
            404: f"no such endpoint: {request.path}",
            405: f"method {request.method} is not allowed on {request.path}",
            413: "the request body is larger than this service accepts",
        }
        response = _error_response(status, messages.get(status, error.description or error.name))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @bp.app_errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        # A defect of ours, never something the client sent. The message is not logged: it can
        # quote data (a pydantic error quotes its input, a card summary holds lab values), so
        # the log gets the exception type and where in the code it was raised.
        frames = traceback.extract_tb(error.__traceback__)[-8:]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
        log.error("unhandled %s at %s", type(error).__name__, where)
        return _error_response(500, "internal error; the service log holds the details")

    return bp


def init_app(app: Flask, endpoints: Endpoints) -> None:
    app.extensions[EXTENSION_KEY] = endpoints
    app.register_blueprint(create_blueprint())
    app.wsgi_app = CanonicalPaths(app.wsgi_app)  # type: ignore[method-assign]
