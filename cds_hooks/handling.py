"""Handling one hook call, independent of the web framework.

The Flask blueprint and the ``evaluate`` command line both go through :func:`invoke`, so
what the command prints is exactly what the service would send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from cds_hooks.context import check_resource_ids
from cds_hooks.errors import CDSHooksError, from_validation_error, quoted
from cds_hooks.models import CDSRequest, CDSResponse, FeedbackRequest
from cds_hooks.prefetch import PrefetchData, read_prefetch
from cds_hooks.service import HOOK_CONTEXT, CDSService, HookCall

# Fills the keys the client did not prefetch (the FHIR fetch layer); None when the service
# has no way to fetch.
PrefetchFiller = Callable[[CDSService, CDSRequest, PrefetchData], PrefetchData]


def parse_json(body: bytes) -> Any:
    if body.isspace() or not body:  # isspace stops at the first other byte; strip() copied the body
        raise CDSHooksError(400, "the request body is empty; a JSON object is expected")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise CDSHooksError(400, f"the request body is not valid JSON: {error}") from None


def parse_request(payload: Any) -> CDSRequest:
    if not isinstance(payload, dict):
        raise CDSHooksError(400, "the request body must be a JSON object")
    try:
        return CDSRequest.model_validate(payload)
    except ValidationError as error:
        raise from_validation_error(error) from None


def parse_feedback(payload: Any) -> FeedbackRequest:
    if not isinstance(payload, dict):
        raise CDSHooksError(400, "the feedback body must be a JSON object")
    try:
        return FeedbackRequest.model_validate(payload)
    except ValidationError as error:
        raise from_validation_error(error) from None


def check_fits(service: CDSService, request: CDSRequest) -> None:
    """Refuse a request meant for another hook, or missing a context member its hook requires."""
    if request.hook != service.hook:
        raise CDSHooksError(
            400, f"hook: this service answers {service.hook!r}, not {quoted(request.hook)}", field="hook"
        )
    for member in HOOK_CONTEXT.get(service.hook, ()):
        value = request.context.get(member)
        if value is None or value == "" or value == {} or value == []:
            raise CDSHooksError(
                400, f"context.{member} is required for {service.hook}", field=f"context.{member}"
            )
    check_resource_ids(request.context)


def prepare(
    service: CDSService,
    request: CDSRequest,
    *,
    now: datetime,
    fill: PrefetchFiller | None = None,
) -> HookCall:
    """Check the request fits the service and gather its data: prefetch, then fetch what is missing.

    Raises 412 when a required prefetch key cannot be had.
    """
    check_fits(service, request)
    prefetch = read_prefetch(service.prefetch, request.prefetch)
    if fill is not None:
        prefetch = fill(service, request, prefetch)
    for key, template in service.prefetch.items():
        item = prefetch[key]
        if template.required and not item.usable:
            raise CDSHooksError(
                412,
                f"required prefetch key {key!r} is unavailable ({item.problem}) and could not be fetched"
                " from a FHIR server",
                field=f"prefetch.{key}",
            )
    return HookCall(request=request, prefetch=prefetch, received_at=now)


def invoke(
    service: CDSService,
    request: CDSRequest,
    *,
    now: datetime,
    fill: PrefetchFiller | None = None,
) -> CDSResponse:
    """Run one validated request through the service."""
    return service(prepare(service, request, now=now, fill=fill))
