"""The response to oral iron: a hemoglobin from before it was started against the latest one.

BSG 2021 expects hemoglobin to rise by at least 10 g/L within 2-4 weeks of oral iron; a
smaller rise means the iron is not taken, not absorbed, or outpaced by losses. The baseline
is the latest hemoglobin up to the day the iron started, and no older than the blood-count
lookback before that day; the follow-up is the hemoglobin the workup uses, at least two
weeks after the start.
"""

from __future__ import annotations

from datetime import timedelta

from service.citations import BSG_2021_IDA
from service.dates import day
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.analytes import ANALYTES
from service.labs.panel import Labs
from service.patient.model import PatientContext, Route
from service.workup_settings import WorkupSettings


def no_rise_on_iron(
    labs: Labs, patient: PatientContext, settings: WorkupSettings, notes: list[str]
) -> Finding | None:
    oral = [(p.started, p) for p in patient.iron_prescriptions if p.route is Route.ORAL and p.started]
    latest = labs.get("hemoglobin")
    if not oral or latest is None or not latest.exact:
        return None
    started, first = min(oral, key=lambda pair: pair[0])
    if latest.when < started + timedelta(days=t.IRON_RESPONSE_DAYS):
        return None  # too early to judge
    oldest = started - timedelta(days=settings.cbc_lookback_days)
    before = [
        r for r in labs.series("hemoglobin") if r.exact and oldest <= r.when < started + timedelta(days=1)
    ]
    if not before:
        notes.append(
            f"the response to {first.name} (started {day(started)}) could not be judged: no hemoglobin "
            f"from the {settings.cbc_lookback_days} days before it was started"
        )
        return None
    baseline = before[-1]
    rise = latest.value - baseline.value
    if rise >= t.HB_RISE_ON_IRON:
        return None
    weeks = (latest.when - started).days // 7
    return Finding(
        "no-rise-on-iron",
        f"No response to oral iron: hemoglobin went from {baseline.display()} on {baseline.date} to "
        f"{latest.display()} on {latest.date}, a change of {_in_g_per_l(rise)} in the {weeks} weeks since "
        f"{first.name} "
        f"was started on {day(started)}; a rise of at least {_in_g_per_l(t.HB_RISE_ON_IRON)} is expected "
        "within 2–4 weeks (BSG 2021).",
        ("hemoglobin",),
        BSG_2021_IDA,
    )


def _in_g_per_l(hemoglobin: float) -> str:
    # BSG states the expected rise in g/L; the card quotes it, and the rise, as BSG does.
    return f"{number(ANALYTES['hemoglobin'].expressed(hemoglobin, 'g/L'))} g/L"
