"""Results that disagree with themselves: check them before acting on them.

An MCHC above 37 g/dL is rarely biology (hereditary spherocytosis aside): cold agglutinins,
lipemia or hemolysis in the tube raise it, and the Hb, MCV and MCH of that count are suspect
too. A reported TSAT more than 5 points from iron ÷ TIBC of the same sample means one of the
three is wrong. Either is said once, on a card of its own, when a decision rests on the values it
puts in doubt (service/findings/assess.py decides which); otherwise it is a note.
"""

from __future__ import annotations

from service.citations import AAFP_2007_IDA, CLINICAL_METHODS_1990_RED_CELL_INDICES, Citation
from service.rules.model import Recommendation, RuleId, Situation

CHECK_RESULTS = RuleId("check-results", "Results to check before acting on them")


def check_results(s: Situation) -> Recommendation | None:
    f = s.findings
    flags = [x for x in (f.mchc_artifact, f.tsat_disagrees) if x is not None]
    if not flags:
        return None
    problems = []
    citations: list[Citation] = []
    if f.mchc_artifact is not None:
        problems.append(f"{s.show('mchc')} suggests an artifact")
        citations.append(CLINICAL_METHODS_1990_RED_CELL_INDICES)
    if f.tsat_disagrees is not None:
        problems.append("the reported TSAT differs from iron ÷ TIBC")
        citations.append(AAFP_2007_IDA)
    reasoning = [x.statement for x in flags]
    if f.mchc_artifact is not None:
        reasoning.append(
            "Cold agglutinins, lipemia or hemolysis in the tube can raise the MCHC and distort the other "
            "indices of the same count: ask the lab to warm the sample, and review the smear."
        )
    if f.tsat_disagrees is not None:
        reasoning.append("TSAT is iron ÷ TIBC × 100: one of the three results is wrong; ask the lab.")
    return Recommendation(
        rule=CHECK_RESULTS,
        indicator="info",
        summary=f"Check the results: {' and '.join(problems)}",
        reasoning=tuple(reasoning),
        evidence=("mchc", "hemoglobin", "mcv", "mch", "tsat", "iron", "tibc"),
        citations=tuple(citations),
    )
