"""Small cells the usual causes do not explain: consider a sideroblastic anemia.

Microcytic anemia with ferritin and TSAT not low, no inflammation and no thalassemia pattern
leaves the rarer causes (docs/workup.md#sideroblastic-pattern; Donker 2014): a disorder of heme
synthesis, lead, copper deficiency (zinc excess causes it), drugs and alcohol. A marrow
aspirate with an iron (Perls) stain shows the ring sideroblasts. "No thalassemia pattern"
needs an index or an HbA2 to judge by: without both, the card does not wait but names both
causes and suggests the test that tells them apart, Hb HPLC. Iron loading (a high ferritin with
a high TSAT) is not what inflammation does, so it needs no CRP to rule inflammation out.
"""

from __future__ import annotations

from service.cards.orders import (
    BLOOD_LEAD,
    BLOOD_SMEAR,
    CERULOPLASMIN,
    COPPER,
    HB_HPLC,
    HEMATOLOGY_REFERRAL,
    ZINC,
)
from service.citations import AAFP_2010_MICROCYTOSIS, DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS
from service.findings import thresholds as t
from service.findings.iron import saturation
from service.findings.model import IronStatus
from service.formatting import number
from service.patient.model import Sex
from service.rules.model import Recommendation, RuleId, Situation

SIDEROBLASTIC = RuleId("sideroblastic-pattern", "Microcytic anemia unexplained by iron or thalassemia")
EVIDENCE = ("hemoglobin", "mcv", "rbc", "ferritin", "tsat", "iron", "tibc", "crp", "hba2", "lead")


def _thalassemia_pattern(s: Situation) -> bool:
    f = s.findings
    return bool(
        f.thalassemia_indices
        or f.high_rbc
        or f.hba2_raised
        or f.hba2_variant
        or f.hbs_present
        or s.patient.known_thalassemia
    )


def sideroblastic_pattern(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.microcytosis is None or f.anemia is None or f.iron_status is not IronStatus.REPLETE:
        return None
    tsat = saturation(s.labs, s.derived)
    if tsat is None or tsat.is_below(t.TSAT_LOW) is not False:
        return None
    if not s.inflammation_excluded and f.iron_loading is None:
        return None
    if _thalassemia_pattern(s):
        return None
    mentzer = s.derived.index("Mentzer")
    undecided = mentzer is None and f.hba2_not_raised is None  # a trait is not yet excluded
    if undecided:
        return _undecided(s, tsat.shown)
    orders, already = s.plan(BLOOD_SMEAR, BLOOD_LEAD, COPPER, CERULOPLASMIN, ZINC, HEMATOLOGY_REFERRAL)
    reasoning = [x.statement for x in (f.anemia, f.microcytosis, f.iron, f.iron_loading) if x is not None]
    alas2 = (
        "; in a young man, ALAS2 testing for X-linked sideroblastic anemia"
        if s.patient.sex is Sex.MALE
        else ""
    )
    reasoning += [
        f"Transferrin saturation {tsat.shown} is not low, {_inflammation(s)}, and "
        + (
            f"the Mentzer index {number(mentzer.value)} does not favour thalassemia trait."
            if mentzer is not None
            else "HbA2 is not raised."
        ),
        "Small cells unexplained by iron, inflammation or a thalassemia pattern suggest a sideroblastic "
        "anemia (Donker 2014): review the smear, and measure blood lead, copper, ceruloplasmin and zinc "
        "(zinc excess causes copper deficiency).",
        "Review drugs (isoniazid, linezolid, chloramphenicol) and alcohol.",
        f"Hematology can confirm ring sideroblasts on a marrow aspirate with an iron (Perls) stain{alas2}.",
    ]
    return Recommendation(
        rule=SIDEROBLASTIC,
        indicator="warning",
        summary="Microcytic anemia with ferritin and TSAT not low, no thalassemia pattern: consider a "
        "sideroblastic anemia",
        reasoning=tuple(reasoning),
        evidence=(*EVIDENCE, "mentzer"),
        citations=(DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS, AAFP_2010_MICROCYTOSIS),
        orders=orders,
        already=already,
    )


def _inflammation(s: Situation) -> str:
    if s.inflammation_excluded:
        return f"{s.show('crp')} shows no inflammation"
    return "iron loading is not what inflammation does"


def _undecided(s: Situation, tsat: str) -> Recommendation:
    """No RBC count and no HbA2: a trait and a sideroblastic anemia both fit; Hb HPLC tells them apart."""
    f = s.findings
    orders, already = s.plan(HB_HPLC, BLOOD_SMEAR)
    reasoning = [x.statement for x in (f.anemia, f.microcytosis, f.iron, f.iron_loading) if x is not None]
    reasoning += [
        f"Transferrin saturation {tsat} is not low and {_inflammation(s)}.",
        "Without an RBC count (for the Mentzer index) or an HbA2, a thalassemia trait and a sideroblastic "
        "anemia both fit (Donker 2014): Hb electrophoresis/HPLC tells them apart, and the smear shows "
        "target cells or a dimorphic picture.",
        "If HbA2 is normal, go on to the sideroblastic workup: blood lead, copper, ceruloplasmin, zinc, "
        "drugs and alcohol, and hematology for a marrow aspirate with an iron (Perls) stain.",
    ]
    return Recommendation(
        rule=SIDEROBLASTIC,
        indicator="warning",
        summary="Microcytic anemia with ferritin and TSAT not low: thalassemia trait or a sideroblastic "
        "anemia; consider Hb HPLC and a smear",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS, AAFP_2010_MICROCYTOSIS),
        orders=orders,
        already=already,
    )
