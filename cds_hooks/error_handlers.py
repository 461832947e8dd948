"""Every refusal and failure answered as an OperationOutcome: the app's error handlers.

They are registered on the app, not on the blueprint: a 404 for an unknown path and a 405
are raised while routing, before any blueprint is known, and a failure in /readyz deserves
the same JSON as one in a hook call. Three kinds of exception, one handler each:

- :class:`~cds_hooks.errors.CDSHooksError`, the root of every protocol refusal (a bad field,
  a failed or uncheckable token, a FHIR server a call may not name, a store that cannot take
  feedback now): answered with the status, message, field and headers it carries;
- werkzeug's ``HTTPException`` (routing, the body size limit): its status, with a message
  of ours rather than werkzeug's HTML-minded one;
- anything else: a defect of ours, a 500 that says nothing of what was being done.

Log lines name statuses, field paths, exception types and code locations, never a message:
a message may quote what the client sent.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from cds_hooks.errors import CDSHooksError, loggable_field, quoted
from cds_hooks.responses import outcome_response

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(CDSHooksError, refused)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, crashed)


def refused(error: CDSHooksError) -> Response:
    log.info("refused with %s: %s", error.status, loggable_field(error.field))
    return outcome_response(error.status, error.message, field=error.field, headers=error.headers)


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = {
        404: f"no such endpoint: {quoted(request.path)}",
        405: f"method {quoted(request.method)} is not allowed on {quoted(request.path)}",
        413: "the request body is larger than this service accepts",
    }
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return outcome_response(status, messages.get(status, error.description or error.name), headers=headers)


def crashed(error: Exception) -> Response:
    # The message is not logged: it can quote data (a pydantic error quotes its input, a card
    # summary holds lab values), so the log gets the exception type and where it was raised.
    frames = traceback.extract_tb(error.__traceback__)[-8:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    log.error("unhandled %s at %s", type(error).__name__, where)
    return outcome_response(500, "internal error; the service log holds the details")
