"""Protocol errors and their HTTP answer: an OperationOutcome with the right status.

Every refusal the service makes goes through :class:`CDSHooksError`, so a client always
gets a JSON body that names what was wrong (the field, the prefetch key) and never a 500
for something it sent.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

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
    """A refusal with an HTTP status; ``field`` names what was wrong, when one thing was."""

    def __init__(
        self, status: int, message: str, *, field: str | None = None, retry_after_seconds: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        # For a 503: when trying again makes sense (the Retry-After header).
        self.retry_after_seconds = retry_after_seconds

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.status, self.message, field=self.field)


def operation_outcome(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": _ISSUE_CODE.get(status, "processing"),
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def from_validation_error(error: ValidationError, *, prefix: str = "") -> CDSHooksError:
    """Turn pydantic's error into a 400 that names the first bad field the way a client writes it."""
    first = error.errors(include_url=False, include_input=False)[0]
    location = ".".join(str(part) for part in first["loc"] if not str(part).startswith("function-"))
    field = f"{prefix}{location}" if location else (prefix.rstrip(".") or None)
    message = first["msg"].removeprefix("Value error, ")
    text = f"{field}: {message}" if field else message
    return CDSHooksError(400, text, field=field)
