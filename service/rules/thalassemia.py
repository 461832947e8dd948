"""Thalassemia trait: when to look for it, and what HbA2 and HbF then say (docs/workup.md#thalassemia)."""

from __future__ import annotations

from datetime import timedelta

from service.cards.orders import ALPHA_GLOBIN_GENES, GENETIC_COUNSELLING, HB_HPLC, HEMATOLOGY_REFERRAL
from service.citations import (
    AAFP_2010_MICROCYTOSIS,
    BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA,
    MAIS_2009_HBA2_HBE,
    NHS_SCT_HANDBOOK,
    VEHAPOGLU_2014_INDICES,
    Citation,
)
from service.findings.model import Finding, IronStatus
from service.patient.model import Diagnosis
from service.rules.model import Recommendation, RuleId, Situation

SCREEN = RuleId("thalassemia-screen", "Microcytosis with normal ferritin and a thalassemia pattern")
BETA_TRAIT = RuleId("beta-thalassemia-trait", "HbA2 above 3.5 %: beta-thalassemia trait")
HBA2_WHILE_DEFICIENT = RuleId("hba2-while-iron-deficient", "Normal HbA2 measured while iron deficient")
HB_VARIANT = RuleId("hb-variant-in-a2-window", "HbA2 above 10 %: HbE or another variant, not a trait")
HBS = RuleId("hbs-present", "HbS present: sickle trait or a sickle syndrome, not beta-thalassemia trait")
HBF_RAISED = RuleId("hbf-raised", "Raised HbF: delta-beta thalassemia, HPFH or a hemoglobinopathy")
ALPHA_TRAIT = RuleId(
    "alpha-thalassemia-suspected", "Normal HbA2 and HbF, iron replete: alpha-thalassemia trait?"
)
EVIDENCE = ("hemoglobin", "mcv", "mch", "rbc", "ferritin", "crp", "hba2", "hbf", "hbs")
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
        # Microcytic erythrocytosis is a warning at its first step too (reference, section 5): the
        # erythrocytosis card waits for this one.
        indicator="warning" if f.erythrocytosis else "info",
        summary=f"{picture} with normal ferritin and {shown}: consider Hb electrophoresis/HPLC{first}",
        reasoning=(
            *_statements(f.microcytosis, f.microcytosis_history, f.iron, pattern),
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
    if f.hbs_present is not None or any(s.patient.has(d) for d in _EXPLAINS_HBA2):
        return None  # with HbS the picture is never called beta-thalassemia trait (its own card)
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
            *_statements(
                f.microcytosis,
                f.hba2_not_raised,
                f.hbf_normal if f.hbf_normal.design_default else None,
                f.iron,
            ),
            "Persistent microcytosis with normal HbA2 and HbF in an iron-replete patient suggests "
            "alpha-thalassemia trait, which only DNA testing confirms (AAFP 2010).",
        ),
        evidence=EVIDENCE,
        citations=_cited(f.microcytosis, f.iron, more=(AAFP_2010_MICROCYTOSIS,)),
        orders=orders,
        already=already,
        notes=(
            ("An adult HbF up to 2 % counts as normal when the lab gives no range (design default).",)
            if f.hbf_normal.design_default
            else ()
        ),
    )


def hb_variant(s: Situation) -> Recommendation | None:
    f = s.findings
    hba2 = s.labs.get("hba2")
    if f.hba2_variant is None or hba2 is None or (f.microcytosis is None and f.anemia is None):
        return None
    orders, already = s.plan(GENETIC_COUNSELLING) if s.reproductive_age else ((), ())
    reasoning = [
        f.hba2_variant.statement,
        'On cation-exchange HPLC HbE co-elutes with HbA2 (often reported as "HbA2/E"); capillary '
        "electrophoresis separates them: ask the lab to identify the variant before calling it a trait.",
        "Iron deficiency, if present, needs its own treatment and cause.",
    ]
    if s.reproductive_age:
        reasoning.append(
            "Genetic counselling helps a patient of reproductive age: a partner's trait matters."
        )
    return Recommendation(
        rule=HB_VARIANT,
        indicator="info",
        summary=f"HbA2 {hba2.display()} is above 10 %: consistent with HbE or another variant; "
        "ask the lab to identify it",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(MAIS_2009_HBA2_HBE,),
        orders=orders,
        already=already,
        notes=("HbA2 above 10 % is read as a variant, not a raised HbA2 (design default).",),
    )


def hbs_present(s: Situation) -> Recommendation | None:
    f = s.findings
    hbs = s.labs.get("hbs")
    found = f.hbs_present
    if found is None or hbs is None or (f.microcytosis is None and f.anemia is None):
        return None
    above = found.id == "hbs-above-trait"
    a2 = s.labs.get("hba2")
    raised_a2 = f.hba2_raised is not None
    if above or raised_a2:
        orders, already = s.plan(HEMATOLOGY_REFERRAL)
        reasoning = [
            found.statement,
            *((f"HbA2 {a2.display()} is raised.",) if raised_a2 and a2 is not None else ()),
            "With HbS present this is not beta-thalassemia trait: HbS above HbA with small cells and a "
            "raised HbA2 is the pattern of sickle–beta-thalassemia, a sickle syndrome (NHS SCT handbook).",
            "Hematology review of the HPLC; iron only for proven iron deficiency.",
        ]
        return Recommendation(
            rule=HBS,
            indicator="warning",
            summary=f"HbS {hbs.display()} with {'small cells' if f.microcytosis else 'anemia'}: consistent "
            "with a sickle syndrome, not a trait; consider hematology",
            reasoning=tuple(reasoning),
            evidence=EVIDENCE,
            citations=(NHS_SCT_HANDBOOK,),
            orders=orders,
            already=already,
        )
    return Recommendation(
        rule=HBS,
        indicator="info",
        summary=f"HbS {hbs.display()} is consistent with sickle trait: the "
        f"{'small cells' if f.microcytosis else 'anemia'} still need their own cause",
        reasoning=(
            found.statement,
            "Sickle trait does not cause microcytosis: look for iron deficiency or an alpha-thalassemia "
            "trait, which often accompanies it (NHS SCT laboratory handbook).",
        ),
        evidence=EVIDENCE,
        citations=(NHS_SCT_HANDBOOK,),
    )


def hbf_raised(s: Situation) -> Recommendation | None:
    """A raised HbF is a finding of its own, unless a beta-thalassemia or HbS explains it."""
    f = s.findings
    hbf = s.labs.get("hbf")
    if f.hbf_raised is None or hbf is None or (f.microcytosis is None and f.anemia is None):
        return None
    if f.hba2_raised or f.hbs_present or any(s.patient.has(d) for d in _EXPLAINS_HBA2):
        return None
    orders, already = s.plan(HEMATOLOGY_REFERRAL)
    return Recommendation(
        rule=HBF_RAISED,
        indicator="info",
        summary=f"HbF {hbf.display()} is raised: consistent with delta-beta thalassemia, HPFH or a "
        "hemoglobinopathy; consider hematology",
        reasoning=(
            *_statements(f.microcytosis, f.iron, f.hbf_raised, f.hba2_not_raised),
            "A raised HbF with small cells and a normal HbA2 fits delta-beta thalassemia; HPFH and other "
            "variants raise it too: hematology review of the HPLC (AAFP 2010).",
        ),
        evidence=EVIDENCE,
        citations=(AAFP_2010_MICROCYTOSIS,),
        orders=orders,
        already=already,
        notes=(
            ("An adult HbF above 2 % counts as raised when the lab gives no range (design default).",)
            if f.hbf_raised.design_default
            else ()
        ),
    )
