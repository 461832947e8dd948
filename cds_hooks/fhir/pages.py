"""Following a searchset's ``next`` links into one Bundle, within bounds.

A server pages its answer however it likes (often 10 or 20 entries a page), and a client may
prefetch only the first page. The pages are merged into one searchset Bundle so that a
handler sees a search's results in one place, however they arrived. A ``next`` link is
followed only when it addresses the same FHIR server: it is data the server (or, for a
prefetched Bundle, the client) wrote, and the access token goes wherever it leads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from cds_hooks.fhir.allowlist import within
from cds_hooks.fhir.transport import Unavailable
from cds_hooks.shapes import Malformed, Resource, is_resource, read_bundle


@dataclass(frozen=True)
class Pages:
    """The merged searchset (None when even the first page was unusable) and the resources it holds."""

    bundle: dict[str, Any] | None
    resources: tuple[Resource, ...]
    problem: str | None  # why further pages are missing; None when the search is complete


def collect(
    first: Mapping[str, Any],
    *,
    base: str,
    get_page: Callable[[str], Any],
    max_pages: int,
    max_entries: int,
) -> Pages:
    """Read ``first`` and the pages after it into one Bundle.

    ``get_page`` fetches an absolute URL and raises :class:`Unavailable` when it cannot.
    Every page's shape is checked (:func:`cds_hooks.shapes.read_bundle`): a page of the
    wrong shape ends the search there, as a missing one does.
    """
    try:
        bundle = read_bundle(first, "the search's Bundle")
    except Malformed as error:
        return Pages(None, (), f"the answer is not a usable Bundle: {error}")
    entries = list(bundle.entries)
    pages = 1
    problem: str | None = None
    link = bundle.next_url()
    while link is not None:
        if pages >= max_pages:
            problem = f"the search has more than {max_pages} pages; the rest were not read"
            break
        if len(entries) >= max_entries:
            break
        url = urljoin(base.rstrip("/") + "/", link)
        if not within(url, base):
            problem = "a next link of the search points outside fhirServer and was not followed"
            break
        try:
            page = get_page(url)
        except Unavailable as error:
            problem = f"page {pages + 1} of the search is missing: {error}"
            break
        if not is_resource(page) or page["resourceType"] != "Bundle":
            problem = f"page {pages + 1} of the search is not a Bundle"
            break
        try:
            more = read_bundle(page, f"page {pages + 1}")
        except Malformed as error:
            problem = f"page {pages + 1} of the search is not a usable Bundle: {error}"
            break
        entries.extend(more.entries)
        pages += 1
        link = more.next_url()
    if problem is None and (len(entries) > max_entries or link is not None):
        problem = f"the search has more than {max_entries} entries; the rest were not read"
    merged = {key: value for key, value in first.items() if key not in ("entry", "link")}
    self_links = [{"relation": "self", "url": item.url} for item in bundle.links if item.relation == "self"]
    if self_links:
        merged["link"] = self_links
    kept = entries[:max_entries]
    if kept:
        merged["entry"] = kept
    resources = tuple(entry["resource"] for entry in kept if "resource" in entry)
    return Pages(merged, resources, problem)
