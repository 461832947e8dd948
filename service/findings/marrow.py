"""Findings of marrow output: cytopenias of more than one lineage, and a reticulocyte response.

The cytopenia limits are design defaults (docs/workup.md#cytopenia-thresholds) and apply at every
age: the card says so. A low neutrophil count stands for the white-cell lineage as well as
a low WBC, since neutropenia is what carries the risk.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from service.citations import (
    CRAWFORD_2004_NEUTROPENIA,
    KEOHANE_2013_ERYTHROCYTOSIS,
    TEFFERI_2003_ANEMIA,
    WEINZIERL_2013_PANCYTOPENIA,
)
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.derived import Derived
from service.labs.panel import Labs
from service.labs.results import LabResult
from service.patient.model import PatientContext

CYTOPENIA_EVIDENCE = ("hemoglobin", "wbc", "neutrophils", "platelets")


def leukopenia(labs: Labs) -> Finding | None:
    wbc, anc = labs.get("wbc"), labs.get("neutrophils")
    low = []
    if wbc is not None and wbc.is_below(t.WBC_LOW):
        low.append(f"WBC {wbc.display()} is below {number(t.WBC_LOW)} ×10⁹/L")
    if anc is not None and anc.is_below(t.ANC_LOW):
        low.append(f"neutrophils {anc.display()} are below {number(t.ANC_LOW)} ×10⁹/L")
    if not low:
        return None
    name = "Leukopenia" if low[0].startswith("WBC") else "Neutropenia"
    return Finding("leukopenia", f"{name}: {' and '.join(low)}.", ("wbc", "neutrophils"), design_default=True)


def thrombocytopenia(labs: Labs) -> Finding | None:
    platelets = labs.get("platelets")
    if platelets is None or not platelets.is_below(t.PLATELETS_LOW):
        return None
    return Finding(
        "thrombocytopenia",
        f"Thrombocytopenia: platelets {platelets.display()} are below {number(t.PLATELETS_LOW)} ×10⁹/L.",
        ("platelets",),
        design_default=True,
    )


def moderate_cytopenia(labs: Labs, cytopenia: Finding | None) -> Finding | None:
    """One line of a cytopenia moderately low: Hb < 10, platelets < 100, ANC < 1.0 or WBC < 3.0."""
    if cytopenia is None:
        return None
    low = [
        f"{name} {result.display()} is below {number(limit)}"
        for key, name, limit in (
            ("hemoglobin", "Hb", t.HB_MODERATE),
            ("platelets", "platelets", t.PLATELETS_MODERATE),
            ("neutrophils", "neutrophils", t.ANC_MODERATE),
            ("wbc", "WBC", t.WBC_MODERATE),
        )
        if (result := labs.get(key)) is not None and result.is_below(limit)
    ]
    if not low:
        return None
    return Finding(
        "moderate-cytopenia",
        f"At least one line is moderately low: {', '.join(low)} (design default).",
        CYTOPENIA_EVIDENCE,
        design_default=True,
    )


def _low_before(labs: Labs, anemia: t.Threshold | None) -> list[tuple[str, LabResult]]:
    """Every low result of the four lines, by lineage: the history both cytopenia windows look at.

    Read once for both windows, in the order a summary names the lineages, each series oldest first.
    """
    lines = (
        ("red cells", "hemoglobin", anemia.value if anemia else None),
        ("white cells", "wbc", t.WBC_LOW),
        ("white cells", "neutrophils", t.ANC_LOW),
        ("platelets", "platelets", t.PLATELETS_LOW),
    )
    return [
        (lineage, r)
        for lineage, key, limit in lines
        if limit is not None
        for r in labs.series(key)
        if r.is_below(limit)
    ]


def _low_between(low: list[tuple[str, LabResult]], oldest: datetime, latest: datetime) -> dict[str, str]:
    """The lineages low on a count between two instants: lineage -> its oldest low result there, shown."""
    shown: dict[str, str] = {}
    for lineage, r in low:
        if lineage not in shown and oldest <= r.when <= latest:
            shown[lineage] = f"{r.analyte.name} {r.display()} on {r.date}"
    return shown


def cytopenia_history(
    labs: Labs, patient: PatientContext, anemia: t.Threshold | None, cytopenia: Finding | None
) -> tuple[Finding | None, Finding | None]:
    """Two lineages low on an earlier count: 4 weeks to a year before this one (the cytopenias persist),
    or under 4 weeks ago (the repeat that tells a persisting cytopenia is not due yet). ``anemia`` is
    the patient's anemia threshold (:func:`service.findings.blood_count.hb_threshold`)."""
    if cytopenia is None or labs.cbc_date is None or patient.age is None:
        return None, None
    low = _low_before(labs, anemia)
    repeat_due = labs.cbc_date - timedelta(days=t.CYTOPENIA_REPEAT_DAYS)
    oldest = labs.cbc_date - timedelta(days=t.CYTOPENIA_PERSISTENCE_MAX_DAYS)
    day_start = labs.cbc_date.replace(hour=0, minute=0, second=0, microsecond=0)
    persisting = _low_between(low, oldest, repeat_due)
    pending = _low_between(low, repeat_due, day_start - timedelta(microseconds=1))
    persistent = (
        Finding(
            "cytopenia-persistent",
            f"The cytopenias persist: {', '.join(persisting.values())} were low on a count at least "
            f"{t.CYTOPENIA_REPEAT_DAYS // 7} weeks earlier.",
            CYTOPENIA_EVIDENCE,
            design_default=True,
        )
        if len(persisting) >= 2
        else None
    )
    repeat_pending = (
        Finding(
            "cytopenia-repeat-pending",
            f"Low on an earlier count too, under {t.CYTOPENIA_REPEAT_DAYS // 7} weeks ago ("
            f"{', '.join(pending.values())}): the repeat count that tells a persisting cytopenia is not due "
            "yet.",
            CYTOPENIA_EVIDENCE,
            design_default=True,
        )
        if len(pending) >= 2
        else None
    )
    return persistent, repeat_pending


def leukocytosis(labs: Labs) -> Finding | None:
    wbc = labs.get("wbc")
    if wbc is None or not wbc.is_above(t.WBC_LEUKOCYTOSIS):
        return None
    return Finding(
        "leukocytosis",
        f"Leukocytosis: WBC {wbc.display()} is above {number(t.WBC_LEUKOCYTOSIS)} ×10⁹/L.",
        ("wbc",),
        KEOHANE_2013_ERYTHROCYTOSIS,
    )


def thrombocytosis(labs: Labs) -> Finding | None:
    """Platelets above 450 (often reactive in iron deficiency); at or above 1000, extreme."""
    platelets = labs.get("platelets")
    if platelets is None or not platelets.is_above(t.PLATELETS_THROMBOCYTOSIS):
        return None
    if platelets.is_below(t.PLATELETS_EXTREME) is False:
        return Finding(
            "extreme-thrombocytosis",
            f"Extreme thrombocytosis: platelets {platelets.display()} are at or above "
            f"{number(t.PLATELETS_EXTREME)} ×10⁹/L (design default).",
            ("platelets",),
            KEOHANE_2013_ERYTHROCYTOSIS,
            design_default=True,
        )
    return Finding(
        "thrombocytosis",
        f"Thrombocytosis: platelets {platelets.display()} are above {number(t.PLATELETS_THROMBOCYTOSIS)} "
        "×10⁹/L (often reactive in iron deficiency: recheck after repletion).",
        ("platelets",),
        KEOHANE_2013_ERYTHROCYTOSIS,
    )


def cytopenia(
    anemia: Finding | None, leukopenia: Finding | None, thrombocytopenia: Finding | None
) -> Finding | None:
    """Pancytopenia (all three lineages low) or bicytopenia (two of them)."""
    low = [f.id for f in (anemia, leukopenia, thrombocytopenia) if f is not None]
    if len(low) < 2:
        return None
    name = "pancytopenia" if len(low) == 3 else "bicytopenia"
    listed = f"{', '.join(low[:-1])} and {low[-1]}"
    return Finding(
        name,
        f"{name.capitalize()}: {listed} together (limits: WBC below {number(t.WBC_LOW)} or neutrophils "
        f"below {number(t.ANC_LOW)}, platelets below {number(t.PLATELETS_LOW)} ×10⁹/L, design default).",
        CYTOPENIA_EVIDENCE,
        WEINZIERL_2013_PANCYTOPENIA,
        design_default=True,
    )


def cytopenia_on_chemotherapy(labs: Labs, patient: PatientContext, low: Finding | None) -> Finding | None:
    """Low counts on the day of a chemotherapy cycle or in the 6 weeks after one: the myelosuppression
    the treating team expects and follows, not a marrow question (Crawford, Dale & Lyman 2004)."""
    if low is None or labs.cbc_date is None:
        return None
    day = labs.cbc_date.date()
    window = timedelta(days=t.CHEMOTHERAPY_MYELOSUPPRESSION_DAYS)
    given = next((c for c in patient.chemotherapy if day - window <= c.performed.date() <= day), None)
    if given is None:
        return None
    return Finding(
        "cytopenia-on-chemotherapy",
        f"On chemotherapy: {given.name} on {given.performed.date()} ({given.source}), "
        f"{(day - given.performed.date()).days} days before this count. Counts fall to a nadir 10–14 days "
        "after a cycle and recover in about 3 weeks (Crawford 2004): low counts within "
        f"{t.CHEMOTHERAPY_MYELOSUPPRESSION_DAYS // 7} weeks are read as treatment-related, followed by the "
        "treating team, and no marrow workup is suggested.",
        CYTOPENIA_EVIDENCE,
        CRAWFORD_2004_NEUTROPENIA,
        design_default=True,
    )


def critical_cytopenia(labs: Labs) -> Finding | None:
    """Neutrophils below 0.5 or platelets below 20 ×10⁹/L: a risk of infection or bleeding now."""
    anc, platelets = labs.get("neutrophils"), labs.get("platelets")
    severe = []
    if anc is not None and anc.is_below(t.ANC_CRITICAL):
        severe.append(
            f"severe neutropenia (neutrophils {anc.display()}, below {number(t.ANC_CRITICAL)} ×10⁹/L)"
        )
    if platelets is not None and platelets.is_below(t.PLATELETS_CRITICAL):
        severe.append(
            f"severe thrombocytopenia (platelets {platelets.display()}, "
            f"below {number(t.PLATELETS_CRITICAL)} ×10⁹/L)"
        )
    if not severe:
        return None
    text = " and ".join(severe)
    return Finding(
        "critical-cytopenia",
        f"{text[0].upper()}{text[1:]}.",
        ("neutrophils", "platelets"),
        design_default=True,
    )


def reticulocyte_response(derived: Derived, anemia: Finding | None) -> Finding | None:
    """RPI >= 2 with anemia: the marrow responds, so cells are being lost or destroyed."""
    if anemia is None or derived.rpi is None or derived.rpi < t.RPI_RESPONSE:
        return None
    return Finding(
        "reticulocyte-response",
        f"The reticulocyte production index {number(derived.rpi)} is at least {number(t.RPI_RESPONSE)} with "
        "anemia: the marrow is responding, which points to blood loss or hemolysis rather than a "
        "production problem.",
        ("retic_pct", "retic_abs", "hematocrit"),
        TEFFERI_2003_ANEMIA,
    )
