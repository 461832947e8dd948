"""A FHIR server, searched patient by patient through the service's own fetch layer.

The fetcher is the one ``serve`` uses (:class:`cds_hooks.fhir.client.FhirFetcher`): the same
allowlist (a server outside ``fhir.allowed_servers`` is never contacted), timeouts, retries, page
and size limits. The Patients are listed page by page; each patient's record is then fetched with
one search per resource type the services read, all at once, within ``deadline_seconds``. A search
cut short (by a limit or a failure) marks the record incomplete, and the report counts it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from urllib.parse import quote

from cds_hooks.fhir.client import FhirFetcher
from service.replay.record import PatientRecord, Resource

PAGE_SIZE = 500


def list_patients(
    fetcher: FhirFetcher, server: str, token: str | None, *, page_seconds: float
) -> Iterator[Resource]:
    """Every Patient on the server, a page at a time (raises ``Unavailable`` if a page fails)."""
    for page in fetcher.search(server, token, f"Patient?_count={PAGE_SIZE}", page_seconds=page_seconds):
        yield from (resource for resource in page if resource.get("resourceType") == "Patient")


def fetch_record(
    fetcher: FhirFetcher,
    server: str,
    token: str | None,
    patient: Resource,
    searches: Mapping[str, str],
    *,
    deadline_seconds: float,
) -> PatientRecord:
    """``searches`` maps each resource type to the search parameters that narrow it ("" for all)."""
    record = PatientRecord(patient)
    identifier = quote(record.patient_id, safe="")
    queries = {
        kind: f"{kind}?patient={identifier}{'&' + narrowing if narrowing else ''}&_count={PAGE_SIZE}"
        for kind, narrowing in searches.items()
    }
    results = fetcher.fetch(server, token, queries, time.monotonic() + deadline_seconds)
    for kind, result in results.items():
        if result.problem is not None:
            record.incomplete = True
        for resource in result.resources:
            if resource.get("resourceType") == kind:
                record.add(resource)
    return record
