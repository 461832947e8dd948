"""Microcytosis without a ferritin: ferritin is the first test (AAFP 2010)."""

from __future__ import annotations

from service.cards.orders import CRP, FERRITIN, IRON_PANEL
from service.citations import AAFP_2010_MICROCYTOSIS, WHO_2020_FERRITIN
from service.rules.model import Recommendation, RuleId, Situation

NO_FERRITIN = RuleId("no-ferritin", "Microcytosis without a recent ferritin")


def no_ferritin(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.microcytosis is None or s.labs.get("ferritin") is not None:
        return None
    if s.patient.known_thalassemia is not None or not s.needs(FERRITIN):
        return None  # a known thalassemia explains small cells; a pending ferritin needs no card
    orders, already = s.plan(FERRITIN, CRP, IRON_PANEL)
    picture = "Microcytic anemia" if f.anemia else "Microcytosis"
    values = ", ".join(v for v in (s.show("hemoglobin") if f.anemia else "", s.show("mcv")) if v)
    tests = "ferritin with CRP" if CRP in orders else "ferritin"
    reasoning = [x.statement for x in (f.anemia, f.microcytosis) if x is not None]
    reasoning.append(
        f"No usable ferritin from the last {s.settings.iron_lookback_days} days: ferritin is the first test "
        "in microcytosis, as iron deficiency is its commonest cause (AAFP 2010)."
    )
    reasoning.append(
        "CRP shows whether inflammation is raising ferritin (WHO 2020); an iron panel is optional."
    )
    return Recommendation(
        rule=NO_FERRITIN,
        indicator="info",
        summary=f"{picture} ({values}) with no recent ferritin: consider {tests}",
        reasoning=tuple(reasoning),
        evidence=("hemoglobin", "mcv", "mch", "rbc", "crp"),
        citations=(AAFP_2010_MICROCYTOSIS, WHO_2020_FERRITIN),
        orders=orders,
        already=already,
    )
