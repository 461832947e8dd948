"""Findings of iron status: inflammation, ferritin against its cutoff, transferrin saturation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from service.citations import (
    AAFP_2007_IDA,
    AASLD_2011_HEMOCHROMATOSIS,
    AGA_2020_IDA,
    BSH_2020_PREGNANCY,
    EASL_2022_HAEMOCHROMATOSIS,
    KDIGO_2012_ANEMIA_CKD,
    WHO_2020_FERRITIN,
)
from service.dates import day
from service.findings import thresholds as t
from service.findings.model import Finding, IronStatus
from service.findings.treatment import iron_therapy_at
from service.formatting import number
from service.labs.derived import TSAT_DISAGREEMENT_POINTS, Derived
from service.labs.panel import Labs
from service.labs.results import LabResult
from service.patient.model import Diagnosis, IronPrescription, PatientContext


@dataclass(frozen=True)
class Saturation:
    """The transferrin saturation the workup reasons with: the lab's own, else iron ÷ TIBC of one sample."""

    reported: LabResult | None
    calculated: float | None
    shown: str
    evidence: tuple[str, ...]

    def is_below(self, limit: float) -> bool | None:
        if self.reported is not None:
            return self.reported.is_below(limit)
        return self.calculated is not None and self.calculated < limit

    def is_above(self, limit: float) -> bool | None:
        if self.reported is not None:
            return self.reported.is_above(limit)
        return self.calculated is not None and self.calculated > limit


def saturation(labs: Labs, derived: Derived) -> Saturation | None:
    reported = labs.get("tsat")
    if reported is not None:
        return Saturation(reported, None, reported.display(), ("tsat",))
    if derived.tsat_calculated is not None:
        shown = f"{number(derived.tsat_calculated)} % (iron ÷ TIBC)"
        return Saturation(None, derived.tsat_calculated, shown, ("iron", "tibc"))
    return None


def inflammation(labs: Labs) -> Finding | None:
    crp = labs.get("crp")
    if crp is None or not crp.is_above(t.CRP_INFLAMMATION):
        return None
    return Finding(
        "inflammation",
        f"Inflammation: CRP {crp.display()} is above {number(t.CRP_INFLAMMATION)} mg/L, so ferritin "
        "may be raised by inflammation rather than iron stores (WHO 2020).",
        ("crp",),
        WHO_2020_FERRITIN,
    )


def iron_status(
    labs: Labs,
    patient: PatientContext,
    inflamed: bool,
    anemic: bool,
    notes: list[str],
    derived: Derived | None = None,
) -> tuple[IronStatus, Finding | None]:
    """Where ferritin stands against the WHO 2020 cutoffs, AGA 2020 in anemia, and the inflammation band."""
    ferritin = labs.get("ferritin")
    if ferritin is None:
        return IronStatus.UNKNOWN, None
    cutoff = t.ferritin_cutoff(patient.age, inflamed)
    value = ferritin.display()
    below_cutoff = ferritin.is_below(cutoff.value)
    if below_cutoff:
        return IronStatus.DEFICIENT, Finding(
            "iron-deficiency",
            f"Iron deficiency: ferritin {value} is below {number(cutoff.value)} µg/L ({cutoff.basis}).",
            ("ferritin", "crp") if inflamed else ("ferritin",),
            WHO_2020_FERRITIN,
        )
    if patient.pregnant and not inflamed and ferritin.is_below(t.FERRITIN_ID_PREGNANCY):
        return IronStatus.DEFICIENT, Finding(
            "iron-deficiency",
            f"Iron deficiency in pregnancy: ferritin {value} is below {number(t.FERRITIN_ID_PREGNANCY)} µg/L "
            "(BSH 2020).",
            ("ferritin",),
            BSH_2020_PREGNANCY,
        )
    adult = patient.age is not None and patient.age.years >= t.ADULT_AGE
    if not inflamed and anemic and adult and ferritin.is_below(t.FERRITIN_ID_IN_ANEMIA):
        return IronStatus.LIKELY, Finding(
            "iron-deficiency-likely",
            f"Iron deficiency likely: in anemia, ferritin {value} is below "
            f"{number(t.FERRITIN_ID_IN_ANEMIA)} µg/L (AGA 2020: sensitivity 85 %, specificity 92 %).",
            ("ferritin", "hemoglobin"),
            AGA_2020_IDA,
        )
    at_most_100 = ferritin.is_above(t.FERRITIN_INFLAMED_MAX_ID) is False
    if inflamed and below_cutoff is False and at_most_100:
        return IronStatus.POSSIBLE, Finding(
            "iron-deficiency-possible",
            f"Iron deficiency possible: ferritin is {value}, but with inflammation a ferritin up to "
            f"{number(t.FERRITIN_INFLAMED_MAX_ID)} µg/L still allows it.",
            ("ferritin", "crp"),
            WHO_2020_FERRITIN,
        )
    if below_cutoff is None:
        notes.append(
            f"iron status was not assessed: ferritin {value} cannot be placed against the "
            f"{number(cutoff.value)} µg/L cutoff"
        )
        return IronStatus.UNKNOWN, None
    treated = iron_therapy_at(patient, ferritin.when)
    if treated is not None:
        return _on_treatment(labs, patient, ferritin, treated)
    ckd = _ckd_iron_trial(labs, derived, patient, ferritin, anemic)
    if ckd is not None:
        return IronStatus.POSSIBLE, ckd
    unlikely = not inflamed and ferritin.is_below(t.FERRITIN_ID_UNLIKELY) is False
    statement = (
        f"Iron deficiency unlikely: ferritin {value} is at least {number(t.FERRITIN_ID_UNLIKELY)} µg/L "
        "without inflammation."
        if unlikely
        else f"Iron replete by ferritin: {value} is not below {number(cutoff.value)} µg/L ({cutoff.basis})."
    )
    return IronStatus.REPLETE, Finding("iron-replete", statement, ("ferritin",), WHO_2020_FERRITIN)


def _ckd_iron_trial(
    labs: Labs, derived: Derived | None, patient: PatientContext, ferritin: LabResult, anemic: bool
) -> Finding | None:
    """KDIGO 2012: in CKD with anemia, ferritin <= 500 and TSAT <= 30 % is iron deficiency, functional or
    absolute, and an iron trial is suggested: never "iron replete"."""
    if not anemic or not patient.has(Diagnosis.CHRONIC_KIDNEY_DISEASE) or derived is None:
        return None
    tsat = saturation(labs, derived)
    if tsat is None or tsat.is_above(t.CKD_TSAT_IRON_TRIAL) is not False:
        return None
    if ferritin.is_above(t.CKD_FERRITIN_IRON_TRIAL) is not False:
        return None
    return Finding(
        "iron-deficiency-ckd",
        f"In chronic kidney disease with anemia, ferritin {ferritin.display()} (at most "
        f"{number(t.CKD_FERRITIN_IRON_TRIAL)} µg/L) with transferrin saturation {tsat.shown} (at most "
        f"{number(t.CKD_TSAT_IRON_TRIAL)} %) is functional or absolute iron deficiency, not iron replete: "
        "KDIGO 2012 suggests an iron trial.",
        ("ferritin", *tsat.evidence),
        KDIGO_2012_ANEMIA_CKD,
    )


def _on_treatment(
    labs: Labs, patient: PatientContext, ferritin: LabResult, treated: IronPrescription
) -> tuple[IronStatus, Finding]:
    """A ferritin on iron is never "replete": the deficiency documented before it still stands."""
    on = (
        f"ferritin {ferritin.display()} of {ferritin.date} was measured on {treated.name}"
        + (f" (started {day(treated.started)})" if treated.started else "")
        + ": it reflects the treatment, not the stores, and is not read as iron replete"
    )
    cutoff = t.ferritin_cutoff(patient.age, inflamed=False)
    oldest = ferritin.when - timedelta(days=t.IRON_DEFICIENCY_CARRIED_DAYS)
    low = [
        r for r in labs.series("ferritin") if oldest <= r.when < ferritin.when and r.is_below(cutoff.value)
    ]
    if low:
        earlier = low[-1]
        return IronStatus.DEFICIENT, Finding(
            "iron-deficiency-documented",
            f"Iron deficiency documented on {earlier.date}: ferritin {earlier.display()} was below "
            f"{number(cutoff.value)} µg/L ({cutoff.basis}); the {on} (design default).",
            ("ferritin",),
            WHO_2020_FERRITIN,
            design_default=True,
        )
    return IronStatus.ON_TREATMENT, Finding(
        "iron-studies-on-iron", f"The {on} (design default).", ("ferritin",), design_default=True
    )


def tsat_low(tsat: Saturation | None) -> Finding | None:
    """TSAT < 20 % supports iron deficiency; the lab's TSAT first, else iron ÷ TIBC."""
    if tsat is None or not tsat.is_below(t.TSAT_LOW):
        return None
    return Finding(
        "tsat-low",
        f"Transferrin saturation {tsat.shown} is below {number(t.TSAT_LOW)} %, which supports iron "
        "deficiency (design default from AAFP 2007).",
        tsat.evidence,
        AAFP_2007_IDA,
        design_default=True,
    )


def tsat_very_low(tsat: Saturation | None) -> Finding | None:
    """TSAT < 10 %: with a ferritin that is not low and no inflammation, the IRIDA pattern."""
    if tsat is None or not tsat.is_below(t.TSAT_VERY_LOW):
        return None
    return Finding(
        "tsat-very-low",
        f"Transferrin saturation {tsat.shown} is below {number(t.TSAT_VERY_LOW)} %.",
        tsat.evidence,
    )


def iron_loading(labs: Labs, tsat: Saturation | None, patient: PatientContext) -> Finding | None:
    """A high ferritin with TSAT > 45 %: iron is loading, not lacking (AASLD 2011)."""
    ferritin = labs.get("ferritin")
    if ferritin is None or tsat is None or iron_therapy_at(patient, ferritin.when) is not None:
        return None  # on iron, the studies show the treatment, not a load
    high = t.ferritin_high_threshold(patient.sex, ferritin.high)
    if not ferritin.is_above(high.value) or not tsat.is_above(t.TSAT_IRON_LOADING):
        return None
    return Finding(
        "iron-loading",
        f"Iron loading: ferritin {ferritin.display()} is above {number(high.value)} µg/L ({high.basis}) and "
        f"transferrin saturation {tsat.shown} is above {number(t.TSAT_IRON_LOADING)} % (AASLD 2011).",
        ("ferritin", *tsat.evidence),
        AASLD_2011_HEMOCHROMATOSIS,
        design_default=ferritin.high is None,
    )


def ferritin_very_high(
    labs: Labs, tsat: Saturation | None, patient: PatientContext, loading: Finding | None
) -> Finding | None:
    """Ferritin of 1000 µg/L or more that is not iron loading by its TSAT (none, or not above 45 %)."""
    ferritin = labs.get("ferritin")
    if ferritin is None or loading is not None or iron_therapy_at(patient, ferritin.when) is not None:
        return None
    if ferritin.is_below(t.FERRITIN_VERY_HIGH) is not False:
        return None
    judged = (
        "with no transferrin saturation to tell iron loading from the other causes of a high ferritin"
        if tsat is None
        else f"with a transferrin saturation of {tsat.shown}, not above {number(t.TSAT_IRON_LOADING)} %"
    )
    return Finding(
        "ferritin-very-high",
        f"Ferritin {ferritin.display()} is at or above {number(t.FERRITIN_VERY_HIGH)} µg/L, {judged} "
        "(design default).",
        ("ferritin", *(tsat.evidence if tsat else ())),
        EASL_2022_HAEMOCHROMATOSIS,
        design_default=True,
    )


def tsat_disagrees(labs: Labs, derived: Derived) -> Finding | None:
    reported = labs.get("tsat")
    if not derived.tsat_disagrees or reported is None or derived.tsat_calculated is None:
        return None
    return Finding(
        "tsat-disagrees",
        f"The reported transferrin saturation {reported.display()} differs from iron ÷ TIBC "
        f"({number(derived.tsat_calculated)} %) by more than {number(TSAT_DISAGREEMENT_POINTS)} points: "
        "check the results.",
        ("tsat", "iron", "tibc"),
    )
