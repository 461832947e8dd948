"""The workup as one pure function: hook call → labs → context → findings → recommendations → cards.

Each stage is its own module and can be tested alone; this one only wires them. "Now" is
the time the request was received (``call.received_at``): the pipeline never reads the
clock, so a test or ``microcyte evaluate --now`` can pin it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from cds_hooks.errors import CDSHooksError
from cds_hooks.models import Card
from cds_hooks.service import HookCall
from service.cards.orders import DONE_CODES
from service.cards.render import render_card
from service.findings.assess import assess
from service.findings.model import Findings
from service.labs.analytes import LOINC
from service.labs.derived import Derived, derive
from service.labs.panel import Labs, collect
from service.labs.reading import USABLE_STATUSES, effective_time
from service.patient.build import build_context
from service.patient.model import PatientContext
from service.references import patient_id_of
from service.rules.model import Recommendation, Situation
from service.rules.registry import RULES
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

# What the workup cannot check when an optional prefetch key is unusable.
CONSEQUENCES = {
    "Observation": "lab results",
    "Condition": "known diagnoses, pregnancy and menopausal status",
    "MedicationRequest": "iron prescriptions",
    "ServiceRequest": "orders already placed",
    "Patient": "age and sex",
}
URGENCY = {"critical": 0, "warning": 1, "info": 2}


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


def patient_id_of_call(call: HookCall) -> str:
    patient_id = call.context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise CDSHooksError(400, "context.patientId is required for patient-view", field="context.patientId")
    return patient_id


def run_workup(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> Workup:
    patient_id = patient_id_of_call(call)
    now = call.received_at
    observations = call.prefetch.resources("Observation")
    labs = collect(observations, patient_id, now, settings)
    patient = build_context(
        patient_id=patient_id,
        patient=call.prefetch.resources("Patient"),
        conditions=call.prefetch.resources("Condition"),
        observations=observations,
        medication_requests=call.prefetch.resources("MedicationRequest"),
        service_requests=call.prefetch.resources("ServiceRequest"),
        on=labs.cbc_date or now,
        settings=settings,
    )
    derived = derive(labs)
    findings = assess(labs, derived, patient)
    situation = Situation(
        labs=labs,
        derived=derived,
        patient=patient,
        findings=findings,
        settings=settings,
        resulted_codes=resulted_codes(observations, patient_id, now, settings),
    )
    fired = [rec for rule in RULES if (rec := rule(situation)) is not None]
    fired.sort(key=lambda rec: URGENCY[rec.indicator])  # stable: rule order breaks ties
    unavailable = unavailable_keys(call)
    cards = tuple(render_card(rec, situation, unavailable) for rec in fired[: settings.max_cards])
    return Workup(now, labs, derived, patient, findings, tuple(fired), cards, unavailable)


def unavailable_keys(call: HookCall) -> tuple[str, ...]:
    said: list[str] = []
    for item in call.prefetch.missing():
        hidden = CONSEQUENCES.get(item.key, "its data")
        problem = item.problem or item.state.value
        verb = "were only partly checked" if item.usable else "could not be checked"
        said.append(f"{item.key} ({problem}): {hidden} {verb}")
    return tuple(said)


def resulted_codes(
    observations: list[dict[str, Any]], patient_id: str, now: datetime, settings: WorkupSettings
) -> Mapping[str, datetime]:
    """The latest date of each order-only result code (celiac serology, JAK2), for "already done"."""
    oldest = now - timedelta(days=settings.long_lookback_days)
    latest: dict[str, datetime] = {}
    for raw in observations:
        code = _done_code(raw)
        if code is None or patient_id_of(raw.get("subject")) != patient_id:
            continue
        try:
            observation = Observation.model_validate(raw)
        except ValidationError:
            continue
        when = effective_time(observation)
        if observation.status in USABLE_STATUSES and when is not None and oldest <= when:
            latest[code] = max(when, latest.get(code, when))
    return latest


def _done_code(raw: Any) -> str | None:
    if not isinstance(raw, dict) or raw.get("resourceType") != "Observation":
        return None
    code = raw.get("code")
    for coding in code.get("coding") or [] if isinstance(code, dict) else []:
        if isinstance(coding, dict) and coding.get("system") == LOINC and coding.get("code") in DONE_CODES:
            return str(coding["code"])
    return None
