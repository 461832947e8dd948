"""The chart: what one hook call holds about its patient, read once into types.

Every stage after it (lab selection, patient context, findings, rules, cards) reads the
chart and nothing else: no stage sees the request's raw JSON. Everything the chart could not
use is said once, in ``unused`` (Observations) and ``notes`` (other records), and shown on
the card as "not used, because ...".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.chart.observation import Observation
from service.chart.series import Series
from service.labs.results import Unused


@dataclass(frozen=True)
class Resulted:
    """A usable result of an order-only code (celiac serology, JAK2 V617F, LDH ...)."""

    when: datetime
    shown: str  # what it said, as the lab reported it: a coded answer's text, or a quantity


@dataclass(frozen=True)
class Chart:
    patient_id: str
    now: datetime  # when the call was received: nothing dated later is used
    patient: Any | None  # fhir.resources R4B Patient, the context patient's, when usable
    patient_problem: str | None  # why there is no usable Patient
    series: Mapping[str, Series]  # by analyte key: every result, newest first
    unused: tuple[Unused, ...]  # Observations that are not this patient's
    pregnancy_status: tuple[Observation, ...]  # usable pregnancy-status Observations
    menopause_status: tuple[Observation, ...]  # usable menopausal-status Observations
    resulted: Mapping[str, tuple[Resulted, ...]]  # order-only result code -> its usable results, newest first
    conditions: tuple[Any, ...] = ()  # fhir.resources R4B models, validated, this patient's
    medication_requests: tuple[Any, ...] = ()
    medication_statements: tuple[Any, ...] = ()
    service_requests: tuple[Any, ...] = ()
    procedures: tuple[Any, ...] = ()  # only those that name chemotherapy
    notes: tuple[str, ...] = field(default=())  # records that could not be used, and why
