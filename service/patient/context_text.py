"""The patient context in one line for a person: what the thresholds were chosen by."""

from __future__ import annotations

from service.dates import day
from service.patient.model import PatientContext, Sex


def describe(p: PatientContext) -> str:
    parts = [p.sex.value if p.sex is not Sex.UNKNOWN else "sex unknown"]
    parts.append(f"{p.age} on {day(p.age_on)}" if p.age is not None else "age unknown")
    if p.pregnant:
        parts.append(f"pregnant, trimester {p.trimester}" if p.trimester else "pregnant, trimester unknown")
    elif p.sex is Sex.FEMALE and p.age is not None and not p.is_child:
        if p.postmenopausal:
            basis = (
                " (assumed from age, design default)" if p.menopause_basis == "age default" else " (recorded)"
            )
            parts.append(f"postmenopausal{basis}")
        else:
            parts.append("premenopausal")
    # Most patients have neither: the tests spare sorting and collecting nothing.
    if p.diagnoses:
        parts.append(f"known: {', '.join(sorted(d.label for d in p.diagnoses))}")
    else:
        parts.append("no related diagnosis on record")
    if p.iron_prescriptions:
        parts.append(f"on {', '.join(p.iron_names)}")
    return "; ".join(parts)
