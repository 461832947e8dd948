"""Iron loading is a step of its own, whatever else the chart explains (docs/workup.md#iron-loading).

A ferritin above the sex limit with a TSAT above 45 % and no inflammation is iron loading: HFE
genotyping (C282Y, H63D) and liver tests (EASL 2022). A known thalassemia trait explains small
cells, not the loading, and can add to it; a sideroblastic anemia loads iron too, and its card
looks for that cause while this one looks for haemochromatosis. A ferritin of 1000 µg/L or more
that is not loading by its TSAT is a step too: with no TSAT, the iron panel that tells loading
from the other causes of a high ferritin; with a TSAT not raised, liver tests for those causes.
On iron therapy the studies show the treatment, and neither finding is made.
"""

from __future__ import annotations

from service.cards.orders import CRP, HFE_GENOTYPING, IRON_PANEL, LIVER_TESTS
from service.citations import EASL_2022_HAEMOCHROMATOSIS
from service.findings import thresholds as t
from service.findings.iron import saturation
from service.formatting import number
from service.rules.model import Recommendation, RuleId, Situation, and_list, named

IRON_LOADING = RuleId("iron-loading", "Iron loading: look for haemochromatosis")
SHORT = {
    HFE_GENOTYPING: "HFE genotyping",
    LIVER_TESTS: "liver tests",
    IRON_PANEL: "an iron panel (TSAT)",
    CRP: "CRP",
}
EVIDENCE = ("ferritin", "tsat", "iron", "tibc", "crp")


def iron_loading(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.inflammation is not None:
        return None  # inflammation raises ferritin: the reference's iron loading is without it
    if f.iron_loading is not None:
        return _loading(s)
    if f.ferritin_very_high is not None:
        return _very_high(s)
    return None


def _loading(s: Situation) -> Recommendation | None:
    f = s.findings
    found = f.iron_loading
    tsat = saturation(s.labs, s.derived)
    if found is None or tsat is None:
        return None
    orders, already = s.plan(HFE_GENOTYPING, LIVER_TESTS)
    if not orders:
        return None  # both on order: the results are the next step
    reasoning = [found.statement]
    trait = s.patient.known_thalassemia
    if trait is not None:
        reasoning.append(
            f"The known {trait.label} explains small cells, not iron loading, and can add to it: look for "
            "the cause of the loading all the same."
        )
    reasoning += [
        "A raised transferrin saturation with a raised ferritin calls for HFE genotyping (C282Y, H63D) and "
        "an assessment of the liver (EASL 2022); with ferritin above "
        f"{number(t.FERRITIN_VERY_HIGH)} µg/L, liver fibrosis is assessed as well.",
        "Do not give iron; other causes of loading are transfusions and an ineffective erythropoiesis "
        "(a thalassemia, a sideroblastic anemia).",
    ]
    if s.labs.get("crp") is None:
        reasoning.append(
            "No CRP in window: a TSAT above 45 % is not what inflammation does, so the loading stands."
        )
    return Recommendation(
        rule=IRON_LOADING,
        indicator="warning",
        summary=f"Iron loading ({s.show('ferritin')}, TSAT {tsat.shown}): consider "
        f"{and_list(named(orders, SHORT))}",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(EASL_2022_HAEMOCHROMATOSIS,),
        orders=orders,
        already=already,
    )


def _very_high(s: Situation) -> Recommendation | None:
    found = s.findings.ferritin_very_high
    if found is None:
        return None
    tsat = saturation(s.labs, s.derived)
    crp = () if s.labs.get("crp") is not None else (CRP,)
    orders, already = s.plan(IRON_PANEL, *crp) if tsat is None else s.plan(LIVER_TESTS, *crp)
    if not orders:
        return None
    if tsat is None:
        lead = f"Ferritin {s.show('ferritin').removeprefix('ferritin ')} with no TSAT"
        why = (
            "A TSAT above 45 % makes it iron loading (HFE genotyping and liver tests follow); a normal TSAT "
            "points to the other causes of a high ferritin, inflammation, liver disease and the metabolic "
            "syndrome among them (EASL 2022)."
        )
    else:
        lead = f"Ferritin {s.show('ferritin').removeprefix('ferritin ')} with TSAT {tsat.shown}"
        why = (
            "A ferritin this high with a TSAT that is not raised is not HFE haemochromatosis, but it still "
            "needs its cause: liver disease, alcohol, the metabolic syndrome, inflammation, or iron in the "
            "liver all the same (EASL 2022), which a liver MRI can measure."
        )
    return Recommendation(
        rule=IRON_LOADING,
        indicator="info",
        summary=f"{lead}: consider {and_list(named(orders, SHORT))}",
        reasoning=(found.statement, why),
        evidence=EVIDENCE,
        citations=(EASL_2022_HAEMOCHROMATOSIS,),
        orders=orders,
        already=already,
        notes=(f"The {number(t.FERRITIN_VERY_HIGH)} µg/L limit is a design default.",),
    )
