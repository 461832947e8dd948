"""Inflammation: anemia of inflammation, and iron deficiency hiding behind a raised ferritin."""

from __future__ import annotations

from service.cards.orders import IRON_PANEL, SOLUBLE_TRANSFERRIN_RECEPTOR
from service.citations import AAFP_2007_IDA, AGA_2020_IDA, KDIGO_2012_ANEMIA_CKD, WHO_2020_FERRITIN
from service.findings.model import IronStatus
from service.formatting import number
from service.rules.model import Recommendation, RuleId, Situation

ANEMIA_OF_INFLAMMATION = RuleId("anemia-of-inflammation", "Consistent with anemia of inflammation")
POSSIBLE_ID = RuleId("iron-deficiency-with-inflammation", "Possible iron deficiency with inflammation")
CKD_IRON = RuleId("iron-deficiency-ckd", "CKD with anemia and ferritin <= 500, TSAT <= 30 %: iron trial")
EVIDENCE = ("hemoglobin", "mcv", "ferritin", "crp", "tsat", "iron", "tibc", "stfr", "stfr_index")
# sTfR/log ferritin index: < 1 favours anemia of inflammation, > 2 iron deficiency (Pfeiffer & Looker
# 2017; assay dependent).
STFR_INDEX_INFLAMMATION = 1.0
STFR_INDEX_IRON_DEFICIENCY = 2.0


def _tsat_shown(s: Situation) -> str:
    reported = s.labs.get("tsat")
    if reported is not None:
        return f"TSAT {reported.display()}"
    calculated = s.derived.tsat_calculated
    return f"TSAT {number(calculated)} %" if calculated is not None else ""


def _stfr_index_sentence(s: Situation) -> str | None:
    index = s.labs.get("stfr_index")
    if index is None:
        return None
    if index.is_below(STFR_INDEX_INFLAMMATION):
        leaning = "favours anemia of inflammation"
    elif index.is_above(STFR_INDEX_IRON_DEFICIENCY):
        leaning = "favours iron deficiency, alone or with inflammation"
    else:
        leaning = "is indeterminate"
    return f"The sTfR/log ferritin index {index.display()} {leaning} (assay dependent)."


def anemia_of_inflammation(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.inflammation is None or f.iron_status is not IronStatus.REPLETE or f.tsat_low is None:
        return None
    if f.anemia is None and f.microcytosis is None:
        return None
    orders, already = s.plan(SOLUBLE_TRANSFERRIN_RECEPTOR)
    values = ", ".join(v for v in (s.show("crp"), s.show("ferritin"), _tsat_shown(s)) if v)
    reasoning = [f.inflammation.statement, f.tsat_low.statement]
    reasoning.append(
        "With ferritin above 100 µg/L this is consistent with anemia of inflammation: evaluate the "
        "underlying disease; if iron deficiency is still suspected, a soluble transferrin receptor helps."
    )
    if sentence := _stfr_index_sentence(s):
        reasoning.append(sentence)
    return Recommendation(
        rule=ANEMIA_OF_INFLAMMATION,
        indicator="info",
        summary=f"Consistent with anemia of inflammation ({values}): evaluate the underlying disease",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(WHO_2020_FERRITIN, AAFP_2007_IDA),
        orders=orders,
        already=already,
    )


def iron_deficiency_with_inflammation(s: Situation) -> Recommendation | None:
    f = s.findings
    if f.iron_status is not IronStatus.POSSIBLE or f.iron is None or f.inflammation is None:
        return None
    if f.iron.id == "iron-deficiency-ckd":
        return None  # the CKD card reads the same values (KDIGO 2012)
    if f.anemia is None and f.microcytosis is None:
        return None
    orders, already = s.plan(IRON_PANEL, SOLUBLE_TRANSFERRIN_RECEPTOR)
    reasoning = [f.iron.statement, f.inflammation.statement]
    reasoning.append(
        f.tsat_low.statement
        if f.tsat_low
        else "A transferrin saturation below 20 % or a raised soluble transferrin receptor would support "
        "iron deficiency alongside inflammation."
    )
    if sentence := _stfr_index_sentence(s):
        reasoning.append(sentence)
    tests = [
        name
        for order, name in ((IRON_PANEL, "TSAT"), (SOLUBLE_TRANSFERRIN_RECEPTOR, "sTfR"))
        if order in orders
    ]
    action = f"consider {' and '.join(tests)}" if tests else "weigh TSAT and sTfR together"
    values = ", ".join(v for v in (s.show("ferritin"), s.show("crp")) if v)
    return Recommendation(
        rule=POSSIBLE_ID,
        indicator="info",
        summary=f"Possible iron deficiency with inflammation ({values}): {action}",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(WHO_2020_FERRITIN, AAFP_2007_IDA),
        orders=orders,
        already=already,
    )


def iron_deficiency_in_ckd(s: Situation) -> Recommendation | None:
    """KDIGO 2012: CKD with anemia, ferritin <= 500 and TSAT <= 30 %: an iron trial; nephrology decides."""
    f = s.findings
    if f.iron is None or f.iron.id != "iron-deficiency-ckd":
        return None
    return Recommendation(
        rule=CKD_IRON,
        indicator="info",
        summary=f"CKD with anemia, {s.show('ferritin')} and TSAT at most 30 %: consistent with iron "
        "deficiency in CKD; consider an iron trial (KDIGO 2012)",
        reasoning=(
            *((f.anemia.statement,) if f.anemia else ()),
            f.iron.statement,
            "ESA therapy and dialysis change how these values read: agree iron and its route with "
            "nephrology.",
            "A ferritin up to 500 µg/L does not exclude iron deficiency in CKD; the source of any absolute "
            "deficiency still needs finding in men and postmenopausal women (AGA 2020).",
        ),
        evidence=EVIDENCE,
        citations=(KDIGO_2012_ANEMIA_CKD, AGA_2020_IDA),
    )
