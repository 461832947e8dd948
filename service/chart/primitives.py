"""FHIR R4's decimal, dateTime and instant, validated inside pydantic-core, as fhir_core validates them.

fhir_core checks these three primitives with a Python function around pydantic's own
validator: a regular expression, then the conversion. Over the five such values of a lab
result that came to a third of its validation. Here the same expressions (fhir_core's, split
where it branches in Python) and the same conversions are a pydantic-core schema, so no Python
runs for a value but a leap second, which Python's datetime cannot hold. What is accepted and
the value it becomes are fhir_core's, branch for branch (tests/clinical/test_lean_observation.py
compares them with R4B over the fixtures and a mutation corpus):

- decimal: an int, a finite float or a string of a JSON number, as a Decimal (a float by its
  shortest repr, so 1.0 stays Decimal('1.0'));
- dateTime: a year or year-month as the string; a date as a date; a date
  and time (with its zone, which FHIR requires) as an aware datetime; a leap second as the
  string, once the rest of it is checked; a number as a Unix time, as pydantic reads one;
- instant: a date and time with its zone, a leap second as the string, or a Unix time.

A refusal says what fhir_core's does for a string that does not match its expression.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, SchemaValidator
from pydantic_core import core_schema as cs

# fhir_core.types, verbatim in parts: Date.pattern, DateTime.pattern, Instant.pattern, Decimal.pattern.
_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_DAY = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
_ZONE = r"(Z|([+\-])((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?" + _ZONE
_LEAP_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:60(\.[0-9]+)?" + _ZONE
DECIMAL_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
PARTIAL_DATE_PATTERN = rf"^{_YEAR}(-(0[1-9]|1[0-2]))?$"
DATE_PATTERN = rf"^{_DAY}$"
DATE_TIME_PATTERN = rf"^{_DAY}{_TIME}$"  # also an instant's
LEAP_DATE_TIME_PATTERN = rf"^{_DAY}{_LEAP_TIME}$"
# fhir_core.types.FHIR_LEAP_SECOND: a leap second is checked as the last second of its minute.
_LEAP_SECOND = re.compile(r"(?P<head>.*T[0-9]{2}:[0-9]{2}:)60(?P<tail>.*)")

_datetime = cs.datetime_schema()
_check_datetime = SchemaValidator(_datetime).validate_python


def _leap_second(value: str) -> str:
    """The string itself, once it reads as a datetime with its seconds at 59 (fhir_core's rule)."""
    matched = _LEAP_SECOND.fullmatch(value)
    assert matched is not None  # the schema's expression let only a leap second through
    _check_datetime(matched["head"] + "59" + matched["tail"])
    return value


def _strict_str(pattern: str) -> CoreSchema:
    return cs.str_schema(pattern=pattern, strict=True)


_unix_time = cs.chain_schema(
    [cs.union_schema([cs.int_schema(strict=True), cs.float_schema(strict=True)]), _datetime]
)
_leap = cs.chain_schema(
    [_strict_str(LEAP_DATE_TIME_PATTERN), cs.no_info_plain_validator_function(_leap_second)]
)


def _refusal(name: str, choices: list[CoreSchema | tuple[CoreSchema, str]]) -> CoreSchema:
    return cs.custom_error_schema(
        cs.union_schema(choices, mode="left_to_right"),
        custom_error_type="value_error",
        custom_error_context={"error": f"{name} value string does not match spec regex."},
    )


DECIMAL_SCHEMA = _refusal(
    "Decimal",
    [
        cs.chain_schema(
            [
                cs.union_schema(
                    [
                        cs.int_schema(strict=True),
                        cs.float_schema(strict=True, allow_inf_nan=False),
                        _strict_str(DECIMAL_PATTERN),
                    ],
                    mode="left_to_right",
                ),
                cs.decimal_schema(),
            ]
        )
    ],
)
DATE_TIME_SCHEMA = _refusal(
    "DateTime",
    [
        cs.chain_schema([_strict_str(DATE_TIME_PATTERN), _datetime]),
        cs.chain_schema([_strict_str(DATE_PATTERN), cs.date_schema()]),
        _strict_str(PARTIAL_DATE_PATTERN),
        _leap,
        _unix_time,
    ],
)
INSTANT_SCHEMA = _refusal(
    "Instant",
    [
        cs.chain_schema([_strict_str(DATE_TIME_PATTERN), _datetime]),
        _leap,  # an instant's leap second has the form of a dateTime's
        _unix_time,
    ],
)


class _Primitive:
    """Annotated metadata that gives a field one of the schemas above."""

    def __init__(self, schema: CoreSchema) -> None:
        self._schema = schema

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return self._schema


FhirDecimal = _Primitive(DECIMAL_SCHEMA)
FhirDateTime = _Primitive(DATE_TIME_SCHEMA)
FhirInstant = _Primitive(INSTANT_SCHEMA)
