"""One GET against a FHIR server, inside a deadline, retried when the server asks for it.

Everything here answers to one absolute deadline (a ``time.monotonic()`` instant): the
connect and read timeouts shrink as it nears, a retry is made only when its wait (the
server's Retry-After, else a doubling backoff) ends before it, and the body is read one
network read at a time so that a server trickling bytes cannot hold a worker past it.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import requests
import urllib3

from cds_hooks.fhir.settings import FhirSettings

# Statuses that say "try again": GET is idempotent, so a retry is always safe.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_CHUNK_BYTES = 64 * 1024


class Unavailable(Exception):
    """No usable answer; the message says why in words fit for a log or an OperationOutcome."""

    def __init__(self, message: str, attempts: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts  # requests sent before giving up


@dataclass(frozen=True)
class Reply:
    status: int
    document: Any  # the parsed JSON of a 2xx answer, else None
    attempts: int


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _read_body(response: requests.Response, deadline: float, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.raw.read1(_CHUNK_BYTES, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise Unavailable(f"the answer is larger than {limit} bytes")
            if time.monotonic() > deadline:
                raise Unavailable("the answer did not arrive within the deadline")
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError):
        raise Unavailable("the answer was cut off or arrived too slowly") from None
    return b"".join(chunks)


def _parse(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Unavailable("the answer is not JSON") from None


def get_json(
    session: requests.Session,
    url: str,
    *,
    headers: dict[str, str],
    settings: FhirSettings,
    deadline: float,
) -> Reply:
    """GET ``url``; the document when the answer is a 2xx, the status alone otherwise.

    Raises :class:`Unavailable` when there is no answer to judge: unreachable, too slow,
    not JSON, too large.
    """
    verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle else True
    attempt = 1
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Unavailable("no time was left within the deadline", attempt - 1)
        timeout = (
            min(settings.connect_timeout_seconds, remaining),
            min(settings.read_timeout_seconds, remaining),
        )
        try:
            response = session.get(
                url, headers=headers, timeout=timeout, allow_redirects=False, stream=True, verify=verify
            )
        except requests.Timeout:
            raise Unavailable("the server did not answer in time", attempt) from None
        except requests.ConnectionError:
            raise Unavailable("the server could not be reached", attempt) from None
        except requests.RequestException as error:
            raise Unavailable(f"the request failed ({type(error).__name__})", attempt) from None
        with response:
            status = response.status_code
            if status in RETRY_STATUSES and attempt <= settings.retries:
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is None:
                    wait = settings.backoff_seconds * 2 ** (attempt - 1)
                if time.monotonic() + wait < deadline:
                    time.sleep(wait)
                    attempt += 1
                    continue
            if not 200 <= status < 300:
                return Reply(status, None, attempt)
            try:
                document = _parse(_read_body(response, deadline, settings.max_response_bytes))
            except Unavailable as error:
                raise Unavailable(str(error), attempt) from None
        return Reply(status, document, attempt)
