"""The response to oral iron: a hemoglobin from before it was started against the latest one.

BSG 2021 expects hemoglobin to rise by at least 10 g/L within 2-4 weeks of oral iron; a
smaller rise means the iron is not taken, not absorbed, or outpaced by losses. The baseline
is the latest hemoglobin up to the day the iron started, and no older than the blood-count
lookback before that day; the follow-up is the hemoglobin the workup uses, 14 days to
``iron_response_max_days`` (90) after the start: a prescription older than that says nothing
about today's hemoglobin.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from service.citations import BSG_2021_IDA
from service.dates import day
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.analytes import ANALYTES
from service.labs.panel import Labs
from service.patient.model import IronPrescription, PatientContext, Route
from service.workup_settings import WorkupSettings


def no_rise_on_iron(
    labs: Labs, patient: PatientContext, settings: WorkupSettings, notes: list[str]
) -> Finding | None:
    oral = [(p.started, p) for p in patient.iron_prescriptions if p.route is Route.ORAL and p.started]
    latest = labs.get("hemoglobin")
    if not oral or latest is None or not latest.exact:
        return None
    since = [(started, p) for started, p in oral if started <= latest.when]
    window = [
        (started, p)
        for started, p in since
        if timedelta(days=t.IRON_RESPONSE_DAYS)
        <= latest.when - started
        <= timedelta(days=settings.iron_response_max_days)
    ]
    if not window:
        longest = timedelta(days=settings.iron_response_max_days)
        too_old = [p for started, p in since if latest.when - started > longest]
        if too_old:
            notes.append(
                f"the response to {too_old[0].name} was not judged: it was started more than "
                f"{longest.days} days before the hemoglobin of {latest.date} (design default: the "
                f"response is read {t.IRON_RESPONSE_DAYS}–{longest.days} days after the start)"
            )
        return None  # too early, or too long ago, to judge
    started, first = min(window, key=lambda pair: pair[0])
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


def iron_therapy_at(patient: PatientContext, when: datetime) -> IronPrescription | None:
    """The iron a result drawn at ``when`` was measured on: oral iron started by then, or IV iron in
    the 8 weeks before (design default). A prescription without a start counts: it is active now,
    and reading its ferritin as the stores is the error to avoid."""
    for p in patient.iron_prescriptions:
        if p.started is None:
            return p
        if p.route is Route.ORAL and p.started <= when + timedelta(days=1):
            return p
        effect = timedelta(days=t.IV_IRON_EFFECT_DAYS)
        if p.route is Route.INTRAVENOUS and p.started <= when <= p.started + effect:
            return p
    return None


def hb_falling_on_iron(labs: Labs, patient: PatientContext, settings: WorkupSettings) -> Finding | None:
    """The latest hemoglobin at least 1 g/dL below a recent one from since (or just before) the iron began."""
    latest = labs.get("hemoglobin")
    started = [p.started for p in patient.iron_prescriptions if p.started is not None]
    if latest is None or not started or not latest.exact:
        return None
    # A fall is recent: against a hemoglobin of the last iron_response_max_days, never one years old.
    oldest = max(
        min(started) - timedelta(days=settings.cbc_lookback_days),
        latest.when - timedelta(days=settings.iron_response_max_days),
    )
    earlier = [r for r in labs.series("hemoglobin") if r.exact and oldest <= r.when < latest.when]
    if not earlier:
        return None
    highest = max(earlier, key=lambda r: r.value)
    if highest.value - latest.value < t.HB_FALL_ON_IRON:
        return None
    return Finding(
        "hb-falling-on-iron",
        f"Hemoglobin is falling on iron: {latest.display()} on {latest.date}, from {highest.display()} on "
        f"{highest.date}, while {', '.join(patient.iron_names)} is prescribed; a fall of "
        f"{_in_g_per_l(t.HB_FALL_ON_IRON)} or more makes the source search urgent (design default).",
        ("hemoglobin",),
        BSG_2021_IDA,
        design_default=True,
    )
