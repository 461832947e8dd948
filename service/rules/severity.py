"""Severe anemia: urgent whatever its cause (docs/workup.md#severe-anemia)."""

from __future__ import annotations

from service.citations import AABB_2023_TRANSFUSION
from service.rules.model import Recommendation, RuleId, Situation

SEVERE_ANEMIA = RuleId("severe-anemia", "Severe anemia")


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
