"""Does a FHIR Reference point at the context patient?

Prefetch data may hold more than the query asked for (a whole record, another patient's
resources in a shared Bundle), so every resource is checked against ``context.patientId``.
A reference may be relative (``Patient/1``), absolute (``https://host/fhir/Patient/1``) or
versioned (``Patient/1/_history/2``); all three name the same patient.
"""

from __future__ import annotations

from typing import Any


def patient_id_of(reference: Any) -> str | None:
    """The Patient id a Reference names, or None when it names no Patient."""
    if not isinstance(reference, dict):
        return None
    target = reference.get("reference")
    if not isinstance(target, str) or not target:
        return None
    if target.startswith("Patient/") and target.count("/") == 1:
        return target[8:] or None  # the common relative form, without splitting
    parts = target.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1]:
        return parts[-1]
    return None
