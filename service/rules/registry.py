"""Every rule, in priority order: among cards of one indicator, the earlier rule comes first."""

from __future__ import annotations

from service.rules import inflammation, iron_deficiency, iron_studies, severity, thalassemia
from service.rules.model import Rule

RULES: tuple[Rule, ...] = (
    severity.severe_anemia,
    iron_deficiency.masked_polycythemia,
    iron_deficiency.source_search,
    iron_deficiency.premenopausal,
    iron_deficiency.child,
    iron_studies.no_ferritin,
    inflammation.iron_deficiency_with_inflammation,
    inflammation.anemia_of_inflammation,
    thalassemia.beta_thalassemia_trait,
    thalassemia.hba2_while_iron_deficient,
    thalassemia.thalassemia_screen,
    thalassemia.alpha_thalassemia_suspected,
)
