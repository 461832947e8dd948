"""The rule catalogue a governance committee reviews: ``microcyte rules`` and docs/rules.md.

One entry per rule id: the indicator, when it fires, what it suggests (the orders, with their
codes), its sources and the design defaults it uses. ``tests/test_rule_catalogue.py`` holds it
to the code: every RuleId of ``service.rules`` has exactly one entry, and docs/rules.md is this
module's Markdown, regenerated with ``microcyte rules --format markdown > docs/rules.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service import citations as c
from service.cards import orders as o
from service.labs.analytes import LOINC, SNOMED
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
    never_silent,
    prescribing,
    refractory,
    repeat_tests,
    secondary_causes,
    severity,
    sideroblastic,
    thalassemia,
)
from service.rules.model import RuleId


@dataclass(frozen=True)
class Entry:
    rule: RuleId
    indicator: str  # "info", "warning", "critical", or the grades it takes ("info / warning")
    fires: str
    suggests: tuple[o.Order, ...]
    sources: tuple[c.Citation, ...]
    # Names of the constants (service/findings/thresholds.py, service/labs/derived.py) or settings
    # (service/workup_settings.py) it uses.
    defaults: tuple[str, ...] = ()


CATALOGUE: tuple[Entry, ...] = (
    Entry(
        severity.VERIFY_NOW,
        "critical",
        "A hemoglobin of the CBC window refused as implausible (outside 2–25 g/dL), not followed by a "
        "plausible one: verify now; if real, it is life-threatening.",
        (),
        (c.CHAI_2021_PROFOUND_ANEMIA,),
        ("cbc_lookback_days",),
    ),
    Entry(
        severity.SEVERE_ANEMIA,
        "critical",
        "Hemoglobin below 7 g/dL: urgent clinical assessment.",
        (),
        (c.AABB_2023_TRANSFUSION,),
        ("HB_SEVERE",),
    ),
    Entry(
        cytopenias.CYTOPENIA,
        "info / warning / critical",
        "Two or three of anemia, leukopenia or neutropenia, thrombocytopenia; or one of the last two alone "
        "when it is critical or the count's hemoglobin is set aside as implausible. Critical with ANC < 0.5 "
        "or platelets < 20; warning with a line moderately low or persisting on a count 4 weeks to a year "
        "earlier; otherwise info (repeat count with differential and smear), and no card while a count "
        "under 4 weeks earlier already showed them (the repeat is not due). Within 6 weeks after "
        "chemotherapy on record, only a critical count gets a card (urgent assessment, no marrow orders).",
        (o.HEMATOLOGY_REFERRAL, o.BLOOD_SMEAR, o.VITAMIN_B12, o.FOLATE),
        (c.WEINZIERL_2013_PANCYTOPENIA, c.CRAWFORD_2004_NEUTROPENIA),
        (
            "WBC_LOW",
            "ANC_LOW",
            "PLATELETS_LOW",
            "ANC_CRITICAL",
            "PLATELETS_CRITICAL",
            "HB_MODERATE",
            "PLATELETS_MODERATE",
            "ANC_MODERATE",
            "WBC_MODERATE",
            "CYTOPENIA_REPEAT_DAYS",
            "CYTOPENIA_PERSISTENCE_MAX_DAYS",
            "CHEMOTHERAPY_MYELOSUPPRESSION_DAYS",
        ),
    ),
    Entry(
        iron_deficiency.MASKED_POLYCYTHEMIA,
        "warning",
        "Iron deficiency in an adult with erythrocytosis; a high RBC count without anemia, or with a "
        "myeloproliferative clue (WBC > 11, platelets > 450); or an Hb not low with such a clue.",
        (o.JAK2_V617F, o.ERYTHROPOIETIN, o.HEMATOLOGY_REFERRAL),
        (c.BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA, c.KEOHANE_2013_ERYTHROCYTOSIS),
        ("RBC_HIGH_MEN", "RBC_HIGH_WOMEN"),
    ),
    Entry(
        erythrocytosis.ERYTHROCYTOSIS,
        "info / warning / critical",
        "Erythrocytosis (WHO 2016) in a non-pregnant adult. With normal cells it acts on the Hct (> 52 % "
        "men, > 48 % women; the WHO Hb where no Hct is reported): info on a first such count (repeat in "
        "about 2 months), none while that repeat is not due (a raised count under 8 weeks earlier); "
        "warning when persistent (raised on every count back to one 8 weeks to 12 months earlier) or "
        "microcytic; critical with Hct > 60 % men, > 56 % women.",
        (o.JAK2_V617F, o.ERYTHROPOIETIN, o.SPO2, o.CARBOXYHEMOGLOBIN, o.HEMATOLOGY_REFERRAL),
        (c.WHO_2016_MYELOID, c.BSH_ERYTHROCYTOSIS, c.KEOHANE_2013_ERYTHROCYTOSIS),
        ("ERYTHROCYTOSIS_REPEAT_DAYS", "ERYTHROCYTOSIS_PERSISTENCE_MAX_DAYS"),
    ),
    Entry(
        secondary_causes.TESTOSTERONE_HCT,
        "warning",
        "Hct > 54 % on active testosterone (a MedicationRequest or MedicationStatement naming it, started "
        "no later than the count): hold it until the Hct falls, then resume at a lower dose. Takes the place "
        "of the erythrocytosis card unless the Hct is urgent or the cells are small. Every erythrocytosis "
        "card names the secondary causes on the record (medicines, diagnoses) with their start dates.",
        (),
        (c.ENDOCRINE_SOCIETY_2018_TESTOSTERONE, c.KEOHANE_2013_ERYTHROCYTOSIS),
        ("HCT_TESTOSTERONE_HOLD",),
    ),
    Entry(
        high_counts.EXTREME_THROMBOCYTOSIS,
        "warning",
        "Platelets at or above 1000 ×10⁹/L, whatever the red cells.",
        (o.HEMATOLOGY_REFERRAL, o.BLOOD_SMEAR),
        (c.KEOHANE_2013_ERYTHROCYTOSIS,),
        ("PLATELETS_EXTREME",),
    ),
    Entry(
        iron_deficiency.SOURCE_SEARCH,
        "warning / critical",
        "Iron deficiency (or documented in the last year before a ferritin taken on iron) in a man, a "
        "postmenopausal woman or an adult of unknown sex, not pregnant; critical when Hb falls on iron.",
        (o.GI_REFERRAL, o.TTG_IGA, o.TOTAL_IGA),
        (c.AGA_2020_IDA, c.BSG_2021_IDA, c.WHO_2020_FERRITIN),
        ("postmenopausal_age", "IRON_DEFICIENCY_CARRIED_DAYS", "IV_IRON_EFFECT_DAYS", "HB_FALL_ON_IRON"),
    ),
    Entry(
        refractory.IRIDA_PATTERN,
        "warning",
        "Microcytosis, TSAT < 10 %, ferritin not low (or taken on iron), CRP showing no inflammation.",
        (o.TTG_IGA, o.TOTAL_IGA, o.H_PYLORI, o.CERULOPLASMIN, o.HEMATOLOGY_REFERRAL),
        (c.DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS, c.HERSHKO_2014_REFRACTORY_IDA),
    ),
    Entry(
        refractory.NO_RISE_ON_IRON,
        "warning",
        "Anemia, and Hb rose less than 10 g/L since oral iron started 14–90 days before the count.",
        (o.TTG_IGA, o.TOTAL_IGA, o.H_PYLORI),
        (c.BSG_2021_IDA, c.HERSHKO_2014_REFRACTORY_IDA),
        ("iron_response_max_days", "cbc_lookback_days"),
    ),
    Entry(
        sideroblastic.SIDEROBLASTIC,
        "warning",
        "Microcytic anemia, ferritin and TSAT not low, no inflammation (or iron loading), no thalassemia "
        "pattern; with neither an RBC count nor an HbA2, names both causes and suggests Hb HPLC.",
        (
            o.BLOOD_SMEAR,
            o.BLOOD_LEAD,
            o.COPPER,
            o.CERULOPLASMIN,
            o.ZINC,
            o.HEMATOLOGY_REFERRAL,
            o.HB_HPLC,
        ),
        (c.DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS, c.AAFP_2010_MICROCYTOSIS),
        ("TSAT_LOW", "FERRITIN_HIGH_MEN", "FERRITIN_HIGH_WOMEN"),
    ),
    Entry(
        iron_loading.IRON_LOADING,
        "info / warning",
        "Warning: ferritin above the lab's limit (else 300 µg/L men, 200 women) with TSAT > 45 %, no "
        "inflammation, not on iron, at any MCV and whatever diagnosis is known. Info: ferritin ≥ 1000 µg/L "
        "not loading by its TSAT: with no TSAT an iron panel, with a TSAT not above 45 % liver tests (and "
        "a CRP if none).",
        (o.HFE_GENOTYPING, o.LIVER_TESTS, o.IRON_PANEL, o.CRP),
        (c.EASL_2022_HAEMOCHROMATOSIS,),
        ("TSAT_IRON_LOADING", "FERRITIN_HIGH_MEN", "FERRITIN_HIGH_WOMEN", "FERRITIN_VERY_HIGH"),
    ),
    Entry(
        lead.ELEVATED_LEAD,
        "warning",
        "A blood lead of the last year at or above 3.5 µg/dL.",
        (o.BLOOD_LEAD_FOLLOW_UP,),
        (c.CDC_2021_LEAD,),
        ("long_lookback_days",),
    ),
    Entry(
        iron_deficiency.PREGNANCY,
        "info",
        "Pregnancy with iron deficiency (ferritin < 30 µg/L, BSH 2020) or microcytic anemia before a "
        "ferritin: a trial of oral iron, repeat in 2–3 weeks; GI evaluation only for GI symptoms or no "
        "response.",
        (),
        (c.BSH_2020_PREGNANCY,),
        ("pregnancy_status_lookback_days",),
    ),
    Entry(
        iron_deficiency.PREMENOPAUSAL,
        "info",
        "Iron deficiency in a premenopausal woman who is not pregnant.",
        (o.TTG_IGA, o.TOTAL_IGA),
        (c.AGA_2020_IDA, c.BSG_2021_IDA),
        ("postmenopausal_age",),
    ),
    Entry(
        iron_deficiency.CHILD,
        "info",
        "Iron deficiency under 15 years; a blood lead at 1–5 years.",
        (o.BLOOD_LEAD,),
        (c.AAP_2010_IRON, c.CDC_2021_LEAD),
        ("MCV_CHILD_LIMITS",),
    ),
    Entry(
        iron_studies.NO_FERRITIN,
        "info / warning",
        "Microcytosis with no usable ferritin in its window, none on order (a thalassemia on record too); "
        "a warning with erythrocytosis, where ferritin decides between the thalassemia path and a masked "
        "polycythemia vera.",
        (o.FERRITIN, o.CRP, o.IRON_PANEL),
        (c.AAFP_2010_MICROCYTOSIS, c.WHO_2020_FERRITIN, c.BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA),
        ("iron_lookback_days", "iron_before_cbc_days"),
    ),
    Entry(
        iron_studies.ON_TREATMENT,
        "info",
        "Anemia or microcytosis with a ferritin taken on iron and no iron deficiency documented in the "
        "year before: not read as replete.",
        (),
        (c.BSG_2021_IDA,),
        ("IV_IRON_EFFECT_DAYS", "IRON_DEFICIENCY_CARRIED_DAYS"),
    ),
    Entry(
        inflammation.POSSIBLE_ID,
        "info",
        "Inflammation with a ferritin that still allows iron deficiency (up to 100 µg/L).",
        (o.IRON_PANEL, o.SOLUBLE_TRANSFERRIN_RECEPTOR),
        (c.WHO_2020_FERRITIN,),
    ),
    Entry(
        inflammation.CKD_IRON,
        "info",
        "Chronic kidney disease on record (SNOMED CT, stages 1-5, dialysis) with anemia, ferritin at most "
        "500 µg/L and TSAT at most 30 %: iron deficiency in CKD, an iron trial; nephrology decides.",
        (),
        (c.KDIGO_2012_ANEMIA_CKD, c.AGA_2020_IDA),
        ("CKD_FERRITIN_IRON_TRIAL", "CKD_TSAT_IRON_TRIAL"),
    ),
    Entry(
        inflammation.ANEMIA_OF_INFLAMMATION,
        "info",
        "Inflammation, ferritin at least 100 µg/L and TSAT below 20 %.",
        (o.SOLUBLE_TRANSFERRIN_RECEPTOR,),
        (c.WHO_2020_FERRITIN,),
        ("TSAT_LOW",),
    ),
    Entry(
        thalassemia.HBS,
        "info / warning",
        "HbS present with microcytosis or anemia: never beta-thalassemia trait; warning with hematology "
        "above 40 % or with a raised HbA2, else info (sickle trait; the small cells need their own cause).",
        (o.HEMATOLOGY_REFERRAL,),
        (c.NHS_SCT_HANDBOOK,),
        ("HBS_TRAIT_MAX",),
    ),
    Entry(
        thalassemia.HB_VARIANT,
        "info",
        "An 'HbA2' above 10 % with microcytosis or anemia: HbE or another variant; ask the lab to name it.",
        (o.GENETIC_COUNSELLING,),
        (c.MAIS_2009_HBA2_HBE,),
        ("HBA2_VARIANT", "reproductive_age_min", "reproductive_age_max"),
    ),
    Entry(
        thalassemia.BETA_TRAIT,
        "info",
        "HbA2 above 3.5 % (and at most 10 %), no HbS, with microcytosis or anemia, no beta-thalassemia on "
        "record.",
        (o.GENETIC_COUNSELLING,),
        (c.AAFP_2010_MICROCYTOSIS,),
        ("reproductive_age_min", "reproductive_age_max"),
    ),
    Entry(
        thalassemia.HBA2_WHILE_DEFICIENT,
        "info",
        "HbA2 not raised, measured while iron deficient: repeat after repletion.",
        (),
        (c.AAFP_2010_MICROCYTOSIS,),
        ("iron_lookback_days",),
    ),
    Entry(
        thalassemia.HBF_RAISED,
        "info",
        "HbF above the lab's range, or above 2 % in an adult without one, unexplained by HbA2, HbS or a "
        "beta-thalassemia on record.",
        (o.HEMATOLOGY_REFERRAL,),
        (c.AAFP_2010_MICROCYTOSIS,),
        ("HBF_ADULT_MAX",),
    ),
    Entry(
        thalassemia.SCREEN,
        "info / warning",
        "Microcytosis, ferritin not low, Mentzer index below 13 or a high RBC count, no HbA2 on file; a "
        "warning with erythrocytosis, where this path comes first.",
        (o.HB_HPLC,),
        (c.AAFP_2010_MICROCYTOSIS, c.VEHAPOGLU_2014_INDICES, c.BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA),
        ("RBC_HIGH_MEN", "RBC_HIGH_WOMEN"),
    ),
    Entry(
        thalassemia.ALPHA_TRAIT,
        "info",
        "Microcytosis, ferritin not low, HbA2 not raised and HbF normal (2 % default in adults).",
        (o.ALPHA_GLOBIN_GENES, o.GENETIC_COUNSELLING),
        (c.AAFP_2010_MICROCYTOSIS,),
        ("HBF_ADULT_MAX", "reproductive_age_min", "reproductive_age_max"),
    ),
    Entry(
        hemolysis.LOSS_OR_HEMOLYSIS,
        "info",
        "Anemia with an RPI of 2 or more, not on iron.",
        (o.LDH, o.HAPTOGLOBIN),
        (c.TEFFERI_2003_ANEMIA,),
    ),
    Entry(
        data_quality.CHECK_RESULTS,
        "info",
        "MCHC above 37 g/dL with anemia, small cells or erythrocytosis; or a TSAT more than 5 points "
        "from iron ÷ TIBC when the TSAT decides (otherwise either is a note on the card that shows it).",
        (),
        (c.CLINICAL_METHODS_1990_RED_CELL_INDICES, c.AAFP_2007_IDA),
        ("MCHC_ARTIFACT", "TSAT_DISAGREEMENT_POINTS"),
    ),
    Entry(
        never_silent.NEXT_STEP,
        "info",
        "Small cells no other rule answers: the next test by where the workup stands; no card only for a "
        "reason of the closed list (a known diagnosis explains it; every next step resulted or ordered).",
        (
            o.FERRITIN,
            o.CRP,
            o.IRON_PANEL,
            o.SOLUBLE_TRANSFERRIN_RECEPTOR,
            o.HB_HPLC,
            o.ALPHA_GLOBIN_GENES,
            o.HEMATOLOGY_REFERRAL,
            o.BLOOD_SMEAR,
        ),
        (c.AAFP_2010_MICROCYTOSIS, c.DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS),
    ),
    Entry(
        prescribing.WITH_ERYTHROCYTOSIS,
        "warning",
        "order-select, order-sign: iron selected or signed with erythrocytosis, whatever the ferritin.",
        (),
        (c.BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA, c.WHO_2016_MYELOID),
    ),
    Entry(
        prescribing.WITH_IRON_LOADING,
        "warning",
        "order-select, order-sign: iron selected or signed with iron loading.",
        (),
        (c.AASLD_2011_HEMOCHROMATOSIS,),
        ("FERRITIN_HIGH_MEN", "FERRITIN_HIGH_WOMEN"),
    ),
    Entry(
        prescribing.WITH_THALASSEMIA,
        "warning",
        "order-select, order-sign: iron selected or signed for a thalassemia-trait pattern with normal "
        "ferritin.",
        (),
        (c.AAFP_2010_MICROCYTOSIS,),
    ),
    Entry(
        repeat_tests.ALREADY_ORDERED,
        "info",
        "order-select, order-sign: a draft test of the order catalogue whose code an active ServiceRequest "
        "already orders. Suggests removing the draft.",
        (),
        (c.AAFP_2010_MICROCYTOSIS,),
    ),
    Entry(
        repeat_tests.RECENT_IRON_STUDY,
        "info",
        "order-select, order-sign: a draft ferritin, iron panel or CRP resulted within 30 days, with no iron "
        "started since (a transfusion or bleeding is not read: no verified code; the card says so and "
        "offers the override). Suggests removing the draft.",
        (),
        (c.WHO_2020_FERRITIN, c.AAFP_2010_MICROCYTOSIS),
        ("repeat_iron_studies_days",),
    ),
    Entry(
        repeat_tests.HB_ANALYSIS_DONE,
        "info",
        "order-select, order-sign: a draft Hb electrophoresis/HPLC when an HbA2 has resulted (at any age), "
        "unless it was measured with a ferritin below 45 µg/L and iron is now replete. Suggests removing "
        "the draft.",
        (),
        (c.AAFP_2010_MICROCYTOSIS,),
        ("FERRITIN_ID_IN_ANEMIA", "iron_before_cbc_days"),
    ),
    Entry(
        repeat_tests.JAK2_DONE,
        "info",
        "order-select, order-sign: a draft JAK2 V617F when one has resulted (at any age). Suggests removing "
        "the draft.",
        (),
        (c.WHO_2016_MYELOID,),
    ),
    Entry(
        repeat_tests.TRAIT_ON_FILE,
        "info",
        "order-select, order-sign: a draft Hb electrophoresis/HPLC for a patient with a thalassemia trait "
        "(or thalassemia) on the problem list. Suggests removing the draft.",
        (),
        (c.AAFP_2010_MICROCYTOSIS,),
    ),
)


def _order(order: o.Order) -> dict[str, Any]:
    system = {LOINC: "LOINC", SNOMED: "SNOMED CT"}.get(order.system, order.system)
    return {"text": order.text, "system": system if order.code else None, "code": order.code}


def as_json() -> list[dict[str, Any]]:
    return [
        {
            "id": e.rule.code,
            "name": e.rule.display,
            "indicator": e.indicator,
            "fires": e.fires,
            "suggests": [_order(order) for order in e.suggests],
            "sources": [{"label": s.label, "url": s.url} for s in e.sources],
            "design_defaults": list(e.defaults),
        }
        for e in CATALOGUE
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown() -> str:
    lines = [
        "# Rule catalogue",
        "",
        "Generated by `microcyte rules --format markdown` from `service/rules/catalogue.py`; do not edit by",
        "hand. Each rule's id (the card's `source.topic` code), its indicator, when it fires, what it",
        "suggests, its sources and the design defaults it uses (constants of",
        "`service/findings/thresholds.py` or settings of `service/workup_settings.py`). The reasoning behind",
        "each is in [workup.md](workup.md).",
        "",
        "| id | indicator | fires when | suggests | sources | design defaults |",
        "|---|---|---|---|---|---|",
    ]
    for e in CATALOGUE:
        orders = "; ".join(
            f"{order.text} ({'text only' if order.code is None else order.code})" for order in e.suggests
        )
        sources = "; ".join(f"[{s.label}]({s.url})" for s in e.sources)
        defaults = ", ".join(f"`{d}`" for d in e.defaults)
        lines.append(
            f"| `{e.rule.code}` | {e.indicator} | {_cell(e.fires)} | {_cell(orders) or '—'} | "
            f"{_cell(sources)} | {defaults or '—'} |"
        )
    return "\n".join(lines) + "\n"
