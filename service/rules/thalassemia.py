"""Thalassemia trait: when to look for it, and what HbA2 and HbF then say (docs/workup.md#thalassemia)."""

from __future__ import annotations

from datetime import timedelta

from service.cards.orders import ALPHA_GLOBIN_GENES, GENETIC_COUNSELLING, HB_HPLC
from service.citations import (
    AAFP_2010_MICROCYTOSIS,
    BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA,
    VEHAPOGLU_2014_INDICES,
    Citation,
)
from service.findings.model import Finding, IronStatus
from service.patient.model import Diagnosis
from service.rules.model import Recommendation, RuleId, Situation

SCREEN = RuleId("thalassemia-screen", "Microcytosis with normal ferritin and a thalassemia pattern")
BETA_TRAIT = RuleId("beta-thalassemia-trait", "HbA2 above 3.5 %: beta-thalassemia trait")
HBA2_WHILE_DEFICIENT = RuleId("hba2-while-iron-deficient", "Normal HbA2 measured while iron deficient")
ALPHA_TRAIT = RuleId(
    "alpha-thalassemia-suspected", "Normal HbA2 and HbF, iron replete: alpha-thalassemia trait?"
)
EVIDENCE = ("hemoglobin", "mcv", "mch", "rbc", "ferritin", "crp", "hba2", "hbf")
# A beta-thalassemia diagnosis on record already explains a raised or falsely normal HbA2.
_EXPLAINS_HBA2 = (Diagnosis.BETA_THALASSEMIA_TRAIT, Diagnosis.THALASSEMIA)


def _statements(*found: Finding | None) -> tuple[str, ...]:
    return tuple(f.statement for f in found if f is not None)


def _cited(*found: Finding | None, more: tuple[Citation, ...] = ()) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys([*(f.citation for f in found if f is not None and f.citation), *more]))


def _pattern(s: Situation) -> Finding | None:
    """Small cells, ferritin normal and a thalassemia pattern, in a patient with no thalassemia on record."""
    f = s.findings
    if f.microcytosis is None or f.iron_status is not IronStatus.REPLETE or s.patient.known_thalassemia:
        return None
    return f.thalassemia_indices or f.high_rbc


def screen_pending(s: Situation) -> bool:
    """The thalassemia pattern awaits its Hb analysis: other workups of the same cells wait for it."""
    return _pattern(s) is not None and s.labs.get("hba2") is None


def thalassemia_screen(s: Situation) -> Recommendation | None:
    f = s.findings
    pattern = _pattern(s)
    if pattern is None or not s.needs(HB_HPLC):
        return None
    mentzer = s.derived.index("Mentzer")
    shown = f"Mentzer index {mentzer.value:.1f}" if f.thalassemia_indices and mentzer else "a high RBC count"
    picture, first = ("Microcytic erythrocytosis", " first") if f.erythrocytosis else ("Microcytosis", "")
    return Recommendation(
        rule=SCREEN,
        indicator="info",
        summary=f"{picture} with normal ferritin and {shown}: consider Hb electrophoresis/HPLC{first}",
        reasoning=(
            *_statements(f.microcytosis, f.iron, pattern),
            "Hemoglobin electrophoresis/HPLC measures HbA2 and HbF: HbA2 above 3.5 % identifies "
            "beta-thalassemia trait (AAFP 2010).",
            *_erythrocytosis_waits(s),
        ),
        evidence=(*EVIDENCE, "mentzer", *(("hematocrit",) if f.erythrocytosis else ())),
        citations=_cited(
            f.microcytosis,
            pattern,
            more=(
                VEHAPOGLU_2014_INDICES,
                *((BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA,) if f.erythrocytosis else ()),
            ),
        ),
        orders=(HB_HPLC,),
    )


def _erythrocytosis_waits(s: Situation) -> tuple[str, ...]:
    found = s.findings.erythrocytosis
    if found is None:
        return ()
    return (
        found.statement,
        "With small cells and a normal ferritin, the thalassemia path comes first (Bessman 1977: most "
        "patients with microcytic polycythemia had thalassemia trait); if HbA2 and HbF are normal, "
        "investigate the erythrocytosis (JAK2 V617F, EPO).",
    )


def beta_thalassemia_trait(s: Situation) -> Recommendation | None:
    f = s.findings
    hba2 = s.labs.get("hba2")
    if f.hba2_raised is None or hba2 is None or (f.microcytosis is None and f.anemia is None):
        return None
    if any(s.patient.has(d) for d in _EXPLAINS_HBA2):
        return None
    orders, already = s.plan(GENETIC_COUNSELLING) if s.reproductive_age else ((), ())
    iron = (
        "Iron deficiency is also present: treat it and look for its cause."
        if f.iron_status.deficient
        else "Iron is not indicated for the trait itself: give it only for proven iron deficiency."
    )
    reasoning = [f.hba2_raised.statement, iron]
    if s.reproductive_age:
        reasoning.append(
            "Genetic counselling helps a patient of reproductive age: a partner's trait matters."
        )
    action = "no iron unless iron deficient" + ("; consider genetic counselling" if orders else "")
    return Recommendation(
        rule=BETA_TRAIT,
        indicator="info",
        summary=f"HbA2 {hba2.display()} is consistent with beta-thalassemia trait: {action}",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(AAFP_2010_MICROCYTOSIS,),
        orders=orders,
        already=already,
    )


def hba2_while_iron_deficient(s: Situation) -> Recommendation | None:
    f = s.findings
    hba2, ferritin = s.labs.get("hba2"), s.labs.get("ferritin")
    if f.hba2_not_raised is None or not f.iron_status.deficient or f.microcytosis is None:
        return None
    if hba2 is None or ferritin is None or any(s.patient.has(d) for d in _EXPLAINS_HBA2):
        return None
    if hba2.when < ferritin.when - timedelta(days=s.settings.iron_lookback_days):
        return None  # measured long before this deficiency: nothing says it was low then
    return Recommendation(
        rule=HBA2_WHILE_DEFICIENT,
        indicator="info",
        summary=f"HbA2 {hba2.display()} was measured while iron deficient: "
        "repeat Hb HPLC after iron repletion",
        reasoning=(
            *_statements(f.hba2_not_raised, f.iron),
            "Iron deficiency lowers HbA2, so a normal value does not exclude beta-thalassemia trait: repeat "
            "the test once iron stores are replete (AAFP 2010).",
        ),
        evidence=EVIDENCE,
        citations=_cited(f.iron, more=(AAFP_2010_MICROCYTOSIS,)),
    )


def alpha_thalassemia_suspected(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.microcytosis is None or f.iron_status is not IronStatus.REPLETE:
        return None
    if f.hba2_not_raised is None or f.hbf_normal is None or s.patient.known_thalassemia is not None:
        return None
    if not s.needs(ALPHA_GLOBIN_GENES):
        return None
    orders, already = s.plan(ALPHA_GLOBIN_GENES, *((GENETIC_COUNSELLING,) if s.reproductive_age else ()))
    return Recommendation(
        rule=ALPHA_TRAIT,
        indicator="info",
        summary="Microcytosis with normal HbA2, HbF and ferritin: consider alpha-globin gene analysis",
        reasoning=(
            *_statements(f.microcytosis, f.hba2_not_raised, f.iron),
            "Persistent microcytosis with normal HbA2 and HbF in an iron-replete patient suggests "
            "alpha-thalassemia trait, which only DNA testing confirms (AAFP 2010).",
        ),
        evidence=EVIDENCE,
        citations=_cited(f.microcytosis, f.iron, more=(AAFP_2010_MICROCYTOSIS,)),
        orders=orders,
        already=already,
    )
