"""The members of a MedicationRequest or MedicationStatement the iron checks read, typed.

A draft order arrives as raw JSON that is not a complete resource (order-select fires before
the order is filled in), so it is never validated as a MedicationRequest; only what is read
from it is checked here, strictly (a status must be a string, a coding a list of objects
with string members), and a member of the wrong type is refused by its JSON path.
Everything else the draft holds is ignored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cds_hooks.errors import CDSHooksError

MAX_PATH_CHARS = 200


class _Members(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _from_a_validated_model(cls, value: Any) -> Any:
        # A MedicationRequest or MedicationStatement of the chart is a fhir.resources model,
        # already validated: its members are read from it as they are, not dumped to JSON first.
        if not isinstance(value, BaseModel):
            return value
        members = {name: getattr(value, name, None) for name in cls.model_fields}
        if "resourceType" in cls.model_fields:
            members["resourceType"] = value.get_resource_type()  # type: ignore[attr-defined]
        return {name: member for name, member in members.items() if member is not None}


class Coding(_Members):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Concept(_Members):
    coding: list[Coding] | None = None
    text: str | None = None


class Reference(_Members):
    reference: str | None = None
    display: str | None = None


class Dosage(_Members):
    route: Concept | None = None


class Contained(_Members):
    """A contained resource; only a Medication's code is read (a medicationReference "#id")."""

    resourceType: str
    id: str | None = None
    code: Concept | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_of_a_medication_only(cls, value: Any) -> Any:
        # Other resource types give ``code`` other shapes, and it is not read from them.
        if isinstance(value, dict) and value.get("resourceType") != "Medication":
            return {key: item for key, item in value.items() if key != "code"}
        return value


class MedicationFields(_Members):
    resourceType: str
    id: str | None = None
    status: str | None = None
    subject: Reference | None = None
    medicationCodeableConcept: Concept | None = None
    medicationReference: Reference | None = None
    contained: list[Contained] | None = None
    dosageInstruction: list[Dosage] | None = None  # MedicationRequest
    dosage: list[Dosage] | None = None  # MedicationStatement


def read_fields(resource: dict[str, Any], path: str) -> MedicationFields:
    """The typed members of ``resource``, at ``path`` in the request; a 400 names one of the wrong type."""
    try:
        return MedicationFields.model_validate(resource)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = path + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
        field = field[:MAX_PATH_CHARS]
        raise CDSHooksError(400, f"{field}: {first['msg']}", field=field) from None
