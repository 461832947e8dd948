"""The iron a clinician has just selected, read from the order-select context.

order-select fires as an order is picked, before its details are filled in (the hook says
services "should expect some of the order information to not yet be specified"), so a draft
is read from its raw JSON, never validated as a complete MedicationRequest: only its id, its
medication and, when present, its patient and status matter. The context itself is checked
strictly: ``selections`` must be a list of references and ``draftOrders`` a Bundle, and a
400 names the member that is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_hooks.errors import CDSHooksError
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
    drafts = _drafts(context.get("draftOrders"))
    found: list[DraftIron] = []
    for reference in _selections(context.get("selections")):
        draft = drafts.get(reference)
        if draft is None or draft.get("status") in WITHDRAWN:
            continue
        owner = patient_id_of(draft.get("subject"))
        if owner is not None and owner != patient_id:
            continue  # another patient's draft in the bundle: not this patient's order
        product = iron_product(medication_of(draft), route_texts(draft))
        if product is not None:
            found.append(DraftIron(reference, *product))
    return tuple(found)


def _selections(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise CDSHooksError(
            400,
            'context.selections must be a list of references such as "MedicationRequest/123"',
            field="context.selections",
        )
    references: list[str] = []
    for index, item in enumerate(value):
        parts = item.split("/") if isinstance(item, str) else []
        if len(parts) < 2 or not parts[-2] or not parts[-1]:
            raise CDSHooksError(
                400,
                f'context.selections[{index}] must be a reference such as "MedicationRequest/123"',
                field=f"context.selections[{index}]",
            )
        references.append(f"{parts[-2]}/{parts[-1]}")
    return references


def _drafts(value: Any) -> dict[str, Mapping[str, Any]]:
    """The bundle's MedicationRequests by "MedicationRequest/<id>"."""
    if not isinstance(value, dict) or value.get("resourceType") != "Bundle":
        raise CDSHooksError(400, "context.draftOrders must be a FHIR Bundle", field="context.draftOrders")
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise CDSHooksError(
            400, "context.draftOrders.entry must be a list", field="context.draftOrders.entry"
        )
    drafts: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "MedicationRequest":
            continue
        if isinstance(resource.get("id"), str) and resource["id"]:
            drafts[f"MedicationRequest/{resource['id']}"] = resource
    return drafts
