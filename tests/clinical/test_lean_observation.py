"""The lean Observation model accepts exactly what fhir.resources R4B accepts, for the fields read.

For every Observation of the corpus (the case table, the FHIR examples, the AHRQ and Synthea
records, and each of those mutated at every field the workup reads), R4B validates the
Observation reduced to those fields, the lean model validates it whole, and both must agree
on whether it is valid and, when it is, on every value read.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, get_type_hints

import pytest
from fhir.resources.R4B.observation import Observation as R4BObservation
from pydantic import BaseModel, ValidationError
from typing_extensions import is_typeddict

from service.chart.observation import Observation as LeanObservation
from service.chart.observation import validate_observation
from tests.paths import FIXTURES

# Values a client might put anywhere: wrong types, nulls, odd numbers, odd text, odd dates.
ODD_VALUES: tuple[Any, ...] = (
    None,
    0,
    -1,
    1.5,
    10**40,
    1e300,
    True,
    "",
    " ",
    "x",
    " x",
    "x ",
    "a\nb",
    "NaN",
    "1e400",
    "-0",
    "2026",
    "2026-13",
    "2026-02-30",
    "2026-11-04T10:00",
    "2026-11-04T25:00:00Z",
    "2016-12-31T23:59:60Z",
    "2026-11-04T10:00:00+14:00",
    "2026-11-04",
    float("nan"),  # Python's json module reads NaN and Infinity; orjson refuses them
    float("inf"),
    1600000000,  # pydantic reads a number as a Unix time
    "1600000000",
    "1.50",
    "01",
    "+1",
    "1e5",
    "x\n",
    "2026-11-04T10:00:00.1234567Z",
    "2026-11-04T10:00:00Z\n",
    "2026-11-04T10:00:00",
    "2016-12-31T23:59:60.5+01:00",
    "2016-02-30T23:59:60Z",
    "2016-12",
    [],
    [None],
    {},
    {"x": 1},
    ["x"],
)


def observations(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("resourceType") == "Observation":
            yield value
        for member in value.values():
            yield from observations(member)
    elif isinstance(value, list):
        for member in value:
            yield from observations(member)


def corpus() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(FIXTURES.rglob("*.json")):
        if "golden" not in path.parts:
            found.extend(observations(json.loads(path.read_text())))
    return found


CORPUS = corpus()


def members(model: type) -> dict[str, Any]:
    """The members a lean element declares with their annotations: a model's fields, a TypedDict's keys."""
    if is_typeddict(model):
        return get_type_hints(model, include_extras=True)
    return {name: field.annotation for name, field in model.model_fields.items()}  # type: ignore[attr-defined]


def read_paths(model: type, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path of a member the lean model reads, lists entered at their first item."""
    for name, annotation in members(model).items():
        path = (*prefix, name)
        yield path
        inner = _model_of(annotation)
        if inner is not None:
            listed = "list[" in str(annotation)
            yield from read_paths(inner, (*path, 0) if listed else path)


def _model_of(annotation: Any) -> type | None:
    for candidate in getattr(annotation, "__args__", ()) or (annotation,):
        if isinstance(candidate, type) and (issubclass(candidate, BaseModel) or is_typeddict(candidate)):
            return candidate
        inner = _model_of(candidate) if getattr(candidate, "__args__", None) else None
        if inner is not None:
            return inner
    return None


def project(value: Any, model: type) -> Any:
    """The members of ``value`` the lean model reads, at every level (the rest R4B never sees)."""
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for name, annotation in members(model).items():
        if name not in value:
            continue
        inner = _model_of(annotation)
        member = value[name]
        if inner is None:
            kept[name] = member
        elif isinstance(member, list):
            kept[name] = [project(item, inner) for item in member]
        else:
            kept[name] = project(member, inner)
    return kept


def mutated(observation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The Observation with one read member dropped or replaced by each odd value."""
    for path in read_paths(LeanObservation):
        parent: Any = observation
        for step in path[:-1]:
            parent = parent[step] if _has(parent, step) else None
        if parent is None or not isinstance(parent, dict | list):
            continue
        for replacement in (_DROP, *ODD_VALUES):
            changed = copy.deepcopy(observation)
            target: Any = changed
            for step in path[:-1]:
                target = target[step]
            if replacement is _DROP:
                if _has(target, path[-1]):
                    del target[path[-1]]
            elif isinstance(target, dict):
                target[path[-1]] = replacement
            yield changed


_DROP = object()


def _has(container: Any, step: str | int) -> bool:
    if isinstance(container, dict):
        return step in container
    return isinstance(container, list) and isinstance(step, int) and step < len(container)


def read_values(observation: Any) -> Any:
    """Every value the workup reads, in one comparable structure (R4B and lean share the names)."""

    def concept(c: Any) -> Any:
        if c is None:
            return None
        return (
            c.text,
            tuple((x.system, x.code, x.display) for x in c.coding or []) if c.coding is not None else None,
        )

    def quantity(q: Any) -> Any:
        if q is None:
            return None
        return tuple(_exact(member(q, n)) if n == "value" else member(q, n) for n in QUANTITY)

    period = observation.effectivePeriod
    return (
        observation.id,
        observation.status,
        concept(observation.code),
        member(observation.subject, "reference") if observation.subject is not None else None,
        observation.effectiveDateTime,
        observation.effectiveInstant,
        member(period, "start") if period is not None else None,
        observation.issued,
        quantity(observation.valueQuantity),
        concept(observation.valueCodeableConcept),
        concept(observation.dataAbsentReason),
        tuple(
            (quantity(member(r, "low")), quantity(member(r, "high")))
            for r in observation.referenceRange or []
        )
        if observation.referenceRange is not None
        else None,
        tuple(concept(c) for c in observation.interpretation)
        if observation.interpretation is not None
        else None,
    )


QUANTITY = ("value", "comparator", "unit", "system", "code")


def member(element: Any, name: str) -> Any:
    """A member of an element: an attribute of an R4B model, a key of a lean TypedDict."""
    return element.get(name) if isinstance(element, dict) else getattr(element, name, None)


def _exact(value: Decimal | None) -> Any:
    return None if value is None else (str(value), value)


def agree(raw: Any) -> None:
    try:
        r4b: Any = R4BObservation.model_validate(project(raw, LeanObservation))
    except (ValidationError, ValueError, TypeError):
        r4b = None
    try:
        lean: Any = validate_observation(raw)  # as the chart reads it
    except (ValidationError, ValueError, TypeError):
        lean = None
    assert (r4b is None) == (lean is None), (raw, "R4B accepts" if lean is None else "lean accepts")
    if r4b is not None:
        assert read_values(lean) == read_values(r4b), raw


def test_the_corpus_is_realistic() -> None:
    assert len(CORPUS) >= 1000


def test_every_corpus_observation_reads_the_same() -> None:
    for raw in CORPUS:
        agree(raw)


# One Observation of each distinct shape: the mutations of each read member are what differ.
SHAPES = list({json.dumps(sorted(project(o, LeanObservation)), sort_keys=True): o for o in CORPUS}.values())


@pytest.mark.parametrize("index", range(len(SHAPES)))
def test_every_mutation_of_a_read_member_reads_the_same(index: int) -> None:
    for raw in mutated(SHAPES[index]):
        agree(raw)
