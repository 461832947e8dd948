"""The patient context as plain data, with the reason behind each inferred fact."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

SNOMED = "http://snomed.info/sct"


class Sex(enum.Enum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"  # Patient.gender other/unknown/absent: both sex thresholds apply, conservatively


class Diagnosis(enum.Enum):
    """Known diagnoses read from Condition, with their verified SNOMED CT codes.

    What each one explains, and so silences: docs/workup.md#known-diagnoses.
    """

    IRON_DEFICIENCY_ANEMIA = ("iron deficiency anemia", ("87522002",))
    BETA_THALASSEMIA_TRAIT = ("beta-thalassemia trait", ("269175006",))
    ALPHA_THALASSEMIA_TRAIT = ("alpha-thalassemia trait", ("191187006", "234385007"))
    THALASSEMIA = ("thalassemia", ("40108008",))
    POLYCYTHEMIA_VERA = ("polycythemia vera", ("109992005",))
    PANCYTOPENIA = ("pancytopenia", ("127034005",))
    # SNOMED CT, verified in the German COVID-19 research network value set: CKD, stages 1-5, and
    # stage 5 on dialysis. Context, not an explanation: it changes how ferritin and TSAT read (KDIGO 2012).
    CHRONIC_KIDNEY_DISEASE = (
        "chronic kidney disease",
        ("709044004", "431855005", "431856006", "433144002", "431857002", "433146000", "714152005"),
    )

    def __init__(self, label: str, codes: tuple[str, ...]) -> None:
        self.label = label
        self.codes = codes

    @property
    def is_thalassemia(self) -> bool:
        return self in (
            Diagnosis.BETA_THALASSEMIA_TRAIT,
            Diagnosis.ALPHA_THALASSEMIA_TRAIT,
            Diagnosis.THALASSEMIA,
        )


@dataclass(frozen=True)
class Age:
    years: int
    months: int  # completed months of life, for the pediatric thresholds

    def __str__(self) -> str:
        return f"{self.years} y" if self.years >= 2 else f"{self.months} months"


class Route(enum.Enum):
    ORAL = "oral"
    INTRAVENOUS = "intravenous"


@dataclass(frozen=True)
class IronPrescription:
    """Iron the patient is prescribed or takes, and since when (a response is read against it)."""

    name: str  # as the record names it ("ferrous sulfate 325 MG Oral Tablet")
    route: Route
    started: datetime | None  # MedicationRequest.authoredOn, MedicationStatement.effective[x]
    source: str  # "MedicationRequest/<id>"


class CauseKind(enum.Enum):
    """A secondary cause of erythrocytosis the record can hold (docs/workup.md#secondary-causes)."""

    TESTOSTERONE = ("testosterone", "medicine")
    SGLT2_INHIBITOR = ("an SGLT2 inhibitor", "medicine")
    ESA = ("an erythropoiesis-stimulating agent", "medicine")
    DIURETIC = ("a diuretic", "medicine")
    COPD = ("COPD", "diagnosis")
    SLEEP_APNOEA = ("sleep apnoea", "diagnosis")
    CYANOTIC_HEART_DISEASE = ("cyanotic heart disease", "diagnosis")
    RENAL_TRANSPLANT = ("a renal transplant", "diagnosis")

    def __init__(self, label: str, kind: str) -> None:
        self.label = label
        self.kind = kind


@dataclass(frozen=True)
class SecondaryCause:
    """A medicine or diagnosis on the record that can raise the red cell mass, and since when."""

    cause: CauseKind
    name: str  # as the record names it ("testosterone cypionate 200 MG/ML Injectable Solution")
    short: str  # the ingredient or the diagnosis, for a summary ("testosterone", "COPD")
    started: datetime | None  # authoredOn, effective[x] or the Condition's onset
    source: str  # "MedicationRequest/<id>", "Condition/<id>"


@dataclass(frozen=True)
class Chemotherapy:
    """A course of chemotherapy on the record: it lowers the counts for weeks after each cycle."""

    name: str  # as the record names it ("Combined chemotherapy and radiation therapy (procedure)")
    performed: datetime  # Procedure.performed[x], its start for a period
    source: str  # "Procedure/<id>"


@dataclass(frozen=True)
class ActiveOrder:
    """An active ServiceRequest: its codings and text, to avoid suggesting the same order twice."""

    codings: frozenset[tuple[str, str]]
    text: str


class PatientContext(NamedTuple):  # a named tuple, as a Finding: every hook call builds one
    patient_id: str
    sex: Sex
    age: Age | None
    age_on: datetime  # the date the age is computed at: the blood count's, else the request's
    pregnant: bool
    trimester: int | None
    pregnancy_basis: str
    postmenopausal: bool
    menopause_basis: str  # "recorded", "age default" or "" (not a woman, or premenopausal)
    diagnoses: frozenset[Diagnosis]
    iron_prescriptions: tuple[IronPrescription, ...]
    secondary_causes: tuple[SecondaryCause, ...]
    active_orders: tuple[ActiveOrder, ...]
    notes: tuple[str, ...]  # what could not be read, said in the card
    chemotherapy: tuple[Chemotherapy, ...] = ()  # newest first

    @property
    def is_child(self) -> bool:
        return self.age is not None and self.age.years < 15

    @property
    def iron_names(self) -> tuple[str, ...]:
        """Each iron product once, as a card names it."""
        return tuple(dict.fromkeys(p.name for p in self.iron_prescriptions))

    def on(self, cause: CauseKind) -> SecondaryCause | None:
        """The first record of ``cause``, or None."""
        return next((c for c in self.secondary_causes if c.cause is cause), None)

    def has(self, diagnosis: Diagnosis) -> bool:
        return diagnosis in self.diagnoses

    @property
    def known_thalassemia(self) -> Diagnosis | None:
        return next((d for d in Diagnosis if d.is_thalassemia and d in self.diagnoses), None)

    def has_ordered(self, system: str, code: str | None, text: str) -> bool:
        for order in self.active_orders:
            if code is not None and (system, code) in order.codings:
                return True
            if code is None and order.text.casefold() == text.casefold():
                return True
        return False
