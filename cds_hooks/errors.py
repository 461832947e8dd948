"""Protocol errors and their HTTP answer: an OperationOutcome with the right status.

:class:`CDSHooksError` is the root of one exception tree, as httpx has one: every refusal the
protocol makes derives from it (a bad field, an unknown service, a failed or uncheckable
token in :mod:`cds_hooks.auth.errors`, a FHIR server a call may not name, a store that cannot
take feedback now), and each carries what its answer needs: status, message, field and
headers. So :mod:`cds_hooks.error_handlers` answers them all in one place, and a client
always gets a JSON body that names what was wrong and never a 500 for something it sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

# An answer echoes at most this much of what the client sent, and says no more than this.
QUOTE_CHARS = 64
MAX_DIAGNOSTICS_CHARS = 1000
MAX_FIELD_CHARS = 200
# A field path made of member names and indices, as this service writes them: the only kind of
# field a log line may name.
_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}(?:\.[A-Za-z0-9_]{1,64}|\[\d{1,9}\])*$")

# OperationOutcome.issue.code values (FHIR R4 IssueType) by HTTP status.
_ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    408: "timeout",
    412: "incomplete",
    413: "too-costly",
    414: "too-long",
    415: "not-supported",
    417: "not-supported",
    422: "processing",
    429: "throttled",
    431: "too-long",
    500: "exception",
    501: "not-supported",
    502: "transient",
    503: "transient",
    504: "timeout",
}


class CDSHooksError(Exception):
    """A refusal with an HTTP status; ``field`` names what was wrong, when one thing was.

    ``headers`` go on the answer as they are (``WWW-Authenticate`` for a 401);
    ``retry_after_seconds``, for a 503, says when trying again makes sense and becomes the
    ``Retry-After`` header. ``message`` is for the client and may quote what it sent, so it
    is never logged; ``field`` is logged only through :func:`loggable_field`.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.retry_after_seconds = retry_after_seconds
        self.headers = dict(headers or {})
        if retry_after_seconds is not None:
            self.headers["Retry-After"] = str(retry_after_seconds)

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.status, self.message, field=self.field)


def quoted(value: object) -> str:
    """A client's value in a message: its repr, cut short, so that no answer echoes a megabyte."""
    text = repr(value)
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def loggable_field(field: str | None) -> str:
    """``field`` when it is a path of member names and indices, for a log line; else a placeholder."""
    if field and len(field) <= MAX_FIELD_CHARS and _FIELD_PATH.match(field):
        return field
    return "request" if not field else "a field"


def operation_outcome(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    if len(message) > MAX_DIAGNOSTICS_CHARS:
        message = message[: MAX_DIAGNOSTICS_CHARS - 1] + "…"
    issue: dict[str, Any] = {
        "severity": "error",
        "code": _ISSUE_CODE.get(status, "processing"),
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field[:MAX_FIELD_CHARS]]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def from_validation_error(error: ValidationError, *, prefix: str = "") -> CDSHooksError:
    """Turn pydantic's error into a 400 that names the first bad field the way a client writes it."""
    first = error.errors(include_url=False, include_input=False)[0]
    location = ".".join(str(part) for part in first["loc"] if not str(part).startswith("function-"))
    field = f"{prefix}{location}" if location else (prefix.rstrip(".") or None)
    message = first["msg"].removeprefix("Value error, ")
    text = f"{field}: {message}" if field else message
    return CDSHooksError(400, text, field=field)
