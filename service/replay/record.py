"""One patient's record: the Patient and the resources that name it, by resource type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Resource = dict[str, Any]


@dataclass
class PatientRecord:
    patient: Resource
    resources: dict[str, list[Resource]] = field(default_factory=dict)
    # The record may lack resources its source could not give (a FHIR search cut short).
    incomplete: bool = False

    @property
    def patient_id(self) -> str:
        return str(self.patient["id"])

    def add(self, resource: Resource) -> None:
        self.resources.setdefault(resource["resourceType"], []).append(resource)


def reference_id(reference: object, resource_type: str = "Patient") -> str | None:
    """The id in a reference to ``resource_type`` (relative, absolute or versioned), else None."""
    if not isinstance(reference, str):
        return None
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource_type and parts[-1]:
        return parts[-1]
    return None


def patient_of(resource: Mapping[str, Any]) -> str | None:
    """The id of the patient a resource belongs to: its own for a Patient, else its subject's."""
    if resource.get("resourceType") == "Patient":
        identifier = resource.get("id")
        return identifier if isinstance(identifier, str) and identifier else None
    for member in ("subject", "patient"):
        value = resource.get(member)
        if isinstance(value, Mapping):
            found = reference_id(value.get("reference"))
            if found is not None:
                return found
    return None


def group_by_patient(resources: Iterable[Resource]) -> tuple[list[PatientRecord], int]:
    """Records of the patients present, and the count of resources whose Patient is absent."""
    patients: dict[str, Resource] = {}
    others: dict[str, list[Resource]] = {}
    for resource in resources:
        owner = patient_of(resource)
        if owner is None:
            continue
        if resource["resourceType"] == "Patient":
            patients[owner] = resource
        else:
            others.setdefault(owner, []).append(resource)
    orphans = sum(len(items) for owner, items in others.items() if owner not in patients)
    records = []
    for owner in sorted(patients):
        record = PatientRecord(patients[owner])
        for resource in others.get(owner, ()):
            record.add(resource)
        records.append(record)
    return records, orphans
