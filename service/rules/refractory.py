"""Iron deficiency that iron does not fix: the IRIDA pattern, and no hemoglobin rise on oral iron.

A TSAT below 10 % with a ferritin that is not low and no inflammation is the pattern of
iron-refractory iron deficiency anemia (IRIDA, TMPRSS6) or aceruloplasminemia (Donker 2014).
Both are rare: the acquired causes of poor iron absorption come first, celiac disease,
H. pylori and autoimmune gastritis (Hershko & Camaschella 2014). A hemoglobin that has not
risen by 10 g/L after 2-4 weeks of oral iron (BSG 2021) asks the same questions plus
adherence and ongoing loss; when the IRIDA pattern is present too, its card says both.
"Ferritin not low" is the iron-replete status of the workup, and "no inflammation" needs a
CRP that is not raised: without a CRP, inflammation is unknown and the pattern unproven.
"""

from __future__ import annotations

from service.cards.orders import CERULOPLASMIN, H_PYLORI, HEMATOLOGY_REFERRAL, TOTAL_IGA, TTG_IGA
from service.citations import (
    BSG_2021_IDA,
    DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS,
    HERSHKO_2014_REFRACTORY_IDA,
)
from service.findings.iron import saturation
from service.findings.model import IronStatus
from service.rules.model import Recommendation, RuleId, Situation

IRIDA_PATTERN = RuleId("irida-pattern", "Low TSAT with ferritin not low: IRIDA or aceruloplasminemia pattern")
NO_RISE_ON_IRON = RuleId("no-rise-on-iron", "No hemoglobin rise on oral iron")
EVIDENCE = ("hemoglobin", "mcv", "ferritin", "tsat", "iron", "tibc", "crp")
AUTOIMMUNE_GASTRITIS = (
    "Autoimmune gastritis has no verified order code here: consider parietal cell and intrinsic factor "
    "antibodies with a gastrin."
)


def irida_pattern(s: Situation) -> Recommendation | None:
    f = s.findings
    # A ferritin on iron is not "replete", but it is not low either: on oral iron that fails, a very
    # low TSAT is the refractory picture itself.
    not_low = (IronStatus.REPLETE, IronStatus.ON_TREATMENT)
    if f.tsat_very_low is None or f.microcytosis is None or f.iron_status not in not_low:
        return None
    if not s.inflammation_excluded:
        return None
    saturated = saturation(s.labs, s.derived)
    tsat = saturated.shown if saturated else ""
    orders, already = s.plan(TTG_IGA, TOTAL_IGA, H_PYLORI, CERULOPLASMIN, HEMATOLOGY_REFERRAL)
    reasoning = [f.tsat_very_low.statement]
    if f.iron is not None:
        reasoning.append(f.iron.statement)
    reasoning.append(
        f"With {s.show('crp')} there is no inflammation to explain it: this is the pattern of "
        "iron-refractory iron deficiency anemia (IRIDA) or aceruloplasminemia (Donker 2014)."
    )
    if f.no_rise_on_iron is not None:
        reasoning.append(f"{f.no_rise_on_iron.statement} A poor response to oral iron fits IRIDA.")
    reasoning += [
        "First exclude the common causes of poor iron absorption: celiac disease, H. pylori and autoimmune "
        f"gastritis (Hershko & Camaschella 2014). {AUTOIMMUNE_GASTRITIS}",
        "Ceruloplasmin screens for aceruloplasminemia; if all of these are normal, hematology can consider "
        "TMPRSS6 gene testing for IRIDA.",
    ]
    return Recommendation(
        rule=IRIDA_PATTERN,
        indicator="warning",
        summary=f"TSAT {tsat} with {s.show('ferritin')} and no inflammation: first exclude celiac disease, "
        "H. pylori, autoimmune gastritis",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS, HERSHKO_2014_REFRACTORY_IDA),
        orders=orders,
        already=already,
    )


def no_rise_on_iron(s: Situation) -> Recommendation | None:
    f = s.findings
    found = f.no_rise_on_iron
    if found is None or f.anemia is None or irida_pattern(s) is not None:
        return None
    orders, already = s.plan(TTG_IGA, TOTAL_IGA, H_PYLORI)
    return Recommendation(
        rule=NO_RISE_ON_IRON,
        indicator="warning",
        summary=f"No hemoglobin rise on oral iron ({s.show('hemoglobin')}): check adherence, ongoing loss "
        "and malabsorption",
        reasoning=(
            found.statement,
            "Check that the iron is taken and tolerated, and look for ongoing blood loss.",
            "Then look for malabsorption: celiac disease, H. pylori and autoimmune gastritis; when all are "
            f"excluded, consider IRIDA (Hershko & Camaschella 2014). {AUTOIMMUNE_GASTRITIS}",
        ),
        evidence=EVIDENCE,
        citations=(BSG_2021_IDA, HERSHKO_2014_REFRACTORY_IDA),
        orders=orders,
        already=already,
    )
