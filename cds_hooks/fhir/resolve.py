"""Filling the prefetch keys a client left out, from the FHIR server the request names.

The spec lets a client prefetch all, some or none of a service's templates; whatever it
did not (an absent key, or an OperationOutcome in its place) the service fetches from
``fhirServer`` with the client's token. A searchset that arrived with a ``next`` link is
read to its end the same way. Each item leaves here in the state its data supports, with a
problem that says why when it is still unusable: the caller answers 412 for a required key
and lets the handler work around an optional one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from cds_hooks import metrics
from cds_hooks.errors import CDSHooksError
from cds_hooks.fhir.client import FetchResult, FhirFetcher
from cds_hooks.handling import PrefetchFiller
from cds_hooks.models import CDSRequest
from cds_hooks.prefetch import (
    PrefetchData,
    PrefetchItem,
    PrefetchState,
    PrefetchTemplate,
    Unrenderable,
    render,
)
from cds_hooks.service import CDSService

log = logging.getLogger(__name__)

_UNFETCHED = (PrefetchState.ABSENT, PrefetchState.OUTCOME)
NOT_ALLOWED = "fhirServer is not allowed by this service's configuration, so it was not contacted"


def _fetched(item: PrefetchItem, result: FetchResult) -> PrefetchItem:
    """The item once its query ran."""
    if result.resource is not None:
        return dataclasses.replace(
            item,
            state=PrefetchState.PRESENT,
            value=result.resource,
            problem=result.problem,
            incomplete=result.incomplete,
            held=result.resources,
        )
    if result.problem is None:
        return dataclasses.replace(item, state=PrefetchState.NULL, value=None, problem=None, incomplete=False)
    return dataclasses.replace(
        item, problem=f"{item.problem}; fetching it from fhirServer failed: {result.problem}"
    )


def _continued(item: PrefetchItem, result: FetchResult) -> PrefetchItem:
    """The prefetched searchset once its later pages were read, as far as they could be."""
    if result.resource is None:
        return dataclasses.replace(item, problem=f"{item.problem}: {result.problem}")
    return dataclasses.replace(
        item,
        value=result.resource,
        problem=result.problem,
        incomplete=result.incomplete,
        held=result.resources,
    )


def fill_missing(
    prefetch: PrefetchData,
    templates: Mapping[str, PrefetchTemplate],
    request: CDSRequest,
    fetcher: FhirFetcher | None,
    *,
    deadline: float,
) -> PrefetchData:
    """Fetch the keys the client did not prefetch and the pages it did not send.

    ``deadline`` is a ``time.monotonic()`` instant (:meth:`FhirFetcher.deadline`). A
    ``fhirServer`` this service may not contact is never contacted: when a REQUIRED key would
    have to come from it, the call is refused with 403; optional keys stay unusable, with a
    problem that says why, and the service answers from what it has.
    """
    if fetcher is None or request.fhirServer is None:
        return prefetch
    items = dict(prefetch.items)
    queries: dict[str, str] = {}
    for key, template in templates.items():
        item = items.get(key)
        if item is None or item.state not in _UNFETCHED:
            continue
        try:
            queries[key] = render(template.query, request.context)
        except Unrenderable as error:
            items[key] = dataclasses.replace(
                item, problem=f"{item.problem}; its query cannot be built: {error}"
            )
    continuing: dict[str, dict[str, Any]] = {
        key: item.value
        for key, item in items.items()
        if key in templates and item.state is PrefetchState.PRESENT and item.incomplete and item.value
    }
    if not queries and not continuing:
        return PrefetchData(items)
    if not fetcher.allows(request.fhirServer):
        wanted = sorted([*queries, *continuing])
        metrics.FHIR_FETCHES.labels(outcome="not-allowed").inc(len(wanted))
        required = [key for key in wanted if templates[key].required]
        if required:
            raise CDSHooksError(
                403,
                "fhirServer is not allowed by this service's configuration, and the request's prefetch"
                f" lacks {', '.join(required)}",
                field="fhirServer",
            )
        log.warning("fhirServer not allowed; optional prefetch keys left unfetched: %s", ", ".join(wanted))
        for key in wanted:
            items[key] = dataclasses.replace(items[key], problem=f"{items[key].problem}; {NOT_ALLOWED}")
        return PrefetchData(items)
    auth = request.fhirAuthorization
    token = auth.access_token.get_secret_value() if auth is not None else None
    results = fetcher.fetch(request.fhirServer, token, queries, deadline, continuing=continuing)
    for key, result in results.items():
        metrics.FHIR_FETCHES.labels(outcome="failed" if result.problem else "ok").inc()
        items[key] = _continued(items[key], result) if key in continuing else _fetched(items[key], result)
    return PrefetchData(items)


def prefetch_filler(fetcher: FhirFetcher) -> PrefetchFiller:
    """``fill_missing`` in the shape :func:`cds_hooks.handling.prepare` calls, one deadline per call."""

    def fill(service: CDSService, request: CDSRequest, prefetch: PrefetchData) -> PrefetchData:
        return fill_missing(prefetch, service.prefetch, request, fetcher, deadline=fetcher.deadline())

    return fill
