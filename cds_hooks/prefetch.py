"""Prefetch: rendering templates and telling each key's state apart.

A prefetch key arrives in one of four states, and each means something different
(docs/protocol.md#prefetch-states): present (data), null (the client looked and found
nothing), an OperationOutcome (the client tried and failed: treat as absent), or absent (the
client did not try: the service must fetch it or answer 412). Getting this wrong is the
commonest defect in published services, so the distinction lives in one place.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"\{\{\s*(.*?)\s*\}\}")

# The user tokens of the spec: derived from context.userId by its resource type.
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


class Unrenderable(ValueError):
    """A template names a token the request cannot fill."""


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill ``{{context.x}}`` and the four user tokens from the request's context.

    Each value is percent-encoded for where it stands, so that it stays one value: in the path
    it cannot add a segment, in the query it cannot add a parameter (``&``, ``=``), widen a
    search to several values (``,``) or name a code system (``|``).
    """
    query_at = template.find("?")

    def substitute(match: re.Match[str]) -> str:
        in_query = 0 <= query_at < match.start()
        return quote(_value(match.group(1), context), safe=_QUERY_SAFE if in_query else "")

    return _TOKEN.sub(substitute, template)


# Characters a FHIR search value may hold as they are: "/" and ":" carry no meaning there and
# keep references such as ``practitioner=Practitioner/1`` readable.
_QUERY_SAFE = "/:"


def _value(token: str, context: Mapping[str, Any]) -> str:
    if token.startswith("context."):
        value = context.get(token.removeprefix("context."))
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value):
            return str(value)
        raise Unrenderable(f"context.{token.removeprefix('context.')} is not a primitive value")
    if token in _USER_TOKENS:
        user = context.get("userId")
        if isinstance(user, str) and user.startswith(_USER_TOKENS[token] + "/"):
            return user.split("/", 1)[1]
        raise Unrenderable(f"{token} does not apply to userId")
    raise Unrenderable(f"unknown prefetch token {token}")


class PrefetchState(enum.Enum):
    PRESENT = "present"
    NULL = "null"
    OUTCOME = "operation-outcome"
    ABSENT = "absent"


@dataclass(frozen=True)
class PrefetchTemplate:
    """One prefetch key as a service declares it.

    ``required`` keys are those without which the service cannot answer: when one cannot be
    had, the answer is 412. Optional keys that cannot be had let the service answer from
    what it has and say what was missing.
    """

    query: str
    required: bool = False


@dataclass
class PrefetchItem:
    """The data behind one key once the request has been read (and, later, fetched)."""

    key: str
    state: PrefetchState
    value: Any = None
    problem: str | None = None
    incomplete: bool = False  # a searchset whose further pages were not read

    @property
    def usable(self) -> bool:
        return self.state in (PrefetchState.PRESENT, PrefetchState.NULL)

    def resources(self) -> Iterator[dict[str, Any]]:
        """The resources under this key: a Bundle's entries, or the one resource."""
        if self.state is not PrefetchState.PRESENT or not isinstance(self.value, dict):
            return
        if self.value.get("resourceType") == "Bundle":
            for entry in self.value.get("entry") or []:
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if isinstance(resource, dict):
                    yield resource
        else:
            yield self.value


@dataclass
class PrefetchData:
    """Every declared key with its state, plus what could not be had."""

    items: dict[str, PrefetchItem] = field(default_factory=dict)

    def __getitem__(self, key: str) -> PrefetchItem:
        return self.items[key]

    def resources(self, key: str) -> list[dict[str, Any]]:
        item = self.items.get(key)
        return list(item.resources()) if item else []

    def missing(self) -> list[PrefetchItem]:
        return [item for item in self.items.values() if not item.usable or item.incomplete]


def next_link(bundle: Mapping[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def classify(key: str, raw: Mapping[str, Any] | None) -> PrefetchItem:
    """Read one key of the request's prefetch (``raw`` is the whole prefetch object)."""
    if raw is None or key not in raw:
        return PrefetchItem(key, PrefetchState.ABSENT, problem="not sent by the client")
    value = raw[key]
    if value is None:
        return PrefetchItem(key, PrefetchState.NULL)
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        return PrefetchItem(key, PrefetchState.ABSENT, problem="not a FHIR resource")
    if value["resourceType"] == "OperationOutcome":
        # Log the issue codes only: diagnostics text may carry identifiers.
        codes = [i.get("code") for i in value.get("issue") or [] if isinstance(i, dict)]
        log.info("prefetch key %s holds an OperationOutcome (issue codes %s)", key, codes)
        return PrefetchItem(key, PrefetchState.OUTCOME, problem="the client reported a prefetch error")
    item = PrefetchItem(key, PrefetchState.PRESENT, value)
    if value["resourceType"] == "Bundle" and next_link(value):
        item.incomplete = True
        item.problem = "further pages of the search were not retrieved"
    return item


def read_prefetch(templates: Mapping[str, PrefetchTemplate], raw: Mapping[str, Any] | None) -> PrefetchData:
    return PrefetchData({key: classify(key, raw) for key in templates})
