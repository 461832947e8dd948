"""The shape of FHIR JSON that arrives from outside, checked once where it enters.

Prefetch values, the draft orders of an order hook and the pages a FHIR server returns are
JSON someone else wrote: a Bundle's ``entry`` can be a number, a ``link`` a string. This
module reads the few members the protocol layer relies on (a Bundle's entries, their
resources and its links; an OperationOutcome's issue codes) into typed values, and raises
:class:`Malformed` naming the JSON path of the first member of the wrong shape. Nothing past
it indexes raw JSON of a type it did not check. What a resource itself holds is judged by
the code that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

Resource = dict[str, Any]  # an object with a non-empty string resourceType

# FHIR R4 IssueType (http://hl7.org/fhir/issue-type): the only words an OperationOutcome's
# issue code may be, and so the only ones that may be logged.
ISSUE_TYPES = frozenset(
    {
        "invalid", "structure", "required", "value", "invariant", "security", "login", "unknown",
        "expired", "forbidden", "suppressed", "processing", "not-supported", "duplicate",
        "multiple-matches", "not-found", "deleted", "too-long", "code-invalid", "extension",
        "too-costly", "business-rule", "conflict", "transient", "lock-error", "no-store",
        "exception", "timeout", "incomplete", "throttled", "informational",
    }
)  # fmt: skip
OTHER_ISSUE = "other"  # any code outside IssueType, whatever it says
MAX_ISSUE_CODES = 5


class Malformed(ValueError):
    """A member of the wrong shape; ``path`` names it the way a client writes it."""

    def __init__(self, path: str, expected: str) -> None:
        super().__init__(f"{path} {expected}")
        self.path = path


@dataclass(frozen=True)
class Link:
    relation: str
    url: str


@dataclass(frozen=True)
class Bundle:
    """A Bundle whose ``entry`` and ``link`` have the shape FHIR gives them.

    ``entries`` are its entry objects (an entry may carry no resource: a deleted one in a
    history, say) and ``resources`` the resources they hold.
    """

    entries: tuple[Mapping[str, Any], ...]
    resources: tuple[Resource, ...]
    links: tuple[Link, ...]

    def next_url(self) -> str | None:
        return next((link.url for link in self.links if link.relation == "next"), None)


def is_resource(value: Any) -> TypeGuard[Resource]:
    return (
        isinstance(value, dict) and isinstance(value.get("resourceType"), str) and bool(value["resourceType"])
    )


def read_bundle(value: Mapping[str, Any], path: str) -> Bundle:
    """The Bundle ``value`` (already known to be a resource), or :class:`Malformed`."""
    entries = _list(value, "entry", path)
    resources: list[Resource] = []
    # The path of an entry is written only when it is wrong: a searchset can hold thousands.
    # is_resource, written out: a call per entry was a third of reading a searchset.
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise Malformed(f"{path}.entry[{index}]", "must be an object")
        resource = entry.get("resource")
        if resource is None and "resource" not in entry:
            continue
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(resource, dict) or not isinstance(kind, str) or not kind:
            raise Malformed(
                f"{path}.entry[{index}].resource", "must be a FHIR resource (an object with a resourceType)"
            )
        resources.append(resource)
    links: list[Link] = []
    for index, link in enumerate(_list(value, "link", path)):
        where = f"{path}.link[{index}]"
        if not isinstance(link, dict):
            raise Malformed(where, "must be an object")
        relation, url = link.get("relation"), link.get("url")
        if not isinstance(relation, str):
            raise Malformed(f"{where}.relation", "must be a string")
        if not isinstance(url, str):
            raise Malformed(f"{where}.url", "must be a string")
        links.append(Link(relation, url))
    return Bundle(tuple(entries), tuple(resources), tuple(links))


def issue_codes(outcome: Mapping[str, Any]) -> tuple[str, ...]:
    """An OperationOutcome's first issue codes, each an IssueType word or "other": fit for a log."""
    issues = outcome.get("issue")
    codes: list[str] = []
    for issue in issues[:MAX_ISSUE_CODES] if isinstance(issues, list) else []:
        code = issue.get("code") if isinstance(issue, dict) else None
        codes.append(code if isinstance(code, str) and code in ISSUE_TYPES else OTHER_ISSUE)
    return tuple(codes)


def _list(value: Mapping[str, Any], member: str, path: str) -> list[Any]:
    items = value.get(member)
    if items is None:
        return []
    if not isinstance(items, list):
        raise Malformed(f"{path}.{member}", "must be a list")
    return items
