"""Fetching prefetch queries from an EHR's FHIR server, concurrently, inside one deadline.

One :class:`FhirFetcher` serves every hook call of a process: its ``requests.Session`` keeps
connections to the EHR open between calls (a TLS handshake can cost more than the query),
and its small thread pool runs the keys of one call side by side, so a call takes about as
long as its slowest key rather than the sum of them.

The session is built to send nothing the caller did not ask for: no cookies (they would
carry one patient's session into another's call), no credentials or proxies from the
environment (``trust_env`` off: a ``.netrc`` entry would replace the EHR's token), no
redirects (the token would follow them).

Logs name keys, problems (with HTTP statuses), request counts and durations; never URLs
(they hold patient ids), tokens or answers.
"""

from __future__ import annotations

import http.cookiejar
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from cds_hooks.fhir.allowlist import is_allowed, within
from cds_hooks.fhir.pages import collect
from cds_hooks.fhir.settings import FhirSettings
from cds_hooks.fhir.transport import RETRY_STATUSES, Unavailable, get_json
from cds_hooks.shapes import Malformed, Resource, is_resource, read_bundle

log = logging.getLogger(__name__)
# urllib3 logs each request line at DEBUG, and the URLs of a fetch hold patient ids.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)

# A worker stops this long (at most a quarter of the time left) before the caller's
# deadline, so that what it has (the first pages of a search) reaches the caller instead of
# being abandoned with it.
_SETTLE_SECONDS = 0.05

_READ = re.compile(r"^([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}$")
_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_SEARCH = re.compile(r"^(?:[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}/)?[A-Z][A-Za-z]+$")


class ServerNotAllowed(Exception):
    """The FHIR server is not on the allow list; nothing was sent to it."""


@dataclass(frozen=True)
class FetchResult:
    """What one key yielded.

    ``resource`` is the resource or the merged searchset Bundle. ``resource is None`` with
    no ``problem`` means the server holds nothing there (a read answered 404 or 410). A
    ``problem`` says why the data is missing or, with ``incomplete``, why a search lacks
    its later pages.
    """

    resource: dict[str, Any] | None = None
    problem: str | None = None
    incomplete: bool = False
    resources: tuple[Resource, ...] = ()  # what ``resource`` holds, its shape checked


def _new_session(settings: FhirSettings) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=settings.pool_size, pool_maxsize=settings.pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _status_problem(status: int, *, authorised: bool) -> str:
    if status == 401:
        if not authorised:
            return "the FHIR server requires authorization (HTTP 401) and the request granted none"
        return "the FHIR server refused the access token (HTTP 401)"
    if status == 403:
        return "the FHIR server refused access (HTTP 403)"
    if 300 <= status < 400:
        return f"the FHIR server answered with a redirect (HTTP {status}), which is not followed"
    if status in RETRY_STATUSES:
        return f"the FHIR server is busy or failing (HTTP {status}) and no retry succeeded in time"
    return f"the FHIR server answered HTTP {status}"


class FhirFetcher:
    """Fetches from allowed FHIR servers; safe to share between threads and hook calls."""

    def __init__(self, settings: FhirSettings, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._owns_session = session is None
        self._session = session if session is not None else _new_session(settings)
        self._pool = ThreadPoolExecutor(max_workers=settings.pool_size, thread_name_prefix="fhir-fetch")

    def deadline(self) -> float:
        """The deadline of a hook call that starts now, as a ``time.monotonic()`` instant."""
        return time.monotonic() + self.settings.deadline_seconds

    def allows(self, server: str) -> bool:
        return is_allowed(server, self.settings)

    def fetch(
        self,
        server: str,
        token: str | None,
        queries: Mapping[str, str],
        deadline: float,
        *,
        continuing: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, FetchResult]:
        """Run each key's query against ``server``, all at once; return by the deadline.

        ``queries`` are relative to the server (``Patient/123``, ``Observation?patient=123``).
        ``continuing`` holds searchset Bundles already in hand (a client's prefetch) whose
        ``next`` links are to be followed. ``deadline`` is a ``time.monotonic()`` instant.
        Raises :class:`ServerNotAllowed` before any connection when ``server`` is not allowed.
        """
        if not self.allows(server):
            raise ServerNotAllowed("the FHIR server is not allowed by this service's configuration")
        headers = {"Accept": "application/fhir+json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        worker_deadline = deadline - min(_SETTLE_SECONDS, max(0.0, deadline - started) / 4)
        jobs: dict[str, tuple[_Job, Future[FetchResult]]] = {}
        for key, query in queries.items():
            job = self._job(server, headers, worker_deadline)
            jobs[key] = job, self._pool.submit(job.run, partial(job.query, query))
        for key, bundle in (continuing or {}).items():
            job = self._job(server, headers, worker_deadline)
            jobs[key] = job, self._pool.submit(job.run, partial(job.pages, bundle))
        wait([future for _, future in jobs.values()], timeout=max(0.0, deadline - time.monotonic()))
        results: dict[str, FetchResult] = {}
        for key, (job, future) in jobs.items():
            if future.done():
                results[key] = future.result()
            else:
                future.cancel()
                job.elapsed = time.monotonic() - started
                results[key] = FetchResult(problem="the FHIR server did not answer within the deadline")
            # Logged here rather than on the pool's thread, so that the log line carries the
            # hook call's request id.
            job.log(key, results[key])
        return results

    def complete(
        self, server: str, token: str | None, bundle: Mapping[str, Any], deadline: float
    ) -> FetchResult:
        """Follow the ``next`` links of one searchset Bundle already in hand."""
        return self.fetch(server, token, {}, deadline, continuing={"bundle": bundle})["bundle"]

    def search(
        self, server: str, token: str | None, query: str, *, page_seconds: float
    ) -> Iterator[tuple[Resource, ...]]:
        """The resources of each page of one search, its ``next`` links followed to the end.

        For reading a whole population, which no one deadline fits: each page has
        ``page_seconds``, with the fetch settings' timeouts, retries and size limit, and a
        ``next`` link is followed only within ``server``. Raises :class:`ServerNotAllowed`
        before any connection, and :class:`Unavailable` when a page cannot be had.
        """
        if not self.allows(server):
            raise ServerNotAllowed("the FHIR server is not allowed by this service's configuration")
        headers = {"Accept": "application/fhir+json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url: str | None = f"{server.rstrip('/')}/{query.lstrip('/')}"
        while url is not None:
            if not within(url, server):
                raise Unavailable("a link of the search points outside the FHIR server")
            page = self._job(server, headers, time.monotonic() + page_seconds)._get_page(url)
            if not is_resource(page) or page["resourceType"] != "Bundle":
                raise Unavailable("a page of the search is not a Bundle")
            try:
                bundle = read_bundle(page, "the search's page")
            except Malformed as error:
                raise Unavailable(f"a page of the search is not a usable Bundle: {error}") from None
            yield bundle.resources
            link = bundle.next_url()
            url = urljoin(server.rstrip("/") + "/", link) if link is not None else None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> FhirFetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _job(self, server: str, headers: dict[str, str], deadline: float) -> _Job:
        return _Job(self._session, self.settings, server, headers, deadline)


class _Job:
    """The work behind one key, run on a pool thread (through :meth:`run`, which never raises)."""

    def __init__(
        self,
        session: requests.Session,
        settings: FhirSettings,
        server: str,
        headers: dict[str, str],
        deadline: float,
    ) -> None:
        self.session = session
        self.settings = settings
        self.server = server
        self.headers = headers
        self.deadline = deadline
        self.authorised = "Authorization" in headers
        self.requests = 0
        self.elapsed = 0.0  # seconds
        self.defect: str | None = None

    def run(self, work: Callable[[], FetchResult]) -> FetchResult:
        started = time.monotonic()
        try:
            return work()
        except Exception as error:
            # A defect here must cost one key, not the hook call. Only the exception's type is
            # kept: its message may quote the URL, and so a patient id.
            self.defect = type(error).__name__
            return FetchResult(problem="fetching failed unexpectedly")
        finally:
            self.elapsed = time.monotonic() - started

    def log(self, key: str, result: FetchResult) -> None:
        milliseconds = self.elapsed * 1000
        if self.defect is not None:
            log.error("FHIR fetch of key %s failed unexpectedly (%s)", key, self.defect)
        elif result.problem is None:
            log.info("FHIR fetch of key %s: %d request(s) in %.0f ms", key, self.requests, milliseconds)
        else:
            log.warning(
                "FHIR fetch of key %s: %s (%d request(s) in %.0f ms)",
                key,
                result.problem,
                self.requests,
                milliseconds,
            )

    def _get(self, url: str) -> tuple[int, Any]:
        try:
            reply = get_json(
                self.session, url, headers=self.headers, settings=self.settings, deadline=self.deadline
            )
        except Unavailable as error:
            self.requests += error.attempts
            raise
        self.requests += reply.attempts
        return reply.status, reply.document

    def _get_page(self, url: str) -> Any:
        status, document = self._get(url)
        if status != 200:
            raise Unavailable(_status_problem(status, authorised=self.authorised))
        return document

    def query(self, query: str) -> FetchResult:
        parts = urlsplit(query)
        if parts.scheme or parts.netloc:
            return FetchResult(problem="the prefetch query is not relative to fhirServer")
        url = f"{self.server.rstrip('/')}/{query.lstrip('/')}"
        if not within(url, self.server):
            return FetchResult(problem="the prefetch query leads outside fhirServer")
        path = parts.path.lstrip("/")
        read = _READ.match(path)
        try:
            status, document = self._get(url)
        except Unavailable as error:
            return FetchResult(problem=str(error))
        if read and status in (404, 410):
            return FetchResult()
        if status != 200:
            return FetchResult(problem=_status_problem(status, authorised=self.authorised))
        if not is_resource(document):
            return FetchResult(problem="the answer is not a FHIR resource")
        kind = document["resourceType"]
        if kind == "OperationOutcome":
            return FetchResult(problem="the FHIR server answered with an OperationOutcome")
        # The type is named in the problem (logged, shown on a card) only when it is a type's
        # name: the server wrote it, and it could be anything.
        named = kind if _TYPE.match(kind) else "resource of no known type"
        if read and kind != read.group(1):
            return FetchResult(problem=f"the FHIR server answered a {named} to a read of a {read.group(1)}")
        if _SEARCH.match(path) and kind != "Bundle":
            return FetchResult(problem=f"the FHIR server answered a {named} to a search")
        if kind == "Bundle":
            return self.pages(document)
        return FetchResult(document, resources=(document,))

    def pages(self, bundle: Mapping[str, Any]) -> FetchResult:
        pages = collect(
            bundle,
            base=self.server,
            get_page=self._get_page,
            max_pages=self.settings.max_pages,
            max_entries=self.settings.max_entries,
        )
        incomplete = pages.bundle is not None and pages.problem is not None
        return FetchResult(pages.bundle, pages.problem, incomplete, pages.resources)
