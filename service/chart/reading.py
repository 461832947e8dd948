"""Reading one Observation into a lab result, or saying why it cannot be used.

Observations are first picked from the raw JSON by LOINC code (cheap), and only the picked
ones are validated against the FHIR R4 model (about 0.1 ms each: a record may hold 10,000
Observations). Each check below turns a bad Observation into an :class:`Unused` with a
reason a clinician can read; nothing here raises on bad data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from service.chart.observation import Observation, Quantity, validate_observation
from service.dates import as_instant
from service.formatting import number, unit_label
from service.labs.analytes import BY_CODE, LOINC, UCUM, Analyte
from service.labs.results import Comparator, LabResult, Unused
from service.references import patient_id_of

USABLE_STATUSES = frozenset({"final", "amended", "corrected"})
COMPARATORS: frozenset[str] = frozenset({"<", "<=", ">=", ">"})
# EHR and service clocks differ by seconds or minutes; a result dated further ahead than this
# carries a wrong date and cannot be placed in a lookback window.
CLOCK_SKEW = timedelta(hours=1)


def result_code(raw: Any) -> str | None:
    """The first LOINC code of an Observation that names an analyte of the table."""
    if not isinstance(raw, dict) or raw.get("resourceType") != "Observation":
        return None
    code = raw.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and coding.get("system") == LOINC and coding.get("code") in BY_CODE:
            return str(coding["code"])
    return None


def source_of(raw: dict[str, Any]) -> str:
    rid = raw.get("id")
    return f"Observation/{rid}" if isinstance(rid, str) and rid else "Observation without id"


def validation_problem(error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "resource"
    return f"it is not a valid FHIR R4 Observation ({where}: {first['msg']})"


def subject_problem(raw: dict[str, Any], analyte: Analyte, patient_id: str) -> Unused | None:
    """Why an Observation is not this patient's, read from the raw JSON; None when it is."""
    subject = raw.get("subject")
    if isinstance(subject, dict) and subject.get("reference") == f"Patient/{patient_id}":
        return None  # the common form, without parsing the reference
    owner = patient_id_of(subject)
    if owner is None:
        return Unused(analyte.name, source_of(raw), "it names no patient as its subject")
    if owner != patient_id:
        # Nothing of the other patient's result (value, date) is repeated here.
        return Unused(analyte.name, source_of(raw), "it belongs to another patient")
    return None


def raw_time(raw: dict[str, Any]) -> datetime | None:
    """The instant :func:`effective_time` will find, read from the raw JSON to order candidates.

    Only for ordering: the validated Observation's own time decides. None when the first
    time element present is not a full date or date-time Python reads directly.
    """
    value = raw.get("effectiveDateTime")
    if isinstance(value, str) and len(value) >= 10:  # the common case, read first
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    period = raw.get("effectivePeriod")
    for value in (
        raw.get("effectiveDateTime"),
        raw.get("effectiveInstant"),
        period.get("start") if isinstance(period, dict) else None,
        raw.get("issued"),
    ):
        if value is not None:
            if not isinstance(value, str) or len(value) < 10:
                return None
            try:
                return as_instant(datetime.fromisoformat(value))
            except ValueError:
                return None
    return None


def read_observation(
    raw: dict[str, Any], analyte: Analyte, patient_id: str, now: datetime
) -> LabResult | Unused:
    problem = subject_problem(raw, analyte, patient_id)
    if problem is not None:
        return problem
    source = source_of(raw)
    try:
        observation = validate_observation(raw)
    except ValidationError as error:
        return Unused(analyte.name, source, validation_problem(error))
    return _read_valid(observation, analyte, source, now, result_code(raw) or "")


@dataclass(frozen=True)
class Measurement:
    """An Observation's value in canonical units, before its date and status are judged."""

    value: float
    comparator: Comparator | None
    reported: str
    low: float | None
    high: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Implausible:
    """A value outside the analyte's plausible range: refused, but kept to ask for verification."""

    reason: str
    reported: str
    value: float


def measure(obs: Observation, analyte: Analyte) -> Measurement | Implausible | tuple[str, str | None]:
    """The value in the analyte's canonical unit, or (why it cannot be used, the value as reported)."""
    if obs.dataAbsentReason is not None:
        return f"the lab reported no value ({_concept_text(obs.dataAbsentReason)})", None
    quantity = obs.valueQuantity
    if quantity is None:
        return "its value is not a quantity", None
    amount = quantity.get("value")
    if amount is None:
        return "its quantity has no number", None
    reported = _reported(quantity, amount)
    comparator = quantity.get("comparator")
    if comparator is not None and comparator not in COMPARATORS:
        return f"its comparator {comparator!r} is not a bound", reported
    unit, problem = unit_of(quantity, analyte)
    if unit is None:
        return problem, reported
    factor = analyte.factor(unit)
    if factor is None:
        return f"its unit {unit!r} is not one Microcyte converts for {analyte.name}", reported
    value = float(amount) * factor
    low, high = analyte.plausible
    if not low <= value <= high:
        return Implausible(
            f"it lies outside the plausible range {_range_text(analyte)} (an entry or unit error)",
            reported,
            value,
        )
    ref_low, ref_high = reference_range(obs, analyte)
    bound: Comparator | None = comparator  # type: ignore[assignment]
    return Measurement(value, bound, reported, ref_low, ref_high, interpretation_codes(obs))


def _read_valid(
    obs: Observation, analyte: Analyte, source: str, now: datetime, code: str
) -> LabResult | Unused:
    when = effective_time(obs)
    if obs.status not in USABLE_STATUSES:
        reason = f"its status is {obs.status!r} (only final, amended or corrected results are used)"
        return Unused(analyte.name, source, reason, when)
    measured = measure(obs, analyte)
    if isinstance(measured, Implausible):
        return Unused(
            analyte.name, source, measured.reason, when, measured.reported, measured.value, analyte.key
        )
    if not isinstance(measured, Measurement):
        reason, reported = measured
        return Unused(analyte.name, source, reason, when, reported)
    if when is None:
        return Unused(
            analyte.name, source, "it carries no full effective date or issued date", None, measured.reported
        )
    if when > now + CLOCK_SKEW:
        return Unused(
            analyte.name, source, "it is dated after the time of this request", when, measured.reported
        )
    return LabResult(
        analyte=analyte,
        value=measured.value,
        when=when,
        source=source,
        reported=measured.reported,
        comparator=measured.comparator,
        low=measured.low,
        high=measured.high,
        flags=measured.flags,
        code=code,
    )


def effective_time(obs: Observation) -> datetime | None:
    """effectiveDateTime (or effectiveInstant), else effectivePeriod.start, else issued."""
    for value in (
        obs.effectiveDateTime,
        obs.effectiveInstant,
        obs.effectivePeriod.get("start") if obs.effectivePeriod is not None else None,
        obs.issued,
    ):
        if value is not None:
            return as_instant(value)
    return None


def unit_of(quantity: Quantity, analyte: Analyte) -> tuple[str | None, str]:
    """The UCUM unit of a Quantity: its code under the UCUM system, or a bare unit string."""
    system = quantity.get("system")
    if system is not None and system != UCUM:
        return None, f"its unit is coded in {system}, not UCUM"
    text = quantity.get("code") or quantity.get("unit")
    if not text:
        if analyte.key == "tsat":
            return None, "it has no unit, so it could be a percentage or a fraction"
        return None, "it has no unit"
    return str(text), ""


def reference_range(obs: Observation, analyte: Analyte) -> tuple[float | None, float | None]:
    """The lab's range in canonical units; a bound whose unit is unknown is dropped, not guessed."""
    for entry in obs.referenceRange or []:
        bounds = (_canonical(entry.get("low"), analyte), _canonical(entry.get("high"), analyte))
        if bounds != (None, None):
            return bounds
    return None, None


def interpretation_codes(obs: Observation) -> tuple[str, ...]:
    codes: list[str] = []
    for concept in obs.interpretation or []:
        for coding in concept.coding or []:
            if coding.code and coding.code not in codes:
                codes.append(str(coding.code))
    return tuple(codes)


def _canonical(bound: Quantity | None, analyte: Analyte) -> float | None:
    value = bound.get("value") if bound is not None else None
    if bound is None or value is None:
        return None
    unit, _ = unit_of(bound, analyte)
    factor = analyte.factor(unit) if unit else None
    return None if factor is None else float(value) * factor


def _reported(quantity: Quantity, value: Decimal) -> str:
    unit = quantity.get("unit") or quantity.get("code") or ""
    text = f"{quantity.get('comparator') or ''}{number(float(value))}"
    return f"{text} {unit}".strip()


def _range_text(analyte: Analyte) -> str:
    low, high = analyte.plausible
    label = unit_label(analyte.unit)
    if high == float("inf"):
        return f"of at least {number(low)} {label}".rstrip()
    return f"{number(low)}–{number(high)} {label}".rstrip()


def _concept_text(concept: Any) -> str:
    if concept.text:
        return str(concept.text)
    codes = [str(c.display or c.code) for c in concept.coding or [] if c.display or c.code]
    return ", ".join(codes) or "no reason given"
