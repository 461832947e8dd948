"""Urgent whatever the cause: severe anemia, and a refused hemoglobin that would be critical if real
(docs/workup.md#severe-anemia)."""

from __future__ import annotations

from service.citations import AABB_2023_TRANSFUSION, CHAI_2021_PROFOUND_ANEMIA
from service.dates import day
from service.findings.verify import refused_critical
from service.rules.model import Recommendation, RuleId, Situation

SEVERE_ANEMIA = RuleId("severe-anemia", "Severe anemia")
VERIFY_NOW = RuleId("verify-result-now", "Implausible result that would be critical if real")


def verify_result(s: Situation) -> Recommendation | None:
    found = s.findings.implausible_critical
    if found is None:  # the finding is the refused value: without it, there is none to look up
        return None
    refused = refused_critical(s.labs, s.patient, s.settings)
    if refused is None:
        return None
    when = f" on {day(refused.when)}" if refused.when else ""
    return Recommendation(
        rule=VERIFY_NOW,
        indicator="critical",
        summary=f"Hb {refused.reported}{when} is implausible: verify this result now (repeat; rule out a "
        "sample error); if real, it is life-threatening",
        reasoning=(
            found.statement,
            "Repeat the count on a fresh sample (not from a drip arm) and check the unit; if the value is "
            "confirmed, it needs emergency assessment.",
        ),
        evidence=("hemoglobin", "mcv", "hematocrit"),
        citations=(CHAI_2021_PROFOUND_ANEMIA,),
        notes=("The plausible range of hemoglobin, 2–25 g/dL, is a design default.",),
    )


def severe_anemia(s: Situation) -> Recommendation | None:
    found = s.findings.severe_anemia
    if found is None:
        return None
    return Recommendation(
        rule=SEVERE_ANEMIA,
        indicator="critical",
        summary=f"Severe anemia ({s.show('hemoglobin')}): urgent clinical assessment",
        reasoning=(
            found.statement,
            "Hemoglobin below 7 g/dL needs urgent clinical assessment whatever its cause; the workup of the "
            "small cells can follow.",
        ),
        evidence=("hemoglobin", "mcv", "hematocrit"),
        citations=(AABB_2023_TRANSFUSION,),
        notes=(
            "The 7 g/dL threshold is a design default: the restrictive transfusion threshold of AABB 2023.",
        ),
    )
