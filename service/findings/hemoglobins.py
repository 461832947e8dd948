"""Findings of hemoglobin analysis and red-cell indices: thalassemia trait patterns."""

from __future__ import annotations

from service.citations import AAFP_2010_MICROCYTOSIS, VEHAPOGLU_2014_INDICES
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.derived import Derived
from service.labs.panel import Labs


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


def hba2(labs: Labs) -> tuple[Finding | None, Finding | None]:
    """(raised, not raised): HbA2 > 3.5 % is beta-thalassemia trait."""
    result = labs.get("hba2")
    if result is None:
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


def hbf_normal(labs: Labs, notes: list[str]) -> Finding | None:
    """HbF within the lab's own range: no default range is assumed (docs/workup.md#left-out)."""
    result = labs.get("hbf")
    if result is None:
        return None
    if "N" in result.flags or (result.high is not None and result.is_above(result.high) is False):
        return Finding("hbf-normal", f"HbF {result.display()} is within the lab's reference range.", ("hbf",))
    if result.high is None and not result.flags:
        notes.append(f"HbF {result.display()} could not be judged: the lab gave no reference range or flag")
    return None
