"""Active ServiceRequests: what is already ordered, so no card suggests it again."""

from __future__ import annotations

from typing import Any

from service.patient.model import ActiveOrder

ACTIVE = frozenset({"active", "on-hold"})


def active_orders(requests: list[Any]) -> tuple[ActiveOrder, ...]:
    orders: list[ActiveOrder] = []
    for request in requests:
        if request.status not in ACTIVE or request.code is None:
            continue
        concept = request.code
        codings = frozenset((str(c.system), str(c.code)) for c in concept.coding or [] if c.system and c.code)
        orders.append(ActiveOrder(codings=codings, text=str(concept.text or "")))
    return tuple(orders)
