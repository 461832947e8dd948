"""Extreme thrombocytosis: a platelet count of 1000 ×10⁹/L or more goes to hematology, whatever else.

Thrombocytosis above 450 is common and reactive in iron deficiency (recheck after repletion);
with leukocytosis or an Hb not low for the deficiency it is a myeloproliferative clue, which
the masked-polycythemia card reads. At 1000 or more (design default) the count is a question
for hematology of its own (Keohane 2013, as NHS haematology pathways apply it).
"""

from __future__ import annotations

from service.cards.orders import BLOOD_SMEAR, HEMATOLOGY_REFERRAL
from service.citations import KEOHANE_2013_ERYTHROCYTOSIS
from service.rules.model import Recommendation, RuleId, Situation

EXTREME_THROMBOCYTOSIS = RuleId("extreme-thrombocytosis", "Platelets at or above 1000 ×10⁹/L")


def extreme_thrombocytosis(s: Situation) -> Recommendation | None:
    found = s.findings.thrombocytosis
    if found is None or found.id != "extreme-thrombocytosis":
        return None
    orders, already = s.plan(HEMATOLOGY_REFERRAL, BLOOD_SMEAR)
    return Recommendation(
        rule=EXTREME_THROMBOCYTOSIS,
        indicator="warning",
        summary=f"Extreme thrombocytosis ({s.show('platelets')}): consider hematology referral and a smear",
        reasoning=(
            found.statement,
            "A count this high is rarely reactive alone: a myeloproliferative neoplasm needs excluding, and "
            "very high counts carry a bleeding as well as a thrombotic risk. Review the smear; hematology.",
        ),
        evidence=("platelets", "wbc", "hemoglobin", "mcv", "ferritin", "crp"),
        citations=(KEOHANE_2013_ERYTHROCYTOSIS,),
        orders=orders,
        already=already,
        notes=("The 1000 ×10⁹/L threshold is a design default.",),
    )
