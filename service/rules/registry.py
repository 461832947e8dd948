"""Every rule, by the service that runs it, in priority order.

Both services run their rules in one engine (:func:`service.rules.apply.recommend`): among
cards of one indicator, the earlier rule comes first.
"""

from __future__ import annotations

from service.rules import (
    cytopenias,
    data_quality,
    erythrocytosis,
    hemolysis,
    high_counts,
    inflammation,
    iron_deficiency,
    iron_loading,
    iron_studies,
    lead,
    prescribing,
    refractory,
    repeat_tests,
    secondary_causes,
    severity,
    sideroblastic,
    thalassemia,
)
from service.rules.model import Recommendation, Rule, Situation
from service.rules.never_silent import next_step

_CORE_RULES: tuple[Rule, ...] = (
    severity.verify_result,
    severity.severe_anemia,
    cytopenias.cytopenias,
    iron_deficiency.masked_polycythemia,
    secondary_causes.testosterone_hematocrit,
    erythrocytosis.erythrocytosis,
    high_counts.extreme_thrombocytosis,
    iron_deficiency.source_search,
    refractory.irida_pattern,
    refractory.no_rise_on_iron,
    sideroblastic.sideroblastic_pattern,
    iron_loading.iron_loading,
    lead.elevated_lead,
    iron_deficiency.pregnancy,
    iron_deficiency.premenopausal,
    iron_deficiency.child,
    iron_studies.no_ferritin,
    iron_studies.on_treatment,
    inflammation.iron_deficiency_with_inflammation,
    inflammation.iron_deficiency_in_ckd,
    inflammation.anemia_of_inflammation,
    thalassemia.hbs_present,
    thalassemia.hb_variant,
    thalassemia.beta_thalassemia_trait,
    thalassemia.hba2_while_iron_deficient,
    thalassemia.hbf_raised,
    thalassemia.thalassemia_screen,
    thalassemia.alpha_thalassemia_suspected,
    hemolysis.loss_or_hemolysis,
    data_quality.check_results,
)


def never_silent(s: Situation) -> Recommendation | None:
    """Last: small cells no other rule answers still get the next step (service/rules/never_silent.py)."""
    if any(s.outcome(rule) is not None for rule in _CORE_RULES):
        return None
    return next_step(s)


WORKUP_RULES: tuple[Rule, ...] = (*_CORE_RULES, never_silent)

# order-select: why iron may not help this patient, one card for every reason that applies.
PRESCRIBING_RULES: tuple[Rule, ...] = (prescribing.iron_order,)

# order-select and order-sign: draft tests of the workup that add nothing now, one card per reason.
ORDER_CHECK_RULES: tuple[Rule, ...] = (
    repeat_tests.duplicate_order,
    repeat_tests.iron_study_resulted_recently,
    repeat_tests.hb_analysis_already_resulted,
    repeat_tests.jak2_already_resulted,
    repeat_tests.hb_analysis_trait_on_file,
)

RULES: tuple[Rule, ...] = WORKUP_RULES + PRESCRIBING_RULES + ORDER_CHECK_RULES
