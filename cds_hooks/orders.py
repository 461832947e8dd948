"""The context of the order hooks (order-select, order-sign): selections and draftOrders, shape-checked.

The hooks define ``selections`` as a list of references and ``draftOrders`` as a Bundle of
draft resources; either of another shape is refused with 400 naming it, so that a service
reads only references that are strings and drafts that are resources. Whether a draft is
complete is not judged here: order-select fires before its details are filled in. Nor is the
Bundle's ``type``, which the CDS Hooks sandbox leaves out: nothing here depends on it.

Which drafts a service judges depends on the hook (hook library 1.0): on order-select the
ones just selected, the others being context; on order-sign, which has no ``selections``,
every draft, as every one is about to be signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_hooks.errors import CDSHooksError
from cds_hooks.shapes import Resource, is_resource

SELECTIONS = "context.selections"
DRAFT_ORDERS = "context.draftOrders"


@dataclass(frozen=True)
class DraftOrder:
    reference: str  # "<resourceType>/<id>", as selections name it
    path: str  # where the resource sits in the request, for an error that names its fields
    resource: Resource


def selections(context: Mapping[str, Any]) -> tuple[str, ...]:
    """The selected references as "<resourceType>/<id>" (an absolute one is cut to that)."""
    value = context.get("selections")
    if not isinstance(value, list):
        raise CDSHooksError(
            400,
            f'{SELECTIONS} must be a list of references such as "MedicationRequest/123"',
            field=SELECTIONS,
        )
    references: list[str] = []
    for index, item in enumerate(value):
        parts = item.split("/") if isinstance(item, str) else []
        if len(parts) < 2 or not parts[-2] or not parts[-1]:
            field = f"{SELECTIONS}[{index}]"
            raise CDSHooksError(
                400, f'{field} must be a reference such as "MedicationRequest/123"', field=field
            )
        references.append(f"{parts[-2]}/{parts[-1]}")
    return tuple(references)


def draft_orders(context: Mapping[str, Any]) -> dict[str, DraftOrder]:
    """The draft resources by "<resourceType>/<id>".

    An entry that is no object, holds no resource or a resource without a string id is
    passed over: nothing can select it, so nothing is lost by not reading it.
    """
    value = context.get("draftOrders")
    if not is_resource(value) or value["resourceType"] != "Bundle":
        raise CDSHooksError(400, f"{DRAFT_ORDERS} must be a FHIR Bundle", field=DRAFT_ORDERS)
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        field = f"{DRAFT_ORDERS}.entry"
        raise CDSHooksError(400, f"{field} must be a list", field=field)
    drafts: dict[str, DraftOrder] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not is_resource(resource) or not isinstance(resource.get("id"), str) or not resource["id"]:
            continue
        reference = f"{resource['resourceType']}/{resource['id']}"
        drafts[reference] = DraftOrder(reference, f"{DRAFT_ORDERS}.entry[{index}].resource", resource)
    return drafts


SIGN_HOOK = "order-sign"
SELECT_HOOK = "order-select"


def drafts_to_judge(hook: str, context: Mapping[str, Any]) -> tuple[DraftOrder, ...]:
    """The drafts a service of ``hook`` judges: the selected ones, or on order-sign all of them.

    order-sign defines no ``selections``: one a client sends anyway is not read, so a stale or
    malformed list can neither hide a draft about to be signed nor refuse the call.
    """
    drafts = draft_orders(context)
    if hook == SIGN_HOOK:
        return tuple(drafts.values())
    if hook != SELECT_HOOK:
        raise ValueError(f"{hook!r} is not an order hook")
    chosen = dict.fromkeys(selections(context))  # a reference selected twice is one draft
    return tuple(drafts[reference] for reference in chosen if reference in drafts)
