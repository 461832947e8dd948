"""Microcytosis without a ferritin: ferritin is the first test (AAFP 2010).

With a raised Hb or Hct too it is a warning: ferritin is then the value that tells the thalassemia
path from a polycythemia vera masked by iron deficiency (Bessman 1977), and the erythrocytosis
card waits for it rather than ordering JAK2 on the first count.
"""

from __future__ import annotations

from service.cards.orders import CRP, FERRITIN, IRON_PANEL
from service.citations import (
    AAFP_2010_MICROCYTOSIS,
    BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA,
    BSG_2021_IDA,
    WHO_2020_FERRITIN,
)
from service.findings.model import IronStatus
from service.rules.model import Recommendation, RuleId, Situation
from service.rules.refractory import irida_pattern

NO_FERRITIN = RuleId("no-ferritin", "Microcytosis without a recent ferritin")
EVIDENCE = ("hemoglobin", "mcv", "mch", "rbc", "crp")
ON_TREATMENT = RuleId("iron-studies-on-iron", "Ferritin measured on iron therapy")


def no_ferritin(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.microcytosis is None or s.labs.get("ferritin") is not None:
        return None
    if not s.needs(FERRITIN):
        return None  # a pending ferritin needs no card
    # A known thalassemia does not silence this card: a trait explains small cells only with a normal
    # ferritin, and iron deficiency, which it does not explain, is the commoner cause.
    orders, already = s.plan(FERRITIN, CRP, IRON_PANEL)
    raised = f.erythrocytosis is not None
    picture = "Microcytic erythrocytosis" if raised else "Microcytic anemia" if f.anemia else "Microcytosis"
    shown = s.show("hemoglobin") if f.anemia or raised else ""
    values = ", ".join(v for v in (shown, s.show("mcv")) if v)
    tests = "ferritin with CRP" if CRP in orders else "ferritin"
    reasoning = [
        x.statement
        for x in (f.anemia, f.erythrocytosis, f.microcytosis, f.microcytosis_history)
        if x is not None
    ]
    reasoning.append(
        f"No usable ferritin from the last {s.settings.iron_lookback_days} days: ferritin is the first test "
        "in microcytosis, as iron deficiency is its commonest cause (AAFP 2010)."
    )
    if raised:
        # Small cells with a raised Hb/Hct: ferritin is the value that tells the two paths apart.
        reasoning.append(
            "With a raised Hb or Hct, ferritin decides the path: normal, a thalassemia trait is the "
            "commonest cause (Hb HPLC first); low, a polycythemia vera may be masked by the iron "
            "deficiency (JAK2 V617F, EPO, hematology), and iron should wait (Bessman 1977: of 35 such "
            "patients, 26 had thalassemia minor, 4 polycythemia vera, 5 secondary erythrocytosis with iron "
            "deficiency)."
        )
    reasoning.append(
        "CRP shows whether inflammation is raising ferritin (WHO 2020); an iron panel is optional."
    )
    return Recommendation(
        rule=NO_FERRITIN,
        indicator="warning" if raised else "info",
        summary=f"{picture} ({values}) with no recent ferritin: consider {tests}"
        + (" before JAK2 or iron" if raised else ""),
        reasoning=tuple(reasoning),
        evidence=("hemoglobin", "hematocrit", "mcv", "mch", "rbc", "crp") if raised else EVIDENCE,
        citations=(
            (AAFP_2010_MICROCYTOSIS, WHO_2020_FERRITIN, BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA)
            if raised
            else (AAFP_2010_MICROCYTOSIS, WHO_2020_FERRITIN)
        ),
        orders=orders,
        already=already,
    )


def on_treatment(s: Situation) -> Recommendation | None:
    """Small or few red cells with a ferritin taken on iron: say what it cannot show, never "replete"."""
    f = s.findings
    if f.iron_status is not IronStatus.ON_TREATMENT or f.iron is None:
        return None
    if (f.microcytosis is None and f.anemia is None) or irida_pattern(s) is not None:
        return None  # the IRIDA card reads this ferritin already
    reasoning = [x.statement for x in (f.anemia, f.microcytosis, f.iron) if x is not None]
    reasoning += [
        "Judge the treatment by the hemoglobin response: a rise of at least 10 g/L within 2–4 weeks of "
        "oral iron (BSG 2021).",
        "If iron deficiency was the reason for the iron, its cause still needs finding: in men and "
        "postmenopausal women, endoscopy and celiac serology (AGA 2020, BSG 2021).",
    ]
    return Recommendation(
        rule=ON_TREATMENT,
        indicator="info",
        summary=f"F{s.show('ferritin')[1:]} was measured on iron: not read as replete; "
        "review the Hb response and the indication",
        reasoning=tuple(reasoning),
        evidence=("hemoglobin", "mcv", "ferritin", "tsat", "crp"),
        citations=(BSG_2021_IDA,),
        notes=("A ferritin measured on iron is not read as the stores (design default).",),
    )
