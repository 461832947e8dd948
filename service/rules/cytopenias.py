"""Pancytopenia or bicytopenia: a marrow question for hematology, urgent when counts are critical.

With small red cells, low white cells and platelets as well suggest primary marrow pathology
rather than iron deficiency (docs/workup.md#principles). The card is critical when
neutrophils are below 0.5 or platelets below 20 ×10⁹/L. A pancytopenia already on record has
had its workup; only a critical count brings the card back.
"""

from __future__ import annotations

from service.cards.orders import BLOOD_SMEAR, FOLATE, HEMATOLOGY_REFERRAL, VITAMIN_B12
from service.citations import WEINZIERL_2013_PANCYTOPENIA
from service.findings import thresholds as t
from service.findings.marrow import CYTOPENIA_EVIDENCE
from service.patient.model import Diagnosis
from service.rules.model import Recommendation, RuleId, Situation, and_list, named

CYTOPENIA = RuleId("cytopenias", "Pancytopenia or bicytopenia")
SHORT = {
    HEMATOLOGY_REFERRAL: "hematology referral",
    BLOOD_SMEAR: "smear",
    VITAMIN_B12: "B12",
    FOLATE: "folate",
}


def _low_counts(s: Situation) -> str:
    """The counts that are low, for the summary: a normal one there would only distract."""
    f = s.findings
    anc = s.labs.get("neutrophils")
    shown = [s.show("hemoglobin") if f.anemia else ""]
    if f.leukopenia is not None:
        shown.append(s.show("neutrophils") if anc is not None and anc.is_below(t.ANC_LOW) else s.show("wbc"))
    if f.thrombocytopenia is not None:
        shown.append(s.show("platelets"))
    return ", ".join(v for v in shown if v)


def cytopenias(s: Situation) -> Recommendation | None:
    f = s.findings
    found, critical = f.cytopenia, f.critical_cytopenia
    if found is None or (s.patient.has(Diagnosis.PANCYTOPENIA) and critical is None):
        return None
    orders, already = s.plan(HEMATOLOGY_REFERRAL, BLOOD_SMEAR, VITAMIN_B12, FOLATE)
    name, counts = found.id.capitalize(), _low_counts(s)
    reasoning = [found.statement]
    if critical is not None:
        risks = [
            risk
            for risk, result, limit in (
                ("infection", s.labs.get("neutrophils"), t.ANC_CRITICAL),
                ("bleeding", s.labs.get("platelets"), t.PLATELETS_CRITICAL),
            )
            if result is not None and result.is_below(limit)
        ]
        reasoning += [
            critical.statement,
            f"This carries a risk of {' and '.join(risks)} now: assess the patient urgently and discuss with "
            "hematology today.",
        ]
    if f.microcytosis is not None:
        reasoning.append(
            "With small red cells, low counts in other lineages point to the marrow rather than to iron "
            "deficiency alone."
        )
    reasoning.append(
        "A smear, vitamin B12 and folate look for treatable causes; hematology will usually examine the "
        "marrow (aspirate and biopsy) for marrow failure, infiltration or myelodysplasia."
    )
    tests = named(orders, SHORT)
    if critical is not None:
        summary = f"{name} with critical counts ({counts}): urgent assessment and hematology today"
    elif tests:
        summary = f"{name} ({counts}): consider {and_list(tests)}"
    else:
        summary = f"{name} ({counts}): review with hematology"
    return Recommendation(
        rule=CYTOPENIA,
        indicator="critical" if critical is not None else "warning",
        summary=summary,
        reasoning=tuple(reasoning),
        evidence=(*CYTOPENIA_EVIDENCE, "mcv"),
        citations=(WEINZIERL_2013_PANCYTOPENIA,),
        orders=orders,
        already=already,
    )
