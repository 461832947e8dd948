"""A patient's record as it stood at a moment: nothing recorded after it, nothing known only later.

Each resource is placed at the instant it became known (:func:`known_at`); a cut at ``t`` keeps
those known at or before ``t``. A resource whose state changed after ``t`` is shown in its state at
``t``: a condition that abated later was still active, a patient who died later was alive. A
resource that carries no date cannot be placed and is left out (and counted), so that it can never
bring the future into a chart open.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.replay.dates import latest_instant
from service.replay.queries import LocalQuery
from service.replay.record import PatientRecord, Resource

# The members that date each resource type, in order of preference; the first present wins.
_EVENT_DATES: dict[str, tuple[str, ...]] = {
    "Observation": ("effectiveDateTime", "effectiveInstant", "effectivePeriod.start", "issued"),
    "Condition": ("recordedDate", "onsetDateTime", "onsetPeriod.start"),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("dateAsserted", "effectiveDateTime", "effectivePeriod.start"),
    "ServiceRequest": ("authoredOn", "occurrenceDateTime", "occurrencePeriod.start"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
}
_DEFAULT_DATES = ("effectiveDateTime", "recordedDate", "authoredOn", "onsetDateTime", "date", "issued")
_ACTIVE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
}


def _member(resource: Mapping[str, Any], path: str) -> object:
    value: object = resource
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def event_date(resource: Mapping[str, Any]) -> datetime | None:
    for path in _EVENT_DATES.get(str(resource.get("resourceType")), _DEFAULT_DATES):
        moment = latest_instant(_member(resource, path))
        if moment is not None:
            return moment
    return None


def known_at(resource: Mapping[str, Any]) -> datetime | None:
    """When a resource became known: its date, or for a result the later of its time and its release."""
    moment = event_date(resource)
    if resource.get("resourceType") == "Observation":
        issued = latest_instant(resource.get("issued"))
        if moment is None or (issued is not None and issued > moment):
            moment = issued
    return moment


def as_of(resource: Resource, moment: datetime) -> Resource:
    """The resource in the state it had at ``moment`` (itself when nothing changed after it)."""
    kind = resource.get("resourceType")
    if kind == "Condition":
        abated = latest_instant(resource.get("abatementDateTime")) or latest_instant(
            _member(resource, "abatementPeriod.start")
        )
        if abated is not None and abated > moment:
            copy = {k: v for k, v in resource.items() if not k.startswith("abatement")}
            copy["clinicalStatus"] = _ACTIVE
            return copy
    elif kind == "Patient":
        died = latest_instant(resource.get("deceasedDateTime"))
        if died is not None and died > moment:
            return {k: v for k, v in resource.items() if not k.startswith("deceased")}
    elif kind == "MedicationStatement":
        ended = latest_instant(_member(resource, "effectivePeriod.end"))
        if ended is not None and ended > moment:
            period = {k: v for k, v in resource["effectivePeriod"].items() if k != "end"}
            return {**resource, "effectivePeriod": period, "status": "active"}
    return resource


@dataclass(frozen=True)
class _Dated:
    known: datetime
    date: datetime
    resource: Resource


class Timeline:
    """A record ordered by when each resource became known, ready to be cut again and again."""

    def __init__(self, record: PatientRecord, queries: Iterable[LocalQuery]) -> None:
        self.record = record
        self.undated = 0
        by_type: dict[str, list[_Dated]] = {}
        for kind, resources in record.resources.items():
            dated = []
            for resource in resources:
                known = known_at(resource)
                if known is None:
                    self.undated += 1
                    continue
                dated.append(_Dated(known, event_date(resource) or known, resource))
            dated.sort(key=lambda item: item.known)
            by_type[kind] = dated
        self._by_type = by_type
        self._answers: dict[str, tuple[list[datetime], list[_Dated]]] = {}
        for query in queries:
            if query.read:
                continue
            found = [item for item in by_type.get(query.resource_type, ()) if query.matches(item.resource)]
            self._answers[query.key] = ([item.known for item in found], found)

    def known(self, resource_type: str) -> list[tuple[datetime, Resource]]:
        return [(item.known, item.resource) for item in self._by_type.get(resource_type, ())]

    def answer(self, query: LocalQuery, moment: datetime, leave_out: str | None = None) -> Resource:
        """What the key's query finds at ``moment``: the Patient, or a searchset Bundle.

        ``leave_out`` is a "Type/id" not yet in the record (the order being selected).
        """
        if query.read:
            return as_of(self.record.patient, moment)
        instants, found = self._answers[query.key]
        kept = found[: bisect.bisect_right(instants, moment)]
        if leave_out is not None:
            kept = [item for item in kept if f"{query.resource_type}/{item.resource.get('id')}" != leave_out]
        if query.newest_first is not None:
            kept = sorted(kept, key=lambda item: item.date, reverse=query.newest_first)
        if query.count is not None:
            kept = kept[: query.count]
        entries = [{"resource": as_of(item.resource, moment)} for item in kept]
        return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
