"""Findings of the blood count: anemia, microcytosis, hypochromia, erythrocytosis, high RBC count."""

from __future__ import annotations

from datetime import date, timedelta

from service.citations import AAFP_2010_MICROCYTOSIS, KEOHANE_2013_ERYTHROCYTOSIS, WHO_2024_HEMOGLOBIN
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.panel import Labs
from service.labs.results import LabResult
from service.patient.model import PatientContext, Sex


def hb_threshold(patient: PatientContext) -> t.Threshold | None:
    """The WHO 2024 anemia threshold for this patient, which the cytopenia history reads too."""
    if patient.age is None:
        return None
    return t.anemia_threshold(patient.age, patient.sex, patient.pregnant, patient.trimester)


def anemia(
    labs: Labs, patient: PatientContext, threshold: t.Threshold | None, notes: list[str]
) -> tuple[Finding | None, Finding | None]:
    """(anemia, severe anemia) by the WHO 2024 threshold for this patient (:func:`hb_threshold`)."""
    hb = labs.get("hemoglobin")
    if hb is None:
        return None, None
    if patient.age is None:
        notes.append("anemia was not assessed: the patient's age is unknown")
        return None, None
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


def mcv_threshold(labs: Labs, patient: PatientContext) -> t.Threshold | None:
    """The MCV below which this patient's latest MCV is small, which its history is read against too."""
    mcv = labs.get("mcv")
    if mcv is None or patient.age is None:
        return None
    return t.microcytosis_threshold(patient.age, mcv.low)


def microcytosis(
    labs: Labs, patient: PatientContext, threshold: t.Threshold | None, notes: list[str]
) -> Finding | None:
    """Against :func:`mcv_threshold`; without an age, only an MCV small at any age."""
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


def microcytosis_history(labs: Labs, threshold: t.Threshold | None, found: Finding | None) -> Finding | None:
    """Long-standing (small on a count >= 12 months before) or new (after a normal MCV) microcytosis."""
    latest = labs.get("mcv")
    if found is None or latest is None or threshold is None:
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


def _raised_count(hb: LabResult | None, hct: LabResult | None, sex: Sex) -> bool | None:
    """Is one count raised at the level UK pathways act on? The Hct when reported, against the BSH
    limits (Keohane 2013); a count without one by its Hb, against WHO 2016 (design default)."""
    if hct is not None:
        return hct.is_above(t.action_hematocrit(sex))
    if hb is not None:
        return hb.is_above(t.erythrocytosis_thresholds(sex)[0])
    return None


def _counts(labs: Labs) -> list[tuple[date, LabResult | None, LabResult | None]]:
    """(day, Hb, Hct) of every count with either, newest first; the day's last result of each."""
    by_day: dict[date, dict[str, LabResult]] = {}
    for key in ("hemoglobin", "hematocrit"):
        for r in labs.series(key):
            by_day.setdefault(r.when.date(), {})[key] = r
    return [(d, v.get("hemoglobin"), v.get("hematocrit")) for d, v in sorted(by_day.items(), reverse=True)]


def erythrocytosis_below_action(
    labs: Labs, patient: PatientContext, found: Finding | None, microcytosis: Finding | None
) -> Finding | None:
    """Raised by WHO 2016 with normal cells, yet the Hct reported with it is below the level UK pathways
    act on (small cells with a raised Hb are investigated on the first count whatever the Hct)."""
    hct = labs.get("hematocrit")
    if found is None or microcytosis is not None or hct is None:
        return None
    if hct.is_above(t.action_hematocrit(patient.sex)) is not False:
        return None
    return Finding(
        "erythrocytosis-below-action-level",
        f"The hematocrit {hct.display()} is not above {number(t.action_hematocrit(patient.sex))} %, "
        "the level at which UK pathways repeat the count and then investigate (BSH; Keohane 2013): with "
        "normal cells, no repeat or JAK2 is suggested for this count.",
        ("hematocrit",),
        KEOHANE_2013_ERYTHROCYTOSIS,
    )


def _raised_run(labs: Labs, sex: Sex) -> list[tuple[date, LabResult]]:
    """The latest count and the raised counts before it, newest first, back to a normal count or to
    the persistence window's edge; empty when the latest count is not raised at the action level."""
    counts = _counts(labs)
    if not counts or not _raised_count(counts[0][1], counts[0][2], sex):
        return []
    latest = counts[0][0]
    run: list[tuple[date, LabResult]] = []
    for day_, hb, hct in counts:
        raised = _raised_count(hb, hct, sex)
        if (latest - day_).days > t.ERYTHROCYTOSIS_PERSISTENCE_MAX_DAYS or raised is False:
            break
        if raised:
            run.append((day_, next(r for r in (hct, hb) if r is not None)))
    return run


def erythrocytosis_persistent(labs: Labs, patient: PatientContext, found: Finding | None) -> Finding | None:
    """Raised on every count back to one 8 weeks to 12 months before the latest (BSH: a persistently
    raised Hct); a normal count between them ends the run."""
    run = _raised_run(labs, patient.sex) if found is not None else []
    old = [r for day_, r in run[1:] if (run[0][0] - day_).days >= t.ERYTHROCYTOSIS_REPEAT_DAYS]
    if not old:
        return None
    first = old[0]
    return Finding(
        "erythrocytosis-persistent",
        f"Persistent: {first.analyte.name.lower()} was raised on {first.date} too ({first.display()}), at "
        f"least {t.ERYTHROCYTOSIS_REPEAT_DAYS // 7} weeks before, with no normal count since.",
        (first.analyte.key,),
        KEOHANE_2013_ERYTHROCYTOSIS,
    )


def erythrocytosis_repeat_pending(
    labs: Labs, patient: PatientContext, found: Finding | None
) -> Finding | None:
    """Raised at the action level on an earlier count under 8 weeks ago, with no normal count since:
    that count asked for the repeat, which is not due yet."""
    run = _raised_run(labs, patient.sex) if found is not None else []
    if len(run) < 2 or (run[0][0] - run[-1][0]).days >= t.ERYTHROCYTOSIS_REPEAT_DAYS:
        return None
    earlier = run[1][1]
    return Finding(
        "erythrocytosis-repeat-pending",
        f"Raised on {earlier.date} too ({earlier.display()}), under "
        f"{t.ERYTHROCYTOSIS_REPEAT_DAYS // 7} weeks ago: the repeat that tells persistence is not due yet.",
        (earlier.analyte.key,),
        KEOHANE_2013_ERYTHROCYTOSIS,
    )


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
