"""The draft ServiceRequests an order hook judges, matched to the order catalogue by code.

A draft is read as leniently as an iron draft (service/chart/drafts.py): only its status,
patient and code are read, each checked for its type, an object where R4 has a list taken
as that list of one (the CDS Hooks sandbox's drafts). A draft is a test of the workup when
one of its codings carries the system and code of an order of the catalogue: a display or a
text alone never matches, since the same words name different tests at different labs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_hooks.orders import drafts_to_judge
from service.cards.orders import CATALOGUE, Order
from service.chart.drafts import still_drafted
from service.patient.medication_fields import Concept, Members, Reference, read_members

# The first order of the catalogue with a code names it (the follow-up blood lead shares the
# code of the blood lead: one test).
BY_CODE: Mapping[tuple[str, str], Order] = {
    (order.system, order.code): order for order in reversed(CATALOGUE) if order.code is not None
}


@dataclass(frozen=True)
class DraftTest:
    reference: str  # "ServiceRequest/<id>", as the delete action names it
    order: Order

    @property
    def name(self) -> str:
        return self.order.text


class ServiceRequestFields(Members):
    resourceType: str
    status: str | None = None
    subject: Reference | None = None
    code: Concept | None = None


def drafted_tests(hook: str, context: Mapping[str, Any], patient_id: str) -> tuple[DraftTest, ...]:
    """The judged draft ServiceRequests that order a test of the catalogue, each once."""
    found: dict[str, DraftTest] = {}
    for draft in drafts_to_judge(hook, context):
        if draft.resource["resourceType"] != "ServiceRequest":
            continue
        fields = read_members(ServiceRequestFields, draft.resource, draft.path)
        if fields.code is None or not still_drafted(fields.status, fields.subject, patient_id):
            continue
        order = _catalogued(fields.code)
        if order is not None:
            found.setdefault(draft.reference, DraftTest(draft.reference, order))
    return tuple(found.values())


def _catalogued(concept: Concept) -> Order | None:
    """The catalogue order one of the concept's codings names by system and code."""
    for coding in concept.coding or []:
        if coding.system is not None and coding.code is not None:
            order = BY_CODE.get((coding.system, coding.code))
            if order is not None:
                return order
    return None
