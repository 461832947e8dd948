"""Every clinical threshold of the workup, each beside its source (docs/workup.md#thresholds).

Values marked "design default" are choices of ours where no guideline fixes one; the
finding they decide says so.
"""

from __future__ import annotations

from typing import NamedTuple

from service.patient.model import Age, Sex

ADULT_AGE = 15  # WHO 2024 gives adult hemoglobin thresholds from 15 years

# --- anemia: WHO 2024 hemoglobin thresholds -----------------------------------------------
# In g/dL, the canonical unit every hemoglobin is read in. WHO states them in g/L (110 g/L is
# 11.0 g/dL); tests/clinical/test_units.py derives each from WHO's figure through the analyte
# table's own g/L factor, so no rule compares a g/dL value with a g/L limit.
HB_6_23_MONTHS = 10.5
HB_24_59_MONTHS = 11.0
HB_5_11_YEARS = 11.5
HB_12_14_YEARS = 12.0
HB_WOMEN = 12.0  # non-pregnant women >= 15 y
HB_MEN = 13.0  # men >= 15 y
HB_PREGNANCY_T1 = 11.0
HB_PREGNANCY_T2 = 10.5
HB_PREGNANCY_T3 = 11.0
HB_PREGNANCY_UNKNOWN_TRIMESTER = 11.0
# Severe anemia, critical: the restrictive transfusion threshold of 70 g/L (AABB 2023). Design default.
HB_SEVERE = 7.0

# --- microcytosis and hypochromia ----------------------------------------------------------
MCV_ADULT = 80.0  # fL, AAFP 2010
# Children: the lab's reference range first; else these lower limits (secondary sources,
# design default), by age in months: (from, to) -> fL.
MCV_CHILD_LIMITS: tuple[tuple[int, int, float], ...] = (
    (6, 24, 70.0),
    (24, 72, 74.0),
    (72, 144, 77.0),
    (144, 216, 78.0),
)
# Long-standing microcytosis: a small MCV on a count at least this long before (AAFP 2010: review the
# prior counts; a trait is lifelong, new iron deficiency is not). Design default: 12 months.
MICROCYTOSIS_LONG_STANDING_DAYS = 365
MCH_LOW = 27.0  # pg, design default when the lab gives no range

# --- erythrocytosis and RBC count (adults) -------------------------------------------------
HB_ERYTHROCYTOSIS_MEN = 16.5  # g/dL, WHO 2016 PV criteria
HB_ERYTHROCYTOSIS_WOMEN = 16.0
HCT_ERYTHROCYTOSIS_MEN = 49.0  # %
HCT_ERYTHROCYTOSIS_WOMEN = 48.0
RBC_HIGH_MEN = 5.9  # 10*12/L, design default when the lab gives no range
RBC_HIGH_WOMEN = 5.2
MCHC_ARTIFACT = 37.0  # g/dL: above this, suspect a measurement artifact and repeat
# BSH: a hematocrit persistently above these on two samples ~3 months apart warrants investigation.
HCT_PERSISTENT_MEN = 52.0  # %
HCT_PERSISTENT_WOMEN = 48.0
# On testosterone, Endocrine Society 2018 (Bhasin et al.): above this hematocrit, hold it until the
# hematocrit falls to a safe level, then resume at a lower dose.
HCT_TESTOSTERONE_HOLD = 54.0  # %
# Urgent, outside cyanotic heart disease (Keohane 2013; NHS haematology pathways).
HCT_URGENT_MEN = 60.0  # %
HCT_URGENT_WOMEN = 56.0
# Persistent: two raised counts at least 8 weeks apart before JAK2/EPO (NHS pathways: repeat in ~2 months),
# with no normal count between them. The earlier one at most 12 months before (design default): a raised
# count years ago, with normal ones since, is not the repeat BSH means ("two samples ~3 months apart").
ERYTHROCYTOSIS_REPEAT_DAYS = 56
ERYTHROCYTOSIS_PERSISTENCE_MAX_DAYS = 365
SPO2_HYPOXEMIA = 92.0  # %, below this hypoxemia points to a secondary erythrocytosis (MSD)

# --- cytopenias (design default, docs/workup.md#cytopenia-thresholds) ------------------------
WBC_LOW = 4.0  # 10*9/L
ANC_LOW = 1.5  # 10*9/L: a low neutrophil count counts as the white-cell lineage too
PLATELETS_LOW = 150.0  # 10*9/L
ANC_CRITICAL = 0.5  # below this, or platelets below PLATELETS_CRITICAL, the card is critical
PLATELETS_CRITICAL = 20.0
# A warning with hematology needs one line moderately low, or the cytopenias persisting on a count
# at least 4 weeks apart (no more than a year apart); otherwise an info card asks for a repeat count
# with differential and smear (design default, docs/workup.md#cytopenias).
HB_MODERATE = 10.0  # g/dL
PLATELETS_MODERATE = 100.0
ANC_MODERATE = 1.0
WBC_MODERATE = 3.0
CYTOPENIA_REPEAT_DAYS = 28
CYTOPENIA_PERSISTENCE_MAX_DAYS = 365
# Chemotherapy lowers the counts to a nadir 10-14 days after a cycle, with recovery by about 3 weeks
# and later for some agents (Crawford, Dale & Lyman 2004): counts within 6 weeks after a cycle, or on
# its day (a course in progress), are read as treatment-related (design default,
# docs/workup.md#cytopenias-on-chemotherapy).
CHEMOTHERAPY_MYELOSUPPRESSION_DAYS = 42

# --- high counts: myeloproliferative clues (NHS haematology pathways: York & Scarborough 2025,
# Dumfries & Galloway 2024, "concomitant unexplained increase in white cell or platelet count") ---
WBC_LEUKOCYTOSIS = 11.0  # 10*9/L
PLATELETS_THROMBOCYTOSIS = 450.0  # 10*9/L: common and reactive in iron deficiency
PLATELETS_EXTREME = 1000.0  # 10*9/L, at or above: hematology and smear (design default)

# --- marrow response -------------------------------------------------------------------------
RPI_RESPONSE = 2.0  # RPI >= 2 with anemia: loss or hemolysis; < 2 hypoproliferative

# --- inflammation and iron -----------------------------------------------------------------
CRP_INFLAMMATION = 5.0  # mg/L, WHO 2020 ferritin guideline (CRP > 5 mg/L)
FERRITIN_ID = 15.0  # ug/L, WHO 2020, >= 5 years
FERRITIN_ID_UNDER_5 = 12.0
FERRITIN_ID_INFLAMED = 70.0  # with inflammation, >= 5 years
FERRITIN_ID_INFLAMED_UNDER_5 = 30.0
FERRITIN_ID_PREGNANCY = 30.0  # ug/L, BSH 2020 (Pavord et al.): indicates iron deficiency in pregnancy
FERRITIN_ID_IN_ANEMIA = 45.0  # AGA 2020: sensitivity 85 %, specificity 92 %
FERRITIN_INFLAMED_MAX_ID = 100.0  # with inflammation, ferritin up to 100 still allows ID
FERRITIN_ID_UNLIKELY = 100.0  # without inflammation, ferritin >= 100 makes ID unlikely
FERRITIN_AGE_BAND = 5  # years: WHO 2020 gives separate cutoffs under 5
TSAT_LOW = 20.0  # %, supports ID (design default from AAFP 2007 / UMich < 15-20 %)
TSAT_VERY_LOW = 10.0  # %, with ferritin not low and no inflammation: IRIDA pattern (Donker 2014)
TSAT_IRON_LOADING = 45.0  # %, with a high ferritin: iron loading (AASLD 2011)
# Ferritin upper limits when the lab gives none (design default; the limits hemochromatosis
# work-ups commonly use). Unknown sex takes the lower one, which warns more.
FERRITIN_HIGH_MEN = 300.0  # ug/L
FERRITIN_HIGH_WOMEN = 200.0
# A ferritin this high is a step of its own even without a TSAT: an iron panel tells iron loading
# from the other causes of hyperferritinemia; above it EASL 2022 also assesses liver fibrosis.
FERRITIN_VERY_HIGH = 1000.0  # ug/L (design default)

# In pregnancy, BSH 2020: a diagnostic trial of oral iron, the count repeated after 2-3 weeks.
PREGNANCY_REPEAT_WEEKS = "2–3"

# In CKD with anemia, KDIGO 2012 suggests an iron trial when TSAT <= 30 % and ferritin <= 500 ng/mL:
# functional or absolute iron deficiency there, not "iron replete".
CKD_FERRITIN_IRON_TRIAL = 500.0  # ug/L
CKD_TSAT_IRON_TRIAL = 30.0  # %

# --- response to oral iron (BSG 2021) ---------------------------------------------------------
HB_RISE_ON_IRON = 1.0  # g/dL (BSG: 10 g/L) expected within 2-4 weeks of oral iron
IRON_RESPONSE_DAYS = 14  # the earliest a hemoglobin can show that rise
# The latest day is the setting iron_response_max_days (90, design default), and the baseline Hb
# lies within cbc_lookback_days (90) before the start: never a prescription years old.

# Iron therapy and the iron studies (docs/workup.md#iron-prescriptions): a ferritin or TSAT on
# oral iron, or within 8 weeks of IV iron, reflects the treatment, not the stores (design default).
IV_IRON_EFFECT_DAYS = 56
# Iron deficiency documented this long before still needs its source search (design default).
IRON_DEFICIENCY_CARRIED_DAYS = 365
# A fall of this much on iron makes the source search urgent (design default: BSG's 10 g/L rise).
HB_FALL_ON_IRON = 1.0  # g/dL

# --- lead ----------------------------------------------------------------------------------
LEAD_REFERENCE_VALUE = 3.5  # ug/dL, CDC blood lead reference value (MMWR 2021;70:1509)

# --- thalassemia ---------------------------------------------------------------------------
MENTZER_THALASSEMIA = 13.0  # MCV/RBC < 13 favours thalassemia trait (Vehapoglu 2014)
HBA2_RAISED = 3.5  # %, > 3.5 % is beta-thalassemia trait (reference interval 2.0-3.5 %)
# Beta-thalassemia trait HbA2 is typically 3.5-7 %: above 10 % it is HbE or another variant eluting
# in the A2 window on HPLC (Mais 2009), never called beta-thalassemia trait (design default).
HBA2_VARIANT = 10.0
# HbS below HbA (about 35-40 %) is sickle trait; above it, sickle-beta-thalassemia or sickle cell
# disease (NHS Sickle Cell and Thalassaemia Screening Programme handbook; 40 % is our design default).
HBS_TRAIT_MAX = 40.0
# HbF without a lab range: up to 2 % is normal in adults, above it raised (adult labs quote < 1-2 %;
# design default): delta-beta thalassemia, HPFH or a hemoglobinopathy.
HBF_ADULT_MAX = 2.0


class Threshold(NamedTuple):  # a named tuple, as a Finding: each hook call looks several up
    value: float
    basis: str  # who it applies to and where it comes from, for the card


def anemia_threshold(age: Age, sex: Sex, pregnant: bool, trimester: int | None) -> Threshold | None:
    """The WHO 2024 hemoglobin threshold in g/dL; None under 6 months, where WHO gives none."""
    if age.months < 6:
        return None
    if age.months < 24:
        return Threshold(HB_6_23_MONTHS, "WHO 2024, children 6–23 months")
    if age.months < 60:
        return Threshold(HB_24_59_MONTHS, "WHO 2024, children 24–59 months")
    if age.years < 12:
        return Threshold(HB_5_11_YEARS, "WHO 2024, children 5–11 years")
    if age.years < ADULT_AGE:
        return Threshold(HB_12_14_YEARS, "WHO 2024, 12–14 years")
    if pregnant:
        by_trimester = {1: HB_PREGNANCY_T1, 2: HB_PREGNANCY_T2, 3: HB_PREGNANCY_T3}
        if trimester in by_trimester:
            return Threshold(by_trimester[trimester], f"WHO 2024, pregnancy, trimester {trimester}")
        return Threshold(HB_PREGNANCY_UNKNOWN_TRIMESTER, "WHO 2024, pregnancy, trimester unknown")
    if sex is Sex.FEMALE:
        return Threshold(HB_WOMEN, "WHO 2024, non-pregnant women")
    if sex is Sex.MALE:
        return Threshold(HB_MEN, "WHO 2024, men")
    return Threshold(HB_MEN, "WHO 2024, men's threshold, as sex is unknown")


def microcytosis_threshold(age: Age, lab_low: float | None) -> Threshold | None:
    """The MCV below which cells are small; None under 6 months, where no limit is given."""
    if age.years >= ADULT_AGE:
        return Threshold(MCV_ADULT, "AAFP 2010, adults")
    if lab_low is not None:
        return Threshold(lab_low, "the lab's reference range")
    for start, end, limit in MCV_CHILD_LIMITS:
        if start <= age.months < end:
            return Threshold(limit, f"pediatric lower limit for {start}–{end} months (design default)")
    return None


def erythrocytosis_thresholds(sex: Sex) -> tuple[float, float]:
    """(Hb g/dL, Hct %) above which an adult has erythrocytosis; unknown sex takes the lower pair."""
    if sex is Sex.MALE:
        return HB_ERYTHROCYTOSIS_MEN, HCT_ERYTHROCYTOSIS_MEN
    return HB_ERYTHROCYTOSIS_WOMEN, HCT_ERYTHROCYTOSIS_WOMEN


def action_hematocrit(sex: Sex) -> float:
    """The Hct (%) above which UK pathways repeat and then investigate; unknown sex takes the lower."""
    return HCT_PERSISTENT_MEN if sex is Sex.MALE else HCT_PERSISTENT_WOMEN


def rbc_high_threshold(sex: Sex, lab_high: float | None) -> Threshold:
    if lab_high is not None:
        return Threshold(lab_high, "the lab's reference range")
    if sex is Sex.MALE:
        return Threshold(RBC_HIGH_MEN, "design default for men")
    return Threshold(RBC_HIGH_WOMEN, "design default for women, also used when sex is unknown")


def ferritin_high_threshold(sex: Sex, lab_high: float | None) -> Threshold:
    if lab_high is not None:
        return Threshold(lab_high, "the lab's reference range")
    if sex is Sex.MALE:
        return Threshold(FERRITIN_HIGH_MEN, "design default for men")
    return Threshold(FERRITIN_HIGH_WOMEN, "design default for women, also used when sex is unknown")


def ferritin_cutoff(age: Age | None, inflamed: bool) -> Threshold:
    """WHO 2020 ferritin cutoff for iron deficiency, by age band and inflammation."""
    under_5 = age is not None and age.years < FERRITIN_AGE_BAND
    if inflamed:
        value = FERRITIN_ID_INFLAMED_UNDER_5 if under_5 else FERRITIN_ID_INFLAMED
        return Threshold(value, f"WHO 2020, with inflammation, {'under' if under_5 else 'from'} 5 years")
    value = FERRITIN_ID_UNDER_5 if under_5 else FERRITIN_ID
    return Threshold(value, f"WHO 2020, {'under' if under_5 else 'from'} 5 years")
