"""JSON answers, serialized by orjson: the one way every endpoint, error and probe answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from flask import Response

from cds_hooks.errors import operation_outcome
from cds_hooks.models import WireModel


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def wire_response(payload: WireModel) -> Response:
    """A CDS Hooks object as the body: written by the model itself, with no dict in between."""
    return Response(payload.to_json(), status=200, mimetype="application/json")


def outcome_response(
    status: int, message: str, *, field: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    """A refusal: an OperationOutcome with its status and the headers the refusal carries."""
    response = json_response(operation_outcome(status, message, field=field), status)
    response.headers.update(headers or {})
    return response
