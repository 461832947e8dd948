"""Findings of hemoglobin analysis and red-cell indices: thalassemia trait patterns."""

from __future__ import annotations

from service.citations import (
    AAFP_2010_MICROCYTOSIS,
    MAIS_2009_HBA2_HBE,
    NHS_SCT_HANDBOOK,
    VEHAPOGLU_2014_INDICES,
)
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.derived import Derived
from service.labs.panel import Labs
from service.patient.model import PatientContext


def thalassemia_indices(derived: Derived) -> Finding | None:
    mentzer = derived.index("Mentzer")
    if mentzer is None or not mentzer.favours_thalassemia:
        return None
    return Finding(
        "thalassemia-indices",
        f"Mentzer index {number(mentzer.value)} is below {number(t.MENTZER_THALASSEMIA)}, which favours "
        "thalassemia trait over iron deficiency (an index ranks, it does not diagnose).",
        ("mcv", "rbc"),
        VEHAPOGLU_2014_INDICES,
    )


def hba2_variant(labs: Labs) -> Finding | None:
    """An "HbA2" only HbE or another variant reaches (it co-elutes with HbA2 on HPLC: Mais 2009)."""
    result = labs.get("hba2")
    if result is None or not result.is_above(t.HBA2_VARIANT):
        return None
    return Finding(
        "hba2-variant",
        f"HbA2 {result.display()} is above {number(t.HBA2_VARIANT)} %, more than beta-thalassemia trait "
        "gives (typically 3.5–7 %): consistent with HbE or another variant eluting in the A2 window on "
        "HPLC (Mais 2009; design default).",
        ("hba2",),
        MAIS_2009_HBA2_HBE,
        design_default=True,
    )


def hbs_present(labs: Labs) -> Finding | None:
    result = labs.get("hbs")
    if result is None or not result.is_above(0.0):
        return None
    above = result.is_above(t.HBS_TRAIT_MAX)
    reading = (
        f"above the sickle-trait range (up to about {number(t.HBS_TRAIT_MAX)} %, below HbA): consistent "
        "with sickle–beta-thalassemia or sickle cell disease, not a trait"
        if above
        else f"in the sickle-trait range (up to about {number(t.HBS_TRAIT_MAX)} %, below HbA)"
    )
    return Finding(
        "hbs-above-trait" if above else "hbs-trait-range",
        f"HbS {result.display()} is present, {reading} (NHS Sickle Cell and Thalassaemia Screening "
        "Programme; design default).",
        ("hbs",),
        NHS_SCT_HANDBOOK,
        design_default=True,
    )


def hba2(labs: Labs) -> tuple[Finding | None, Finding | None]:
    """(raised, not raised): HbA2 > 3.5 % is beta-thalassemia trait; above 10 % it is a variant."""
    result = labs.get("hba2")
    if result is None or hba2_variant(labs) is not None:
        return None, None
    raised = result.is_above(t.HBA2_RAISED)
    if raised:
        return Finding(
            "hba2-raised",
            f"HbA2 {result.display()} is above {number(t.HBA2_RAISED)} %, "
            "consistent with beta-thalassemia trait.",
            ("hba2",),
            AAFP_2010_MICROCYTOSIS,
        ), None
    if raised is False:
        return None, Finding(
            "hba2-not-raised",
            f"HbA2 {result.display()} is not above {number(t.HBA2_RAISED)} %.",
            ("hba2",),
            AAFP_2010_MICROCYTOSIS,
        )
    return None, None


def _adult(patient: PatientContext) -> bool:
    return patient.age is not None and patient.age.years >= t.ADULT_AGE


def hbf_normal(labs: Labs, patient: PatientContext, notes: list[str]) -> Finding | None:
    """HbF within the lab's range; without one, at most 2 % in an adult (design default)."""
    result = labs.get("hbf")
    if result is None:
        return None
    if "N" in result.flags or (result.high is not None and result.is_above(result.high) is False):
        return Finding("hbf-normal", f"HbF {result.display()} is within the lab's reference range.", ("hbf",))
    if result.high is None and not result.flags:
        if _adult(patient) and result.is_above(t.HBF_ADULT_MAX) is False:
            return Finding(
                "hbf-normal",
                f"HbF {result.display()} is not above {number(t.HBF_ADULT_MAX)} %, normal for an adult "
                "(the lab gave no range; design default).",
                ("hbf",),
                design_default=True,
            )
        if not _adult(patient):
            notes.append(
                f"HbF {result.display()} could not be judged: the lab gave no reference range or flag, "
                "and HbF falls through childhood"
            )
    return None


def hbf_raised(labs: Labs, patient: PatientContext) -> Finding | None:
    """HbF above the lab's range (or flagged high), else above 2 % in an adult: a finding of its own."""
    result = labs.get("hbf")
    if result is None:
        return None
    if result.high is not None or result.flags:
        raised = "H" in result.flags or (result.high is not None and result.is_above(result.high) is True)
        basis = "above the lab's reference range"
    else:
        raised = _adult(patient) and result.is_above(t.HBF_ADULT_MAX) is True
        basis = f"above {number(t.HBF_ADULT_MAX)} %, raised for an adult (design default)"
    if not raised:
        return None
    return Finding(
        "hbf-raised",
        f"HbF {result.display()} is {basis}: consistent with delta-beta thalassemia, hereditary persistence "
        "of fetal hemoglobin (HPFH) or another hemoglobinopathy.",
        ("hbf",),
        AAFP_2010_MICROCYTOSIS,
        design_default=result.high is None,
    )
