"""A hemoglobin outside the plausible range: never reasoned with, never silent.

A value below 2 g/dL is usually a sample or entry error, but survivable hemoglobins of
1.1-1.9 g/dL are published (Chai 2021: Hb 1.4 g/dL), so a refused value that would be critical
if real asks for verification now instead of vanishing from the workup.
"""

from __future__ import annotations

from datetime import timedelta

from service.citations import CHAI_2021_PROFOUND_ANEMIA
from service.dates import day
from service.findings.model import Finding
from service.labs.panel import Labs
from service.labs.results import Unused
from service.patient.model import PatientContext
from service.workup_settings import WorkupSettings

# Analytes whose refused values could be a real, life-threatening result.
CRITICAL_IF_REAL = ("hemoglobin",)


def refused_critical(labs: Labs, patient: PatientContext, settings: WorkupSettings) -> Unused | None:
    """The latest refused value of the blood count that would be critical if real, not since repeated."""
    oldest = patient.age_on - timedelta(days=settings.cbc_lookback_days)
    refused = [
        u
        for u in labs.unused
        if u.key in CRITICAL_IF_REAL and u.implausible is not None and u.when is not None and u.when >= oldest
    ]
    if not refused:
        return None
    latest = max(refused, key=lambda u: u.when or oldest)
    used = labs.get(latest.key)
    if used is not None and latest.when is not None and used.when > latest.when:
        return None  # a plausible result came after it: already repeated
    return latest


def implausible_critical(labs: Labs, patient: PatientContext, settings: WorkupSettings) -> Finding | None:
    latest = refused_critical(labs, patient, settings)
    if latest is None:
        return None
    when = f" on {day(latest.when)}" if latest.when else ""
    return Finding(
        "implausible-critical",
        f"{latest.name} {latest.reported}{when} lies outside the plausible range and is not reasoned with; "
        "it may be a sample or entry error, but survivable values this extreme are published (Chai 2021).",
        (),
        CHAI_2021_PROFOUND_ANEMIA,
        design_default=True,
    )
