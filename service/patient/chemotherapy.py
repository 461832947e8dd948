"""Chemotherapy on the patient's own record, read from its Procedures by name.

Myelosuppressive chemotherapy lowers the white cells, platelets and hemoglobin for weeks after
each cycle (docs/workup.md#cytopenias-on-chemotherapy): the treating team expects those counts and
follows them, and a marrow workup suggested for them would be noise. The reference verifies no
code for chemotherapy, so, as with the secondary causes of erythrocytosis, a procedure is
recognised by the name it carries ("Chemotherapy (procedure)", "Antineoplastic chemotherapy
regimen"); nothing read here is ever sent out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from service.chart.records import names_of
from service.dates import started
from service.patient.model import Chemotherapy

WORDS = re.compile(r"chemotherap|antineoplastic|chemoradi", re.IGNORECASE)
# A procedure not done, planned or recorded in error gave no drug (FHIR R4 EventStatus).
GIVEN = frozenset({"completed", "in-progress"})


# A Synthea adult's record holds hundreds of Procedures from a few hundred names: each name is
# searched once per process, not per call.
@functools.lru_cache(maxsize=8192)
def names_chemotherapy(name: str) -> bool:
    return WORDS.search(name) is not None


def chemotherapy(procedures: Iterable[Any]) -> tuple[Chemotherapy, ...]:
    """Every chemotherapy given, newest first: ``procedures`` are fhir.resources R4B Procedures."""
    found: list[Chemotherapy] = []
    for procedure in procedures:
        if procedure.status not in GIVEN:
            continue
        name = next((n for n in names_of(procedure.code) if names_chemotherapy(n)), None)
        performed = started(procedure.performedDateTime, procedure.performedPeriod)
        if name is not None and performed is not None:
            source = f"Procedure/{procedure.id}" if procedure.id else "a Procedure"
            found.append(Chemotherapy(name, performed, source))
    return tuple(sorted(found, key=lambda c: c.performed, reverse=True))
