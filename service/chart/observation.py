"""The Observation fields the workup reads, validated exactly as FHIR R4 (fhir.resources R4B) would.

A chart holds tens to thousands of Observations, and the full R4B model costs about 0.1 ms
each: it validates some 60 elements, their extensions and their invariants, of which the
workup reads fifteen. This model declares only those fifteen, with R4B's primitive types
(``fhir_core``'s Code, String, Uri and Id, whose checks are patterns pydantic-core runs, and
:mod:`service.chart.primitives` for the decimal, dateTime and instant fhir_core checks in
Python), the same required elements, the same refusal of a null inside a list of complex
elements (a list of models refuses it by itself) and the same one-of-many rule for
``effective[x]`` and ``value[x]``; everything else is ignored. So for the fields it reads it
accepts exactly what R4B accepts, with the same values, at about a fifteenth of the cost:
tests/clinical/test_lean_observation.py proves the equivalence over every Observation in the
fixtures, the Synthea records and a mutation corpus.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated, Any, Literal

from fhir_core.types import Code, Id, String, Uri
from pydantic import BaseModel, ConfigDict, model_validator
from typing_extensions import TypedDict  # pydantic reads typing's TypedDict only from Python 3.12

from service.chart.primitives import FhirDateTime, FhirDecimal, FhirInstant

CodeValue = Annotated[str, Code()]
StringValue = Annotated[str, String()]
UriValue = Annotated[str, Uri()]
IdValue = Annotated[str, Id()]
DecimalValue = Annotated[decimal.Decimal, FhirDecimal]
DateTimeValue = Annotated[dt.datetime | dt.date | str, FhirDateTime]
InstantValue = Annotated[dt.datetime | str, FhirInstant]


class Element(BaseModel):
    """A FHIR element reduced to the members read; unknown members are ignored, not refused."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Coding(Element):
    system: UriValue | None = None
    code: CodeValue | None = None
    display: StringValue | None = None


class CodeableConcept(Element):
    coding: list[Coding] | None = None
    text: StringValue | None = None


# The leaves, read member by member, are TypedDicts: validated alike (a member may be null, as in a
# model with a default of None), without a model built for each (a lab result holds four
# Quantities and a Reference), which was a quarter of its cost.
class Reference(TypedDict, total=False):
    reference: StringValue | None


class Quantity(TypedDict, total=False):
    value: DecimalValue | None
    comparator: CodeValue | None
    unit: StringValue | None
    system: UriValue | None
    code: CodeValue | None


class Period(TypedDict, total=False):
    start: DateTimeValue | None


class ReferenceRange(TypedDict, total=False):
    low: Quantity | None
    high: Quantity | None


EFFECTIVE = ("effectiveDateTime", "effectiveInstant", "effectivePeriod")
VALUE = ("valueQuantity", "valueCodeableConcept")


class Observation(Element):
    resourceType: Literal["Observation"] | None = None
    id: IdValue | None = None
    status: CodeValue
    code: CodeableConcept | None  # a required member that may be null, as R4B declares it
    subject: Reference | None = None
    effectiveDateTime: DateTimeValue | None = None
    effectiveInstant: InstantValue | None = None
    effectivePeriod: Period | None = None
    issued: InstantValue | None = None
    valueQuantity: Quantity | None = None
    valueCodeableConcept: CodeableConcept | None = None
    dataAbsentReason: CodeableConcept | None = None
    referenceRange: list[ReferenceRange] | None = None
    interpretation: list[CodeableConcept] | None = None

    @model_validator(mode="after")
    def _one_of_many(self) -> Observation:
        lone = self.effectiveInstant is None and self.effectivePeriod is None
        if lone and self.valueCodeableConcept is None:
            return self  # at most one of each group: the common case, without a loop
        for group in (EFFECTIVE, VALUE):
            present = [name for name in group if getattr(self, name) is not None]
            if len(present) > 1:
                raise ValueError(f"Any of one field value is expected from this list {list(group)}")
        return self


_validate_python = Observation.__pydantic_validator__.validate_python


def validate_observation(raw: Any) -> Observation:
    """``Observation.model_validate(raw)``: the same validator, called without the Python
    wrapper around it, whose keyword handling cost a fifteenth of a validation; a chart is
    read with one call per Observation used. Raises ValidationError as it does."""
    observation: Observation = _validate_python(raw)
    return observation
