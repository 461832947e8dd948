"""Findings of the blood count: anemia, microcytosis, hypochromia, erythrocytosis, high RBC count."""

from __future__ import annotations

from datetime import timedelta

from service.citations import AAFP_2010_MICROCYTOSIS, KEOHANE_2013_ERYTHROCYTOSIS, WHO_2024_HEMOGLOBIN
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.panel import Labs
from service.patient.model import PatientContext, Sex


def anemia(labs: Labs, patient: PatientContext, notes: list[str]) -> tuple[Finding | None, Finding | None]:
    """(anemia, severe anemia) by the WHO 2024 threshold for this patient."""
    hb = labs.get("hemoglobin")
    if hb is None:
        return None, None
    if patient.age is None:
        notes.append("anemia was not assessed: the patient's age is unknown")
        return None, None
    threshold = t.anemia_threshold(patient.age, patient.sex, patient.pregnant, patient.trimester)
    if threshold is None:
        notes.append("anemia was not assessed: WHO gives no hemoglobin threshold under 6 months")
        return None, None
    if not hb.is_below(threshold.value):
        return None, None
    found = Finding(
        "anemia",
        f"Anemia: hemoglobin {hb.display()} is below {number(threshold.value)} g/dL ({threshold.basis}).",
        ("hemoglobin",),
        WHO_2024_HEMOGLOBIN,
    )
    severe = None
    if hb.is_below(t.HB_SEVERE):
        severe = Finding(
            "severe-anemia",
            f"Severe anemia: hemoglobin {hb.display()} is below {number(t.HB_SEVERE)} g/dL "
            "(restrictive transfusion threshold, design default).",
            ("hemoglobin",),
            design_default=True,
        )
    return found, severe


def microcytosis(labs: Labs, patient: PatientContext, notes: list[str]) -> Finding | None:
    mcv = labs.get("mcv")
    if mcv is None:
        return None
    if patient.age is None:
        # Adult and child limits differ; without an age only an MCV below every limit is certain.
        lowest = min(limit for _, _, limit in t.MCV_CHILD_LIMITS)
        if mcv.is_below(lowest):
            return Finding(
                "microcytosis",
                f"Microcytosis: MCV {mcv.display()} is below {number(lowest)} fL, small at any age.",
                ("mcv",),
                AAFP_2010_MICROCYTOSIS,
            )
        notes.append("microcytosis was not assessed: the patient's age is unknown")
        return None
    threshold = t.microcytosis_threshold(patient.age, mcv.low)
    if threshold is None:
        notes.append("microcytosis was not assessed: no MCV limit applies under 6 months")
        return None
    if not mcv.is_below(threshold.value):
        return None
    return Finding(
        "microcytosis",
        f"Microcytosis: MCV {mcv.display()} is below {number(threshold.value)} fL ({threshold.basis}).",
        ("mcv",),
        AAFP_2010_MICROCYTOSIS,
        design_default="design default" in threshold.basis,
    )


def microcytosis_history(labs: Labs, patient: PatientContext, found: Finding | None) -> Finding | None:
    """Long-standing (small on a count >= 12 months before) or new (after a normal MCV) microcytosis."""
    latest = labs.get("mcv")
    if found is None or latest is None or patient.age is None:
        return None
    threshold = t.microcytosis_threshold(patient.age, latest.low)
    if threshold is None:
        return None
    earlier = [r for r in labs.series("mcv") if r.when < latest.when and r.source != latest.source]
    old = latest.when - timedelta(days=t.MICROCYTOSIS_LONG_STANDING_DAYS)
    small_long_ago = [r for r in earlier if r.when <= old and r.is_below(threshold.value)]
    normal = [r for r in earlier if r.is_below(threshold.value) is False]
    if normal and (not small_long_ago or normal[-1].when > small_long_ago[-1].when):
        last = normal[-1]
        return Finding(
            "microcytosis-new",
            f"New microcytosis: MCV was {last.display()} on {last.date}, not small; a microcytosis new "
            "since a normal MCV points first to an acquired cause, iron deficiency or blood loss "
            "(AAFP 2010).",
            ("mcv",),
            AAFP_2010_MICROCYTOSIS,
        )
    if small_long_ago:
        first = small_long_ago[0]
        return Finding(
            "microcytosis-long-standing",
            f"Long-standing microcytosis: MCV was already {first.display()} on {first.date}, at least 12 "
            "months before; this favours a thalassemia trait or another inherited cause over new iron "
            "deficiency (AAFP 2010: review the prior counts).",
            ("mcv",),
            AAFP_2010_MICROCYTOSIS,
            design_default=True,
        )
    return None


def hypochromia(labs: Labs) -> Finding | None:
    mch = labs.get("mch")
    if mch is None:
        return None
    limit, basis = (
        (mch.low, "the lab's reference range") if mch.low is not None else (t.MCH_LOW, "design default")
    )
    if not mch.is_below(limit):
        return None
    return Finding(
        "hypochromia",
        f"Hypochromia: MCH {mch.display()} is below {number(limit)} pg ({basis}).",
        ("mch",),
        design_default=mch.low is None,
    )


def erythrocytosis(labs: Labs, patient: PatientContext) -> Finding | None:
    """WHO 2016 PV criteria, adults only; unknown sex takes the women's (lower) thresholds."""
    if patient.age is None or patient.age.years < t.ADULT_AGE or patient.pregnant:
        return None
    hb_limit, hct_limit = t.erythrocytosis_thresholds(patient.sex)
    hb, hct = labs.get("hemoglobin"), labs.get("hematocrit")
    if hb is not None and hb.is_above(hb_limit):
        return Finding(
            "erythrocytosis",
            f"Erythrocytosis: hemoglobin {hb.display()} is above {number(hb_limit)} g/dL (WHO 2016).",
            ("hemoglobin",),
        )
    if hct is not None and hct.is_above(hct_limit):
        return Finding(
            "erythrocytosis",
            f"Erythrocytosis: hematocrit {hct.display()} is above {number(hct_limit)} % (WHO 2016).",
            ("hematocrit",),
        )
    return None


def erythrocytosis_persistent(labs: Labs, patient: PatientContext, found: Finding | None) -> Finding | None:
    """The latest raised Hb or Hct was raised on a count at least 8 weeks before it, too."""
    if found is None:
        return None
    hb_limit, hct_limit = t.erythrocytosis_thresholds(patient.sex)
    latest = labs.get(found.evidence[0])
    if latest is None:
        return None
    before = latest.when - timedelta(days=t.ERYTHROCYTOSIS_REPEAT_DAYS)
    for key, limit in (("hemoglobin", hb_limit), ("hematocrit", hct_limit)):
        earlier = [r for r in labs.series(key) if r.when <= before and r.is_above(limit)]
        if earlier:
            first = earlier[-1]
            return Finding(
                "erythrocytosis-persistent",
                f"Persistent: {first.analyte.name.lower()} was raised on {first.date} too "
                f"({first.display()}), at least {t.ERYTHROCYTOSIS_REPEAT_DAYS // 7} weeks before.",
                (key,),
                KEOHANE_2013_ERYTHROCYTOSIS,
            )
    return None


def erythrocytosis_urgent(labs: Labs, patient: PatientContext, found: Finding | None) -> Finding | None:
    hct = labs.get("hematocrit")
    if found is None or hct is None:
        return None
    limit = t.HCT_URGENT_MEN if patient.sex is Sex.MALE else t.HCT_URGENT_WOMEN
    if not hct.is_above(limit):
        return None
    return Finding(
        "erythrocytosis-urgent",
        f"Hematocrit {hct.display()} is above {number(limit)} %: urgent outside cyanotic heart disease "
        "(Keohane 2013).",
        ("hematocrit",),
        KEOHANE_2013_ERYTHROCYTOSIS,
    )


def high_rbc(labs: Labs, patient: PatientContext) -> Finding | None:
    rbc = labs.get("rbc")
    if rbc is None:
        return None
    if rbc.high is None and (patient.age is None or patient.age.years < t.ADULT_AGE):
        return None  # the default limits are adult ones: a child needs the lab's range
    threshold = t.rbc_high_threshold(patient.sex, rbc.high)
    if not rbc.is_above(threshold.value):
        return None
    return Finding(
        "high-rbc",
        f"High RBC count: {rbc.display()} is above {number(threshold.value)} ×10¹²/L ({threshold.basis}).",
        ("rbc",),
        design_default=rbc.high is None,
    )


def mchc_artifact(labs: Labs) -> Finding | None:
    mchc = labs.get("mchc")
    if mchc is None or not mchc.is_above(t.MCHC_ARTIFACT):
        return None
    return Finding(
        "mchc-artifact",
        f"MCHC {mchc.display()} is above {number(t.MCHC_ARTIFACT)} g/dL, which suggests a measurement "
        "artifact: consider repeating the blood count.",
        ("mchc",),
    )
