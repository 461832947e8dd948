"""A terse table per rule family: the situation in a few keywords, and the cards the rules give.

In the spirit of the CQL Testing Framework: each row is one patient, read through the real
chart stages, and its expected (rule, indicator) pairs, most urgent first. The end-to-end
case files (fixtures/cases/) cover the same rules through whole requests.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.situations import IRON_DRAFT, fired, fired_on_order, situation

Row = tuple[str, dict[str, Any], list[tuple[str, str]]]

IRON_DEFICIENCY: list[Row] = [
    ("woman 34, microcytic anemia, no ferritin", dict(hemoglobin=10.9, mcv=72), [("no-ferritin", "info")]),
    ("woman 34, microcytosis alone, no ferritin", dict(hemoglobin=12.8, mcv=72), [("no-ferritin", "info")]),
    ("woman 34, normocytic anemia", dict(hemoglobin=10.9, mcv=88), []),
    (
        "woman 34, ferritin 8",
        dict(hemoglobin=10.9, mcv=72, ferritin=8),
        [("iron-deficiency-premenopausal", "info")],
    ),
    (
        "man 50, ferritin 8: the source",
        dict(sex="male", age=50, hemoglobin=11.0, mcv=72, ferritin=8),
        [("iron-deficiency-source", "warning")],
    ),
    (
        "woman 60, ferritin 8: the source",
        dict(age=60, hemoglobin=10.0, mcv=70, ferritin=8),
        [("iron-deficiency-source", "warning")],
    ),
    (
        "child 4, ferritin 6",
        dict(age=4, hemoglobin=9.8, mcv=66, ferritin=6),
        [("iron-deficiency-child", "info")],
    ),
]

THALASSEMIA: list[Row] = [
    (
        "man 30, MCV 66, RBC 6.2, ferritin 80",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80),
        [("thalassemia-screen", "info")],
    ),
    (
        "the same with HbA2 5.2 %",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80, hba2=5.2),
        [("beta-thalassemia-trait", "info")],
    ),
    (
        "'HbA2' 28 %: HbE or another variant, never beta-thalassemia trait",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80, hba2=28),
        [("hb-variant-in-a2-window", "info")],
    ),
    (
        "HbS 62 % with HbA2 5 % and small cells: sickle-beta-thalassemia pattern, hematology",
        dict(sex="male", age=30, hemoglobin=10.5, mcv=68, rbc=5.4, ferritin=80, hba2=5.0, hbs=62),
        [("hbs-present", "warning")],
    ),
    (
        "HbS 35 %, small cells: sickle trait, and the small cells need their own cause",
        dict(sex="male", age=30, hemoglobin=13.5, mcv=74, ferritin=80, hba2=3.0, hbs=35),
        [("hbs-present", "info")],
    ),
]

URGENT: list[Row] = [
    (
        "Hb 6.5: critical, and the workup still starts",
        dict(hemoglobin=6.5, mcv=70),
        [("severe-anemia", "critical"), ("no-ferritin", "info")],
    ),
    (
        "microcytic pancytopenia",
        dict(hemoglobin=9.0, mcv=72, wbc=2.1, platelets=60, ferritin=80),
        [("cytopenias", "warning")],
    ),
    (
        "man 45, Hb 17.5, first count",
        dict(sex="male", age=45, hemoglobin=17.5, mcv=90),
        [("erythrocytosis", "info")],
    ),
    (
        "man 45, Hb 17.5 and 17.2 ten weeks apart: persistent",
        dict(sex="male", age=45, hemoglobin=17.5, mcv=90, earlier=(("hemoglobin", 17.2, 70),)),
        [("erythrocytosis", "warning")],
    ),
    (
        "man 45, Hb 17.5 and 17.2 three weeks apart: the repeat is not due yet, no second card",
        dict(sex="male", age=45, hemoglobin=17.5, mcv=90, earlier=(("hemoglobin", 17.2, 21),)),
        [],
    ),
    (
        "man 45, Hb 17.5 now and 17.2 ten weeks ago, a normal 15.0 between: not persistent, a first count",
        dict(
            sex="male",
            age=45,
            hemoglobin=17.5,
            mcv=90,
            earlier=(("hemoglobin", 17.2, 70), ("hemoglobin", 15.0, 35)),
        ),
        [("erythrocytosis", "info")],
    ),
    (
        "man 45, Hb 17.5 now, 17.2 five weeks and 15.0 three weeks ago: the repeat was normal, a first count",
        dict(
            sex="male",
            age=45,
            hemoglobin=17.5,
            mcv=90,
            earlier=(("hemoglobin", 17.2, 35), ("hemoglobin", 15.0, 21)),
        ),
        [("erythrocytosis", "info")],
    ),
    (
        "man 45, Hb 17.5 now and 17.2 fourteen months ago: too long ago to be the repeat",
        dict(sex="male", age=45, hemoglobin=17.5, mcv=90, earlier=(("hemoglobin", 17.2, 425),)),
        [("erythrocytosis", "info")],
    ),
    (
        "man 45, Hb 17.0 with an Hct of 50 %: below the hematocrit UK pathways act on",
        dict(sex="male", age=45, hemoglobin=17.0, hematocrit=50, mcv=90),
        [],
    ),
    (
        "man 45, Hb 17.0 with an Hct of 50 %, small cells: the seed condition, investigated",
        dict(sex="male", age=45, hemoglobin=17.0, hematocrit=50, mcv=72, ferritin=120, hba2=2.8, hbf=0.5),
        [("erythrocytosis", "warning"), ("alpha-thalassemia-suspected", "info")],
    ),
    (
        "woman 50, Hct 49 % now and 50 % ten weeks ago: persistent by the women's 48 %",
        dict(
            sex="female",
            age=50,
            hemoglobin=16.4,
            hematocrit=49,
            mcv=90,
            earlier=(("hematocrit", 50, 70), ("hemoglobin", 16.6, 70)),
        ),
        [("erythrocytosis", "warning")],
    ),
    (
        "man 45, Hct 62 % on a first count: urgent",
        dict(sex="male", age=45, hemoglobin=19.5, hematocrit=62, mcv=90),
        [("erythrocytosis", "critical")],
    ),
    (
        "child 2, blood lead 8",
        dict(age=2, hemoglobin=10.2, mcv=68, lead=8.0, ferritin=20),
        [("elevated-lead", "warning")],
    ),
]

SILENT_BEFORE: list[Row] = [
    (
        "iron loading, microcytic anemia, normal HbA2, no RBC count, no CRP: sideroblastic pattern",
        dict(hemoglobin=10.5, mcv=72, ferritin=900, tsat=70, hba2=2.5),
        [("sideroblastic-pattern", "warning"), ("iron-loading", "warning")],
    ),
    (
        "iron loading, no RBC count and no HbA2: names both causes, does not wait",
        dict(hemoglobin=10.5, mcv=72, ferritin=900, tsat=70),
        [("sideroblastic-pattern", "warning"), ("iron-loading", "warning")],
    ),
    (
        "Hb 1.4 g/dL, below the plausible range: verify now",
        dict(hemoglobin=1.4, mcv=70),
        [("verify-result-now", "critical"), ("no-ferritin", "info")],
    ),
    (
        "platelets 1200, normal red cells",
        dict(hemoglobin=13.0, mcv=85, platelets=1200),
        [("extreme-thrombocytosis", "warning")],
    ),
    (
        "HbF 0.8 % with no lab range counts as normal in an adult: the alpha path is reached",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80, hba2=2.6, hbf=0.8),
        [("alpha-thalassemia-suspected", "info")],
    ),
    (
        "HbF 8 % with a normal HbA2: raised HbF, hematology review",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80, hba2=2.6, hbf=8.0),
        [("hbf-raised", "info")],
    ),
    (
        "woman 34, ferritin 8 with Hb 12.8 not low and WBC 13: masked polycythemia",
        dict(hemoglobin=12.8, mcv=74, ferritin=8, wbc=13.0),
        [("iron-deficiency-erythrocytosis", "warning"), ("iron-deficiency-premenopausal", "info")],
    ),
    (
        "man 55, anemic, ferritin 8, RBC 6.3 and platelets 600: masked polycythemia",
        dict(sex="male", age=55, hemoglobin=12.5, mcv=68, rbc=6.3, ferritin=8, platelets=600),
        [("iron-deficiency-erythrocytosis", "warning"), ("iron-deficiency-source", "warning")],
    ),
    (
        "woman 34, anemic, ferritin 8, platelets 600 alone: reactive, no polycythemia card",
        dict(hemoglobin=10.5, mcv=72, ferritin=8, platelets=600),
        [("iron-deficiency-premenopausal", "info")],
    ),
]

CALM: list[Row] = [
    (
        "man 40, borderline Hb 12.8, WBC 3.5, platelets 138: a repeat count, not the marrow",
        dict(sex="male", age=40, hemoglobin=12.8, mcv=88, wbc=3.5, platelets=138),
        [("cytopenias", "info")],
    ),
    (
        "the same counts, also low 6 weeks earlier: persistent, hematology",
        dict(
            sex="male",
            age=40,
            hemoglobin=12.8,
            mcv=88,
            wbc=3.5,
            platelets=138,
            earlier=(("wbc", 3.6, 42), ("platelets", 140, 42)),
        ),
        [("cytopenias", "warning")],
    ),
    (
        "the same counts, also low 2 weeks earlier: that count asked for the repeat, not yet due",
        dict(
            sex="male",
            age=40,
            hemoglobin=12.8,
            mcv=88,
            wbc=3.5,
            platelets=138,
            earlier=(("wbc", 3.6, 14), ("platelets", 140, 14)),
        ),
        [],
    ),
    (
        "platelets 90 with WBC 3.5: one line moderately low, hematology",
        dict(sex="male", age=40, hemoglobin=13.8, mcv=88, wbc=3.5, platelets=90),
        [("cytopenias", "warning")],
    ),
    (
        "normal blood count, TSAT 30 against iron/TIBC 10 %: no card of its own",
        # "iron" names a prescription in the builder: the serum iron comes in through ``earlier``.
        dict(hemoglobin=13.5, mcv=88, tsat=30, tibc=400, ferritin=85, earlier=(("iron", 40, 0),)),
        [],
    ),
    (
        "the same disagreement with small cells and ferritin 85: the TSAT decides, so its own card",
        dict(hemoglobin=11.5, mcv=76, tsat=30, tibc=400, ferritin=85, crp=1, earlier=(("iron", 40, 0),)),
        [("sideroblastic-pattern", "warning"), ("check-results", "info")],
    ),
]

PREGNANT = "72892002"  # SNOMED CT "Normal pregnancy", as Synthea writes it

PREGNANCY: list[Row] = [
    (
        "pregnant 20 weeks, ferritin 10: BSH 2020 trial of iron, no celiac serology or GI referral",
        dict(hemoglobin=10.2, mcv=76, ferritin=10, conditions=(PREGNANT,), onset_days=140),
        [("iron-deficiency-pregnancy", "info")],
    ),
    (
        "pregnant 20 weeks, ferritin 25: below 30 indicates iron deficiency in pregnancy (BSH 2020)",
        dict(hemoglobin=10.2, mcv=76, ferritin=25, conditions=(PREGNANT,), onset_days=140),
        [("iron-deficiency-pregnancy", "info")],
    ),
    (
        "pregnant, microcytic anemia, no ferritin: a trial of iron, and ferritin",
        dict(hemoglobin=10.0, mcv=76, conditions=(PREGNANT,), onset_days=140),
        [("iron-deficiency-pregnancy", "info"), ("no-ferritin", "info")],
    ),
]

CKD = "431857002"  # SNOMED CT chronic kidney disease stage 4

KIDNEY: list[Row] = [
    (
        "CKD 4, anemia, ferritin 250 and TSAT 18 %: iron deficiency in CKD, not replete (KDIGO 2012)",
        dict(sex="male", age=66, hemoglobin=10.4, mcv=79, ferritin=250, tsat=18, crp=2, conditions=(CKD,)),
        [("iron-deficiency-ckd", "info")],
    ),
    (
        "CKD 4, ferritin 700 and TSAT 18 %: beyond the KDIGO iron-trial limits",
        dict(sex="male", age=66, hemoglobin=10.4, mcv=88, ferritin=700, tsat=18, crp=2, conditions=(CKD,)),
        [],
    ),
]

HISTORY: list[Row] = [
    (
        "woman 34 on oral iron 30 days, Hb 10.0 -> 10.1: no rise",
        dict(
            hemoglobin=10.1, mcv=74, ferritin=8, iron="ferrous sulfate", earlier=(("hemoglobin", 10.0, 40),)
        ),
        [("no-rise-on-iron", "warning"), ("iron-deficiency-premenopausal", "info")],
    ),
    (
        "iron prescribed 15 years ago, Hb from before it: the response is not judged",
        dict(
            hemoglobin=10.1,
            mcv=74,
            ferritin=8,
            iron="ferrous sulfate",
            iron_days=5475,
            earlier=(("hemoglobin", 12.5, 5480),),
        ),
        [("iron-deficiency-premenopausal", "info")],
    ),
    (
        "man 55, ferritin 8 before iron, 80 on it: still the source search (never 'replete')",
        dict(
            sex="male",
            age=55,
            hemoglobin=11.8,
            mcv=76,
            ferritin=80,
            iron="ferrous sulfate",
            iron_days=60,
            earlier=(("ferritin", 8, 70), ("hemoglobin", 11.5, 70)),
        ),
        [("iron-deficiency-source", "warning"), ("no-rise-on-iron", "warning")],
    ),
    (
        "the same man with Hb falling on iron, 12.4 -> 10.9: the source search is urgent",
        dict(
            sex="male",
            age=55,
            hemoglobin=10.9,
            mcv=76,
            ferritin=80,
            iron="ferrous sulfate",
            iron_days=60,
            earlier=(("ferritin", 8, 70), ("hemoglobin", 12.4, 70)),
        ),
        [("iron-deficiency-source", "critical"), ("no-rise-on-iron", "warning")],
    ),
    (
        "man 55 on iron, ferritin 80, no earlier ferritin: not read as replete, said",
        dict(sex="male", age=55, hemoglobin=12.2, mcv=76, ferritin=80, iron="ferrous sulfate", iron_days=200),
        [("iron-studies-on-iron", "info")],
    ),
    (
        "woman 34 on iron, ferritin 900 and TSAT 70: the treatment, not iron loading",
        dict(hemoglobin=11.0, mcv=76, ferritin=900, tsat=70, iron="ferrous sulfate", iron_days=200),
        [("iron-studies-on-iron", "info")],
    ),
]

IRON_ORDERED: list[Row] = [
    (
        "thalassemia pattern, normal ferritin",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80),
        [("iron-with-thalassemia-trait", "warning")],
    ),
    ("iron deficiency confirmed", dict(hemoglobin=10.9, mcv=72, ferritin=8), []),
    (
        "erythrocytosis",
        dict(sex="male", age=45, hemoglobin=17.5, mcv=90),
        [("iron-with-erythrocytosis", "warning")],
    ),
    (
        "iron loading",
        dict(hemoglobin=11.0, mcv=76, ferritin=900, tsat=70),
        [("iron-with-iron-loading", "warning")],
    ),
]

# Issue 22. Published cases, each row citing its source; values as the source reports them.
TESTOSTERONE_GEL = (("testosterone topical gel", 180),)
SECONDARY_CAUSES: list[Row] = [
    (
        "Cervi & Balitsky, CMAJ 2017: man 60 on testosterone gel, Hb 19.6, Hct 58 %: hold testosterone",
        dict(sex="male", age=60, hemoglobin=19.6, hematocrit=58, mcv=90, medicines=TESTOSTERONE_GEL),
        [("testosterone-hematocrit", "warning")],
    ),
    (
        "the same man with Hct 53 %: below the 54 % hold limit, a first raised count naming testosterone",
        dict(sex="male", age=60, hemoglobin=17.6, hematocrit=53, mcv=90, medicines=TESTOSTERONE_GEL),
        [("erythrocytosis", "info")],
    ),
    (
        "Hct 62 % on testosterone: urgent first, then hold it",
        dict(sex="male", age=60, hemoglobin=20.5, hematocrit=62, mcv=90, medicines=TESTOSTERONE_GEL),
        [("erythrocytosis", "critical"), ("testosterone-hematocrit", "warning")],
    ),
    (
        "testosterone prescribed the day after the count: the count is no effect of it",
        dict(
            sex="male", age=60, hemoglobin=19.6, hematocrit=58, mcv=90, medicines=(("testosterone gel", -1),)
        ),
        [("erythrocytosis", "info")],
    ),
    (
        "Endocrine Abstracts 2021;73:AEP191: man 44 on empagliflozin 9 months, Hb 18.3, RBC 6.34, Hct 53 %",
        dict(
            sex="male",
            age=44,
            hemoglobin=18.3,
            rbc=6.34,
            hematocrit=53,
            mcv=84,
            medicines=(("empagliflozin 10 MG Oral Tablet", 270),),
        ),
        [("erythrocytosis", "info")],
    ),
    (
        "Saudi J Kidney Dis Transpl 2006;17:54: man 50, 3 years after a kidney transplant, Hb 18.3, Hct 53.8",
        dict(
            sex="male",
            age=50,
            hemoglobin=18.3,
            hematocrit=53.8,
            mcv=88,
            problems=(("History of renal transplant (situation)", 1100),),
        ),
        [("erythrocytosis", "info")],
    ),
]

IRON_LOADING: list[Row] = [
    (
        "CDC hemochromatosis case study 5: well man 36, ferritin 600, TSAT 80 %, Hb 14.5: HFE, liver tests",
        dict(sex="male", age=36, hemoglobin=14.5, hematocrit=44, mcv=90, ferritin=600, tsat=80, crp=1),
        [("iron-loading", "warning")],
    ),
    (
        "the same with a known beta-thalassemia trait and small cells: the loading still gets its step",
        dict(
            sex="male",
            age=36,
            conditions=("269175006",),
            hemoglobin=12.9,
            mcv=66,
            rbc=6.2,
            ferritin=600,
            tsat=80,
            crp=1,
        ),
        [("iron-loading", "warning")],
    ),
    (
        "Chaudhry et al. (thalassemia minor, H63D): normal ferritin with a high TSAT is not iron loading",
        dict(sex="female", age=27, conditions=("269175006",), hemoglobin=11.5, mcv=65, ferritin=90, tsat=55),
        [],
    ),
    (
        "Jandus et al., Int J Clin Med 2010 (adult-onset Still's): ferritin 5493 with CRP 78: inflammation",
        dict(sex="female", age=28, hemoglobin=12.5, mcv=88, ferritin=5493, tsat=50, crp=78, platelets=128),
        [],
    ),
    (
        "ASH The Hematologist 2007: woman 74, ferritin 2012, TSAT 34 %: liver tests for its cause",
        dict(sex="female", age=74, hemoglobin=13.2, mcv=91, ferritin=2012, tsat=34, crp=2),
        [("iron-loading", "info")],
    ),
    (
        "ferritin 2400 with no TSAT: an iron panel decides",
        dict(sex="female", age=58, hemoglobin=13.4, mcv=90, ferritin=2400, crp=2),
        [("iron-loading", "info")],
    ),
]

SET_ASIDE: list[Row] = [
    (
        "Hb 0.9 beside methimazole agranulocytosis (Keimyung Med J 2015: neutrophils 40/µL): both critical",
        dict(hemoglobin=0.9, mcv=88, wbc=1.2, neutrophils=0.04, platelets=210),
        [("verify-result-now", "critical"), ("cytopenias", "critical")],
    ),
    (
        "neutrophils 0.04 with a normal Hb: a critical count alone is never silent",
        dict(hemoglobin=12.8, mcv=88, wbc=1.2, neutrophils=0.04, platelets=210),
        [("cytopenias", "critical")],
    ),
    (
        "platelets 120 beside an Hb of 27 g/dL set aside: a repeat count, the pairing cannot be judged",
        dict(hemoglobin=27, mcv=90, wbc=6.1, platelets=120),
        [("verify-result-now", "critical"), ("cytopenias", "info")],
    ),
    (
        "platelets 120 with a normal Hb: one mild line, no card",
        dict(hemoglobin=13.0, mcv=90, wbc=6.1, platelets=120),
        [],
    ),
    (
        "Hb 1.2 beside ferritin 4200 and TSAT 88 %: verified, and the iron loading still gets its step",
        dict(sex="male", age=55, hemoglobin=1.2, mcv=90, ferritin=4200, tsat=88, crp=2),
        [("verify-result-now", "critical"), ("iron-loading", "warning")],
    ),
]

# Crawford, Dale & Lyman 2004: counts fall to a nadir 10-14 days after a cycle, recover in ~3 weeks.
CHEMO = "Chemotherapy (procedure)"
CHEMOTHERAPY: list[Row] = [
    (
        "bicytopenia 11 days after a cycle (the nadir): expected, no card",
        dict(sex="male", age=62, hemoglobin=9.6, mcv=90, wbc=2.1, platelets=190, procedures=((CHEMO, 11),)),
        [],
    ),
    (
        "the same count with no chemotherapy on record: the marrow question",
        dict(sex="male", age=62, hemoglobin=9.6, mcv=90, wbc=2.1, platelets=190),
        [("cytopenias", "warning")],
    ),
    (
        "a count on the day of the next cycle: a course in progress",
        dict(sex="male", age=62, hemoglobin=9.6, mcv=90, wbc=2.1, platelets=190, procedures=((CHEMO, 0),)),
        [],
    ),
    (
        "the last cycle 8 weeks before: the counts should have recovered",
        dict(sex="male", age=62, hemoglobin=9.6, mcv=90, wbc=2.1, platelets=190, procedures=((CHEMO, 56),)),
        [("cytopenias", "warning")],
    ),
    (
        "neutrophils 0.3 at the nadir: critical all the same, assessed today",
        dict(
            sex="female",
            age=55,
            hemoglobin=10.4,
            mcv=92,
            wbc=1.1,
            neutrophils=0.3,
            platelets=160,
            procedures=(("Antineoplastic chemotherapy regimen", 10),),
        ),
        [("cytopenias", "critical")],
    ),
    (
        "small cells on chemotherapy still get their workup",
        dict(age=55, hemoglobin=9.8, mcv=72, wbc=2.4, platelets=180, procedures=((CHEMO, 12),)),
        [("no-ferritin", "info")],
    ),
]


def ids(rows: list[Row]) -> list[str]:
    return [row[0] for row in rows]


@pytest.mark.parametrize(("who", "given", "cards"), IRON_DEFICIENCY, ids=ids(IRON_DEFICIENCY))
def test_iron_deficiency(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), THALASSEMIA, ids=ids(THALASSEMIA))
def test_thalassemia(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), URGENT, ids=ids(URGENT))
def test_urgent_and_other_lineages(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), SILENT_BEFORE, ids=ids(SILENT_BEFORE))
def test_patterns_that_were_silent(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), CALM, ids=ids(CALM))
def test_calm(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), PREGNANCY, ids=ids(PREGNANCY))
def test_pregnancy(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), KIDNEY, ids=ids(KIDNEY))
def test_chronic_kidney_disease(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), HISTORY, ids=ids(HISTORY))
def test_history(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), IRON_ORDERED, ids=ids(IRON_ORDERED))
def test_iron_ordered(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired_on_order(situation(drafts=(IRON_DRAFT,), **given)) == cards
    assert fired_on_order(situation(**given)) == []  # nothing selected: nothing to object to


@pytest.mark.parametrize(("who", "given", "cards"), SECONDARY_CAUSES, ids=ids(SECONDARY_CAUSES))
def test_secondary_causes(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), IRON_LOADING, ids=ids(IRON_LOADING))
def test_iron_loading(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), SET_ASIDE, ids=ids(SET_ASIDE))
def test_an_implausible_value_is_set_aside_alone(
    who: str, given: dict[str, Any], cards: list[tuple[str, str]]
) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), CHEMOTHERAPY, ids=ids(CHEMOTHERAPY))
def test_chemotherapy(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards
