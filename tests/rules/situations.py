"""A situation from a few keywords, for the rule tables: the chart stages run on builder data.

    situation(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80)

Labs are given by analyte key in the unit builders.LAB names, all drawn on ``ON``; the
patient is born ``age`` years before it. ``conditions`` are SNOMED codes on the problem list,
``iron`` names an active oral iron prescription started ``iron_days`` before the draw;
``earlier`` adds older results as (analyte, value, days before the draw), for the rules that
read a series; ``onset_days`` dates the conditions that many days before the draw. ``medicines``
adds active MedicationRequests as (name, days before the draw), ``problems`` Conditions known by
their text alone as (text, days before the draw), ``procedures`` Procedures the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.chart.drafts import DraftIron
from service.chart.read import read_chart
from service.patient.model import Route
from service.rules.apply import recommend
from service.rules.model import Situation
from service.rules.registry import PRESCRIBING_RULES, WORKUP_RULES
from service.workup import situation_from
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings
from tests.clinical.builders import PATIENT_ID, SNOMED, condition, lab, medication_request, patient, procedure

ON = datetime(2026, 11, 10, 9, tzinfo=UTC)
NOW = ON + timedelta(days=1)  # the chart opens the day after the blood count
IRON_DRAFT = DraftIron("MedicationRequest/draft-1", "ferrous sulfate 325 MG Oral Tablet", Route.ORAL)


def situation(
    *,
    sex: str = "female",
    age: int = 34,
    conditions: tuple[str, ...] = (),
    iron: str | None = None,
    iron_days: int = 30,
    drafts: tuple[DraftIron, ...] = (),
    earlier: tuple[tuple[str, float, int], ...] = (),
    onset_days: int | None = None,
    medicines: tuple[tuple[str, int], ...] = (),
    problems: tuple[tuple[str, int], ...] = (),
    procedures: tuple[tuple[str, int], ...] = (),
    settings: WorkupSettings = DEFAULT_SETTINGS,
    **labs: float,
) -> Situation:
    born = date(ON.year - age, 3, 14)
    resources: list[dict[str, Any]] = [patient(sex, born.isoformat())]
    resources += [lab(key, value, ON.isoformat()) for key, value in labs.items()]
    resources += [lab(key, value, (ON - timedelta(days=days)).isoformat()) for key, value, days in earlier]
    onset = None if onset_days is None else (ON - timedelta(days=onset_days)).date().isoformat()
    resources += [condition(code, onset=onset) for code in conditions]
    resources += [
        medication_request(name, authored=(ON - timedelta(days=days)).date().isoformat())
        for name, days in medicines
    ]
    resources += [
        condition(None, text=text, onset=(ON - timedelta(days=days)).date().isoformat())
        for text, days in problems
    ]
    resources += [
        procedure(text, performed=(ON - timedelta(days=days)).isoformat()) for text, days in procedures
    ]
    if iron is not None:
        started = (ON - timedelta(days=iron_days)).date().isoformat()
        resources.append(medication_request(iron, authored=started))
    return situation_from(read_chart(resources, PATIENT_ID, NOW), settings, drafts=drafts)


def fired(s: Situation) -> list[tuple[str, str]]:
    """(rule, indicator) of every workup card, most urgent first."""
    return [(rec.rule.code, rec.indicator) for rec in recommend(s, WORKUP_RULES)]


def fired_on_order(s: Situation) -> list[tuple[str, str]]:
    return [(rec.rule.code, rec.indicator) for rec in recommend(s, PRESCRIBING_RULES)]


__all__ = ["IRON_DRAFT", "SNOMED", "fired", "fired_on_order", "situation"]
