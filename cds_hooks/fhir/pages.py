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
from cds_hooks.prefetch import next_link


@dataclass(frozen=True)
class Pages:
    bundle: dict[str, Any]
    problem: str | None  # why further pages are missing; None when the search is complete


def _entries(bundle: Mapping[str, Any]) -> list[Any]:
    entries = bundle.get("entry")
    return list(entries) if isinstance(entries, list) else []


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
    """
    entries = _entries(first)
    pages = 1
    problem: str | None = None
    link = next_link(first)
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
        if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
            problem = f"page {pages + 1} of the search is not a Bundle"
            break
        entries.extend(_entries(page))
        pages += 1
        link = next_link(page)
    if problem is None and (len(entries) > max_entries or link is not None):
        problem = f"the search has more than {max_entries} entries; the rest were not read"
    merged = {key: value for key, value in first.items() if key not in ("entry", "link")}
    self_links = [
        item for item in first.get("link") or [] if isinstance(item, dict) and item.get("relation") == "self"
    ]
    if self_links:
        merged["link"] = self_links
    if entries:
        merged["entry"] = entries[:max_entries]
    return Pages(merged, problem)
