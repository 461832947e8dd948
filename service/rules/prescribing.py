"""Why iron may not help, or may harm, this patient: the labs against a new iron order.

Iron corrects iron deficiency and nothing else. A thalassemia-trait pattern with a normal
ferritin does not respond to it (AAFP 2010), and iron loading, a high ferritin with TSAT
above 45 %, would only add to the load (AASLD 2011). Both need a ferritin that is not low, so
when iron deficiency is confirmed neither applies and there is no card. Erythrocytosis is
the exception: iron can raise the hematocrit of a polycythemia vera that iron deficiency was
masking (Bessman 1977), so it warns whatever the ferritin, in line with the patient-view
card that says to hold iron until polycythemia vera is excluded.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.citations import (
    AAFP_2010_MICROCYTOSIS,
    AASLD_2011_HEMOCHROMATOSIS,
    BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA,
    WHO_2016_MYELOID,
    Citation,
)
from service.findings.iron import saturation
from service.findings.model import Finding, IronStatus
from service.patient.model import Diagnosis
from service.rules.model import Recommendation, RuleId, Situation

WITH_ERYTHROCYTOSIS = RuleId("iron-with-erythrocytosis", "Iron ordered with erythrocytosis")
WITH_IRON_LOADING = RuleId("iron-with-iron-loading", "Iron ordered with iron loading")
WITH_THALASSEMIA = RuleId(
    "iron-with-thalassemia-trait", "Iron ordered for a thalassemia-trait pattern with normal ferritin"
)


@dataclass(frozen=True)
class Caution:
    rule: RuleId
    summary: str
    reasoning: tuple[str, ...]
    evidence: tuple[str, ...]
    citations: tuple[Citation, ...]


def iron_order(s: Situation) -> Recommendation | None:
    """One recommendation with every reason that applies, the weightiest first; None when iron fits.

    An ordinary rule over the situation: its drafts are the iron the hook judges (selected on
    order-select, every one on order-sign), so its wording fits both.
    """
    drafts = s.drafts
    found = [c for c in (_erythrocytosis(s), _iron_loading(s), _thalassemia_trait(s)) if c is not None]
    if not drafts or not found:
        return None
    named = "; ".join(f"{d.name} ({d.route.value})" for d in drafts)
    reasoning = [sentence for c in found for sentence in c.reasoning]
    return Recommendation(
        rule=found[0].rule,
        indicator="warning",
        summary=found[0].summary,
        reasoning=(*dict.fromkeys(reasoning), f"Iron in this order: {named}."),
        evidence=tuple(dict.fromkeys(key for c in found for key in c.evidence)),
        citations=tuple(dict.fromkeys(citation for c in found for citation in c.citations)),
    )


def _erythrocytosis(s: Situation) -> Caution | None:
    f = s.findings
    found = f.erythrocytosis
    if found is None:
        return None
    value = s.show("hematocrit") if "hematocrit" in found.evidence else s.show("hemoglobin")
    reasoning = [found.statement]
    if s.patient.has(Diagnosis.POLYCYTHEMIA_VERA):
        reasoning.append(
            "Polycythemia vera is on record: iron raises the hematocrit; agree iron with hematology."
        )
    else:
        if f.iron_status.deficient and f.iron is not None:
            reasoning.append(f"{f.iron.statement} Iron deficiency can mask polycythemia vera.")
        reasoning.append(
            "Iron can raise the hematocrit of a polycythemia vera (Bessman 1977): exclude it first "
            "(JAK2 V617F, erythropoietin; WHO 2016)."
        )
    return Caution(
        WITH_ERYTHROCYTOSIS,
        f"Iron ordered with erythrocytosis ({value}): iron can raise the hematocrit; exclude polycythemia "
        "vera first",
        tuple(reasoning),
        ("hemoglobin", "hematocrit", "rbc", "mcv", "ferritin"),
        (BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA, WHO_2016_MYELOID),
    )


def _iron_loading(s: Situation) -> Caution | None:
    found = s.findings.iron_loading
    tsat = saturation(s.labs, s.derived)
    if found is None or tsat is None:
        return None
    return Caution(
        WITH_IRON_LOADING,
        f"Iron ordered with iron loading ({s.show('ferritin')}, TSAT {tsat.shown}): more iron adds to the "
        "load",
        (
            found.statement,
            "Look for the cause of the loading (hemochromatosis, transfusions, an ineffective erythropoiesis "
            "such as a sideroblastic anemia) rather than giving iron (AASLD 2011).",
        ),
        ("ferritin", "tsat", "iron", "tibc", "hemoglobin", "mcv"),
        (AASLD_2011_HEMOCHROMATOSIS,),
    )


def _thalassemia_trait(s: Situation) -> Caution | None:
    f = s.findings
    ferritin = s.labs.get("ferritin")
    if f.iron_status is not IronStatus.REPLETE or f.iron is None or ferritin is None:
        return None
    pattern: list[Finding] = [x for x in (f.hba2_raised,) if x is not None]
    if f.microcytosis is not None:
        pattern += [x for x in (f.thalassemia_indices, f.high_rbc) if x is not None]
    known = s.patient.known_thalassemia
    if not pattern and known is None:
        return None
    reasoning = [x.statement for x in pattern]
    if known is not None:
        reasoning.append(f"Known {known.label} on record.")
    reasoning += [
        f.iron.statement,
        "Iron corrects iron deficiency only: a thalassemia trait does not respond to it, and needless iron "
        "adds to the stores. Give iron only for proven iron deficiency (AAFP 2010).",
    ]
    return Caution(
        WITH_THALASSEMIA,
        f"Iron ordered for a thalassemia-trait pattern with normal ferritin ({ferritin.display()}): iron "
        "will not correct it",
        tuple(reasoning),
        ("hemoglobin", "mcv", "rbc", "ferritin", "hba2", "mentzer"),
        (AAFP_2010_MICROCYTOSIS,),
    )
