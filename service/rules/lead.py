"""An elevated blood lead: at or above the CDC reference value of 3.5 µg/dL (MMWR 2021;70:1509).

Any result of the last year counts, with or without small cells: lead is a finding in its own
right. A capillary result is confirmed on a venous sample, and a venous one followed up, so
the venous lead is suggested again whatever is on record, unless one is already ordered.
"""

from __future__ import annotations

from service.cards.orders import BLOOD_LEAD_FOLLOW_UP
from service.citations import CDC_2021_LEAD
from service.findings.causes import CAPILLARY_LEAD
from service.rules.model import Recommendation, RuleId, Situation

ELEVATED_LEAD = RuleId("elevated-lead", "Blood lead at or above the CDC reference value")


def elevated_lead(s: Situation) -> Recommendation | None:
    found, lead = s.findings.lead_elevated, s.labs.get("lead")
    if found is None or lead is None:
        return None
    orders, already = s.plan(BLOOD_LEAD_FOLLOW_UP)
    capillary = lead.code == CAPILLARY_LEAD
    repeat = (
        "A capillary sample can be contaminated by lead on the skin: confirm the level on a venous sample."
        if capillary
        else "Follow the venous level up as CDC advises for this level."
    )
    return Recommendation(
        rule=ELEVATED_LEAD,
        indicator="warning",
        summary=f"Elevated blood lead ({lead.display()}): take an exposure history and "
        + ("confirm on a venous sample" if capillary else "repeat the venous level"),
        reasoning=(
            found.statement,
            repeat,
            "Take an exposure history (home built before 1978, work, hobbies, imported remedies, spices and "
            "cosmetics) and involve the local public-health lead program (CDC).",
            "Lead also causes a microcytic anemia with basophilic stippling, and iron deficiency increases "
            "lead absorption.",
        ),
        evidence=("lead", "hemoglobin", "mcv", "ferritin"),
        citations=(CDC_2021_LEAD,),
        orders=orders,
        already=already,
    )
