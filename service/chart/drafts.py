"""The iron a clinician has just selected, read from the order-select context.

order-select fires as an order is picked, before its details are filled in (the hook says
services "should expect some of the order information to not yet be specified"), so a draft
is never validated as a complete MedicationRequest: only the members read (its status,
patient, medication and route) are, each for its type, and a 400 names one of the wrong
type. The context itself is read by :mod:`cds_hooks.orders`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_hooks.orders import draft_orders, selections
from service.patient.medication_fields import read_fields
from service.patient.medications import iron_product, medication_of, route_texts
from service.patient.model import Route
from service.references import patient_id_of

# A draft in one of these states is no longer about to be signed.
WITHDRAWN = frozenset({"entered-in-error", "cancelled", "revoked", "stopped", "completed"})


@dataclass(frozen=True)
class DraftIron:
    reference: str  # "MedicationRequest/<id>", as the delete action names it
    name: str
    route: Route


def selected_iron(context: Mapping[str, Any], patient_id: str) -> tuple[DraftIron, ...]:
    """The selected draft MedicationRequests that are iron, in the order they were selected."""
    drafts = draft_orders(context)
    found: list[DraftIron] = []
    for reference in selections(context):
        draft = drafts.get(reference)
        if draft is None or draft.resource["resourceType"] != "MedicationRequest":
            continue
        fields = read_fields(draft.resource, draft.path)
        if fields.status in WITHDRAWN:
            continue
        subject = fields.subject
        owner = patient_id_of({"reference": subject.reference}) if subject is not None else None
        if owner is not None and owner != patient_id:
            continue  # another patient's draft in the bundle: not this patient's order
        product = iron_product(medication_of(fields), route_texts(fields))
        if product is not None:
            found.append(DraftIron(reference, *product))
    return tuple(found)
