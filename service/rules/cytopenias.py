"""Pancytopenia or bicytopenia: a marrow question for hematology, urgent when counts are critical.

Only when a line is moderately low or the cytopenias persist on a count 4 weeks apart: mild,
single-count cytopenias get an info card asking for a repeat count with differential and smear.

With small red cells, low white cells and platelets as well suggest primary marrow pathology
rather than iron deficiency (docs/workup.md#principles). The card is critical when
neutrophils are below 0.5 or platelets below 20 ×10⁹/L. A pancytopenia already on record has
had its workup; only a critical count brings the card back. Nor do counts in the weeks after a
chemotherapy cycle on record get a card (docs/workup.md#cytopenias-on-chemotherapy): that is the
expected myelosuppression, which the treating team follows. A critical count on chemotherapy still
does, naming the treatment and ordering no marrow workup.
"""

from __future__ import annotations

from service.cards.orders import BLOOD_SMEAR, FOLATE, HEMATOLOGY_REFERRAL, VITAMIN_B12
from service.citations import CRAWFORD_2004_NEUTROPENIA, WEINZIERL_2013_PANCYTOPENIA
from service.findings import thresholds as t
from service.findings.marrow import CYTOPENIA_EVIDENCE
from service.findings.model import Finding
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


HB_SET_ASIDE = (
    "The hemoglobin of this count is set aside as implausible (see the verification card), so whether "
    "the red cells are low too cannot be told; the white cells and platelets are reasoned with all the same."
)


def _lines(s: Situation) -> tuple[Finding | None, str]:
    """The cytopenia to act on and its name: two or three lines low, or one line that is critical or
    beside a hemoglobin set aside as implausible (an implausible value never hides the rest of the count)."""
    f = s.findings
    if f.cytopenia is not None:
        return f.cytopenia, f.cytopenia.id.capitalize()
    single = f.leukopenia or f.thrombocytopenia
    if single is None or (f.critical_cytopenia is None and f.implausible_critical is None):
        return None, ""
    return single, single.statement.split(":", 1)[0]


def cytopenias(s: Situation) -> Recommendation | None:
    f = s.findings
    critical = f.critical_cytopenia
    found, name = _lines(s)
    if found is None or (s.patient.has(Diagnosis.PANCYTOPENIA) and critical is None):
        return None
    chemotherapy = f.cytopenia_on_chemotherapy
    if chemotherapy is not None:
        return _on_chemotherapy(s, found, name, critical, chemotherapy) if critical is not None else None
    if critical is None and f.moderate_cytopenia is None and f.cytopenia_persistent is None:
        # A mild cytopenia seen under 4 weeks ago already asked for the repeat: the finding says so.
        return None if f.cytopenia_repeat_pending is not None else _mild(s, found, name)
    orders, already = s.plan(HEMATOLOGY_REFERRAL, BLOOD_SMEAR, VITAMIN_B12, FOLATE)
    counts = _low_counts(s)
    reasoning = [found.statement, *((HB_SET_ASIDE,) if f.implausible_critical is not None else ())]
    reasoning += [x.statement for x in (f.moderate_cytopenia, f.cytopenia_persistent) if x is not None]
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


def _on_chemotherapy(
    s: Situation, found: Finding, name: str, critical: Finding, chemotherapy: Finding
) -> Recommendation:
    """A critical count after chemotherapy: the risk is now, the cause is known; no marrow workup."""
    return Recommendation(
        rule=CYTOPENIA,
        indicator="critical",
        summary=f"{name} with critical counts ({_low_counts(s)}) after chemotherapy: assess urgently today",
        reasoning=(
            found.statement,
            critical.statement,
            chemotherapy.statement,
            "A critical count still carries its risk now: assess the patient urgently, for fever above all "
            "(neutropenic fever is an emergency), and discuss with the treating oncology team today.",
        ),
        evidence=(*CYTOPENIA_EVIDENCE, "mcv"),
        citations=(CRAWFORD_2004_NEUTROPENIA, WEINZIERL_2013_PANCYTOPENIA),
        notes=("Reading counts within 6 weeks of chemotherapy as treatment-related is a design default.",),
    )


def _mild(s: Situation, found: Finding, name: str) -> Recommendation | None:
    """Mild, single-count cytopenias are common and often transient: a repeat count, not the marrow."""
    orders, already = s.plan(BLOOD_SMEAR)
    return Recommendation(
        rule=CYTOPENIA,
        indicator="info",
        summary=f"Mild {name.lower()} ({_low_counts(s)}): consider a repeat count with differential and a "
        f"smear in {t.CYTOPENIA_REPEAT_DAYS // 7} weeks",
        reasoning=(
            found.statement,
            *((HB_SET_ASIDE,) if s.findings.implausible_critical is not None else ()),
            "No line is moderately low (Hb below 10 g/dL, platelets below 100, neutrophils below 1.0 or WBC "
            "below 3.0 ×10⁹/L) and no earlier count shows them: mild cytopenias on one count are common "
            "and often transient (design default).",
            "If they persist on the repeat, or a line falls further, refer to hematology.",
        ),
        evidence=(*CYTOPENIA_EVIDENCE, "mcv"),
        citations=(WEINZIERL_2013_PANCYTOPENIA,),
        orders=orders,
        already=already,
        notes=("The grading of cytopenias is a design default.",),
    )
