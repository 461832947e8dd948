"""The workup as one pure function: hook call → labs → context → findings → recommendations → cards.

Each stage is its own module and can be tested alone; this one only wires them. "Now" is
the time the request was received (``call.received_at``): the pipeline never reads the
clock, so a test or ``microcyte evaluate --now`` can pin it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cds_hooks.errors import CDSHooksError
from cds_hooks.models import Card
from cds_hooks.service import HookCall
from service.cards.render import render_card
from service.chart.drafts import DraftIron
from service.chart.model import Chart
from service.chart.read import read_chart
from service.findings.assess import assess
from service.findings.model import Findings
from service.labs.derived import Derived, derive
from service.labs.panel import Labs, collect, resulted_in_window
from service.patient.build import build_context
from service.patient.model import PatientContext
from service.rules.apply import recommend
from service.rules.model import Recommendation, Situation
from service.rules.never_silent import Silence, silence_reason
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

# What the workup cannot check when an optional prefetch key is unusable.
CONSEQUENCES = {
    "Observation": "lab results",
    "Condition": "known diagnoses, pregnancy and menopausal status",
    "MedicationRequest": "iron prescriptions",
    "MedicationStatement": "iron the patient reports taking",
    "ServiceRequest": "orders already placed",
    "Patient": "age and sex",
    "Procedure": "chemotherapy, which explains low counts in the weeks after a cycle",
}


def _low_count(s: Situation) -> bool:
    f = s.findings
    return any(x is not None for x in (f.cytopenia, f.leukopenia, f.thrombocytopenia))


# A key read for one question only is said to be missing only on a call where that question arises:
# without a low count, chemotherapy changes nothing, and a note on every card would be noise.
ASKED_WHEN: dict[str, Callable[[Situation], bool]] = {"Procedure": _low_count}


@dataclass(frozen=True)
class Workup:
    now: datetime
    labs: Labs
    derived: Derived
    patient: PatientContext
    findings: Findings
    recommendations: tuple[Recommendation, ...]  # every rule that fired, most urgent first
    cards: tuple[Card, ...]  # the first ``max_cards`` recommendations, rendered
    unavailable: tuple[str, ...]  # prefetch keys that could not be used, and what that hides
    silence: Silence | None = None  # small cells and no card: why, from the closed list


def patient_id_of_call(call: HookCall) -> str:
    patient_id = call.context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise CDSHooksError(
            400, f"context.patientId is required for {call.request.hook}", field="context.patientId"
        )
    return patient_id


def situation_of(
    call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS, *, drafts: tuple[DraftIron, ...] = ()
) -> Situation:
    """Labs, patient context and findings of one call: what every rule reasons from."""
    return situation_from(chart_of(call), settings, drafts=drafts)


def situation_from(
    chart: Chart, settings: WorkupSettings = DEFAULT_SETTINGS, *, drafts: tuple[DraftIron, ...] = ()
) -> Situation:
    """The situation a chart presents: the stages after the read, each a pure function."""
    labs = collect(chart, settings)
    patient = build_context(chart, labs.cbc_date or chart.now, settings)
    derived = derive(labs)
    return Situation(
        labs=labs,
        derived=derived,
        patient=patient,
        findings=assess(labs, derived, patient, settings),
        settings=settings,
        resulted_codes=resulted_in_window(chart, settings),
        drafts=drafts,
    )


def chart_of(call: HookCall) -> Chart:
    """The chart of the call's patient, from every resource its prefetch holds."""
    resources = (r for key in call.prefetch.items for r in call.prefetch.resources(key))
    return read_chart(resources, patient_id_of_call(call), call.received_at)


def run_workup(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> Workup:
    situation = situation_of(call, settings)
    fired = recommend(situation)
    unavailable = unavailable_keys(call, situation)
    cards = tuple(render_card(rec, situation, unavailable) for rec in fired[: settings.max_cards])
    s = situation
    silence = silence_reason(s, fired)
    return Workup(
        call.received_at, s.labs, s.derived, s.patient, s.findings, fired, cards, unavailable, silence
    )


def unavailable_keys(call: HookCall, s: Situation) -> tuple[str, ...]:
    """The prefetch keys that could not be used, and what that hides from the question ``s`` asks."""
    said: list[str] = []
    for item in call.prefetch.missing():
        if (asked := ASKED_WHEN.get(item.key)) is not None and not asked(s):
            continue
        hidden = CONSEQUENCES.get(item.key, "its data")
        problem = item.problem or item.state.value
        verb = "were only partly checked" if item.usable else "could not be checked"
        said.append(f"{item.key} ({problem}): {hidden} {verb}")
    return tuple(said)
