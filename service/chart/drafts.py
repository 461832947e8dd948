"""The iron among the drafts an order hook judges (the selected ones, or at signing all of them).

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

from cds_hooks.orders import DraftOrder, drafts_to_judge
from service.patient.medication_fields import Reference, read_fields
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


def drafted_iron(hook: str, context: Mapping[str, Any], patient_id: str) -> tuple[DraftIron, ...]:
    """The judged draft MedicationRequests that are iron, in the order they were selected or listed."""
    found: list[DraftIron] = []
    for draft in drafts_to_judge(hook, context):
        if draft.resource["resourceType"] != "MedicationRequest":
            continue
        iron = _iron_of(draft, patient_id)
        if iron is not None:
            found.append(iron)
    return tuple(found)


def still_drafted(status: str | None, subject: Reference | None, patient_id: str) -> bool:
    """A draft about to be signed for this patient: not withdrawn, and not another patient's draft
    in the bundle (a draft naming no patient is the context patient's)."""
    if status in WITHDRAWN:
        return False
    owner = patient_id_of({"reference": subject.reference}) if subject is not None else None
    return owner is None or owner == patient_id


def _iron_of(draft: DraftOrder, patient_id: str) -> DraftIron | None:
    fields = read_fields(draft.resource, draft.path)
    if not still_drafted(fields.status, fields.subject, patient_id):
        return None
    product = iron_product(medication_of(fields), route_texts(fields))
    return DraftIron(draft.reference, *product) if product is not None else None
