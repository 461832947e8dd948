"""Iron prescriptions from active MedicationRequests.

No verified medication code list exists in the clinical reference, so iron products are
recognised by the words every iron product name carries (ferrous, ferric, iron). This is
the one place the workup reads display text, and it only decides wording ("already on
iron"), never an order.
"""

from __future__ import annotations

import re
from typing import Any

IRON_WORDS = re.compile(r"\b(iron|ferrous|ferric)\b", re.IGNORECASE)
ACTIVE = frozenset({"active", "on-hold"})


def iron_prescriptions(requests: list[Any]) -> tuple[str, ...]:
    found: list[str] = []
    for request in requests:
        if request.status not in ACTIVE or request.medicationCodeableConcept is None:
            continue
        concept = request.medicationCodeableConcept
        names = [concept.text] + [c.display for c in concept.coding or []]
        name = next((str(n) for n in names if n and IRON_WORDS.search(str(n))), None)
        if name is not None and name not in found:
            found.append(name)
    return tuple(found)
