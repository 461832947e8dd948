"""Anemia with a reticulocyte production index of 2 or more: blood loss or hemolysis.

A marrow that answers anemia with reticulocytes is not short of iron or failing; the cells
are being lost or destroyed, and LDH with haptoglobin tell hemolysis apart (Tefferi 2003). A
patient on iron is left out: a reticulocyte rise is the expected answer to iron itself.
"""

from __future__ import annotations

from service.cards.orders import HAPTOGLOBIN, LDH
from service.citations import TEFFERI_2003_ANEMIA
from service.formatting import number
from service.rules.model import Recommendation, RuleId, Situation, and_list, named

LOSS_OR_HEMOLYSIS = RuleId("loss-or-hemolysis", "Anemia with a reticulocyte response")


def loss_or_hemolysis(s: Situation) -> Recommendation | None:
    f = s.findings
    found, rpi = f.reticulocyte_response, s.derived.rpi
    if found is None or f.anemia is None or rpi is None or s.patient.iron_prescriptions:
        return None
    orders, already = s.plan(LDH, HAPTOGLOBIN)
    tests = named(orders, {LDH: "LDH", HAPTOGLOBIN: "haptoglobin"})
    return Recommendation(
        rule=LOSS_OR_HEMOLYSIS,
        indicator="info",
        summary=f"Anemia with a reticulocyte production index of {number(rpi)}: think of blood loss or "
        "hemolysis" + (f"; consider {and_list(tests)}" if tests else ""),
        reasoning=(
            f.anemia.statement,
            found.statement,
            "Look for blood loss; a raised LDH with a low haptoglobin points to hemolysis.",
        ),
        evidence=("hemoglobin", "hematocrit", "retic_pct", "retic_abs", "rpi"),
        citations=(TEFFERI_2003_ANEMIA,),
        orders=orders,
        already=already,
    )
