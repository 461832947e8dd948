"""The members of a MedicationRequest or MedicationStatement the iron checks read, typed.

A draft order arrives as raw JSON that is not a complete resource (order-select fires before
the order is filled in), so it is never validated as a MedicationRequest; only what is read
from it is checked here, strictly (a status must be a string, a coding a list of objects
with string members), and a member of the wrong type is refused by its JSON path.
Everything else the draft holds is ignored. One liberty is taken, the CDS Hooks sandbox's:
it sends an object where R4 has a list (``dosageInstruction``, ``coding``), and such an
object is read as the list of that one element, since it says the same thing.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cds_hooks.errors import CDSHooksError

MAX_PATH_CHARS = 200


class Members(BaseModel):
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

    @model_validator(mode="before")
    @classmethod
    def _one_object_for_a_list(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        lists = _list_members(cls)
        return {
            key: [item] if key in lists and isinstance(item, dict) else item for key, item in value.items()
        }


@functools.cache
def _list_members(model: type[BaseModel]) -> frozenset[str]:
    """The members of ``model`` declared as a list (``list[X] | None``)."""
    found = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
        if any(typing.get_origin(option) is list for option in options):
            found.add(name)
    return frozenset(found)


class Coding(Members):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Concept(Members):
    coding: list[Coding] | None = None
    text: str | None = None


class Reference(Members):
    reference: str | None = None
    display: str | None = None


class Dosage(Members):
    route: Concept | None = None


class Contained(Members):
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


class MedicationFields(Members):
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
    return read_members(MedicationFields, resource, path)


M = TypeVar("M", bound=Members)


def read_members(model: type[M], resource: dict[str, Any], path: str) -> M:
    """``resource`` read as ``model``; a 400 names the first member of the wrong type by its JSON path."""
    try:
        return model.model_validate(resource)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = path + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
        field = field[:MAX_PATH_CHARS]
        raise CDSHooksError(400, f"{field}: {first['msg']}", field=field) from None
