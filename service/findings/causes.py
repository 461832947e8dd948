"""Findings that point to a cause outside the red cell: hypoxemia and blood lead."""

from __future__ import annotations

from service.citations import CDC_2021_LEAD
from service.findings import thresholds as t
from service.findings.model import Finding
from service.formatting import number
from service.labs.panel import Labs

CAPILLARY_LEAD = "10368-9"  # LOINC: lead in capillary blood, which skin contamination can raise


def hypoxemia(labs: Labs) -> Finding | None:
    spo2 = labs.get("spo2")
    if spo2 is None or not spo2.is_below(t.SPO2_HYPOXEMIA):
        return None
    return Finding(
        "hypoxemia",
        f"Hypoxemia: SpO2 {spo2.display()} is below {number(t.SPO2_HYPOXEMIA)} %, which points to a "
        "secondary (hypoxic) cause of erythrocytosis.",
        ("spo2",),
    )


def lead_elevated(labs: Labs) -> Finding | None:
    lead = labs.get("lead")
    if lead is None or lead.is_below(t.LEAD_REFERENCE_VALUE) is not False:
        return None
    sample = "capillary " if lead.code == CAPILLARY_LEAD else ""
    return Finding(
        "lead-elevated",
        f"The {sample}blood lead of {lead.date}, {lead.display()}, is at or above the CDC blood lead "
        f"reference value of {number(t.LEAD_REFERENCE_VALUE)} µg/dL.",
        ("lead",),
        CDC_2021_LEAD,
    )
