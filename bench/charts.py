"""Synthetic patient charts as an EHR would prefetch them, reproducible from a seed.

A chart is a woman with an iron-deficiency picture drawn over years: blood counts (nine
LOINC-coded results a draw), iron studies and CRP on some draws, and chemistry results the
service must skip (glucose, sodium, potassium, creatinine). The newest draw is a few days old,
so the workup has something to say and every stage of it runs. ``size`` is the number of
Observations; the draws are spread so that any size spans years (10 results: the latest
draws; 10,000 results: a decade of frequent draws).

Dates are relative to a given "now" (the benchmark passes today, midnight UTC): the service
under HTTP reads the real clock, and a chart dated in the past would fall out of its lookback
windows and stop exercising the rules.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
SIZES = (10, 100, 1_000, 10_000)
SPAN_DAYS = 10 * 365


@dataclass(frozen=True)
class Assay:
    code: str
    display: str
    unit: str
    mean: float  # an iron-deficient woman's value
    spread: float
    low: float | None  # the lab's reference range, when it prints one
    high: float | None
    decimals: int = 1


BLOOD_COUNT = (
    Assay("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 10.6, 0.8, 12.0, 15.5),
    Assay("4544-3", "Hematocrit [Volume Fraction] of Blood", "%", 33.5, 2.0, 36.0, 46.0),
    Assay("789-8", "Erythrocytes [#/volume] in Blood", "10*12/L", 4.6, 0.3, 3.9, 5.2, 2),
    Assay("787-2", "MCV [Entitic volume]", "fL", 72.0, 3.0, 80.0, 100.0),
    Assay("785-6", "MCH [Entitic mass]", "pg", 23.0, 1.2, 27.0, 33.0),
    Assay("786-4", "MCHC [Mass/volume]", "g/dL", 31.0, 0.8, 32.0, 36.0),
    Assay("788-0", "Erythrocyte distribution width [Ratio]", "%", 16.8, 1.0, 11.5, 14.5),
    Assay("6690-2", "Leukocytes [#/volume] in Blood", "10*9/L", 6.8, 1.5, 4.0, 11.0),
    Assay("777-3", "Platelets [#/volume] in Blood", "10*9/L", 390.0, 60.0, 150.0, 400.0, 0),
)
IRON_STUDIES = (
    Assay("2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "ug/L", 9.0, 3.0, 15.0, 150.0),
    Assay("2498-4", "Iron [Mass/volume] in Serum or Plasma", "ug/dL", 32.0, 8.0, 50.0, 170.0, 0),
    Assay(
        "2500-7",
        "Iron binding capacity [Mass/volume] in Serum or Plasma",
        "ug/dL",
        440.0,
        30.0,
        250.0,
        450.0,
        0,
    ),
    Assay("2502-3", "Iron saturation [Mass Fraction] in Serum or Plasma", "%", 7.0, 2.0, 20.0, 50.0, 0),
    Assay("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "mg/L", 2.0, 1.0, None, 5.0),
)
CHEMISTRY = (
    Assay("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 92.0, 10.0, 70.0, 99.0, 0),
    Assay("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 139.0, 2.0, 135.0, 145.0, 0),
    Assay("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 4.2, 0.3, 3.5, 5.1),
    Assay("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.8, 0.1, 0.5, 1.1, 2),
)


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


class _Writer:
    """Writes the Observations of one chart; ids come from the seeded generator, so reruns match."""

    def __init__(self, rng: random.Random, patient_id: str) -> None:
        self.rng = rng
        self.patient_id = patient_id

    def observation(self, assay: Assay, when: datetime) -> dict[str, Any]:
        value = round(max(assay.mean + self.rng.gauss(0.0, assay.spread), 0.1), assay.decimals)
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "meta": {"lastUpdated": (when + timedelta(hours=2)).isoformat()},
            "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": "laboratory"}]}],
            "code": {
                "coding": [{"system": LOINC, "code": assay.code, "display": assay.display}],
                "text": assay.display,
            },
            "subject": {"reference": f"Patient/{self.patient_id}"},
            "effectiveDateTime": when.isoformat(),
            "issued": (when + timedelta(hours=1, minutes=self.rng.randrange(60))).isoformat(),
            "valueQuantity": _quantity(value, assay.unit),
        }
        if assay.low is not None or assay.high is not None:
            bounds: dict[str, Any] = {}
            if assay.low is not None:
                bounds["low"] = _quantity(assay.low, assay.unit)
            if assay.high is not None:
                bounds["high"] = _quantity(assay.high, assay.unit)
            resource["referenceRange"] = [bounds]
            flag = "L" if assay.low is not None and value < assay.low else None
            flag = "H" if assay.high is not None and value > assay.high else flag
            if flag:
                resource["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": flag}]}]
        return resource


def _draws(rng: random.Random, writer: _Writer, size: int, now: datetime) -> list[dict[str, Any]]:
    """Draws from the newest back, until ``size`` Observations are written."""
    per_draw = len(BLOOD_COUNT) + 2  # a blood count and, on average, two others
    draws = max(size // per_draw, 1)
    gap_days = SPAN_DAYS / draws
    observations: list[dict[str, Any]] = []
    when = now - timedelta(days=rng.uniform(1, 4), hours=rng.uniform(0, 6))
    newest = True
    while len(observations) < size:
        assays = list(BLOOD_COUNT)
        if newest or rng.random() < 0.3:
            assays += IRON_STUDIES
        assays += [assay for assay in CHEMISTRY if rng.random() < 0.3]
        for assay in assays[: size - len(observations)]:
            observations.append(writer.observation(assay, when.replace(microsecond=0)))
        newest = False
        when -= timedelta(days=rng.uniform(0.5, 1.5) * gap_days)
    return observations


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources)}
    if resources:
        bundle["entry"] = [
            {
                "fullUrl": f"urn:uuid:{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ]
    return bundle


def patient(patient_id: str, rng: random.Random, now: datetime) -> dict[str, Any]:
    born = now.date() - timedelta(days=rng.randrange(25 * 365, 45 * 365))
    return {
        "resourceType": "Patient",
        "id": patient_id,
        "identifier": [
            {"system": "urn:oid:2.16.840.1.113883.19.5", "value": f"BENCH-{rng.randrange(10**6)}"}
        ],
        "active": True,
        "name": [{"use": "official", "family": "Benchmark", "given": ["Synthetic"]}],
        "gender": "female",
        "birthDate": born.isoformat(),
    }


def anemia_condition(patient_id: str, now: datetime) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"{patient_id}-anemia",
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "271737000", "display": "Anemia"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "onsetDateTime": (now - timedelta(days=400)).date().isoformat(),
    }


@dataclass(frozen=True)
class Chart:
    """One patient's record, as resources and as the prefetch of a patient-view call."""

    size: int
    patient: dict[str, Any]
    observations: list[dict[str, Any]]  # newest first, as the prefetch query sorts them
    conditions: list[dict[str, Any]]

    @property
    def patient_id(self) -> str:
        return str(self.patient["id"])

    def prefetch(self, keys: Iterable[str]) -> dict[str, Any]:
        """The service's prefetch keys filled from the chart; a key it has nothing for is an empty
        searchset, as a client answers a search that found nothing."""
        held: dict[str, Any] = {
            "Patient": self.patient,
            "Observation": _bundle(self.observations),
            "Condition": _bundle(self.conditions),
        }
        return {key: held.get(key, _bundle([])) for key in keys}

    def hook_request(
        self, *, seed: int, prefetch_keys: Iterable[str] = (), fhir_server: str | None = None
    ) -> dict[str, Any]:
        """The patient-view call: with every key of ``prefetch_keys`` prefetched, or with no
        prefetch and a ``fhirServer`` to fetch from."""
        request: dict[str, Any] = {
            "hook": "patient-view",
            "hookInstance": str(
                uuid.UUID(int=random.Random(f"{seed}:{self.size}").getrandbits(128), version=4)
            ),
            "context": {"userId": "Practitioner/bench-clinician", "patientId": self.patient_id},
        }
        if fhir_server is None:
            request["prefetch"] = self.prefetch(prefetch_keys)
        else:
            request["fhirServer"] = fhir_server
        return request

    def transaction(self) -> dict[str, Any]:
        """A transaction Bundle that stores the chart on a FHIR server under its own ids."""
        resources = [self.patient, *self.conditions, *self.observations]
        return {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in resources
            ],
        }


def chart(size: int, *, seed: int, now: datetime) -> Chart:
    """The chart of ``size`` Observations; the same seed, size and ``now`` give the same chart."""
    if size < 1:
        raise ValueError(f"a chart needs at least one Observation, not {size}")
    rng = random.Random(f"{seed}:{size}")
    patient_id = f"bench-{size}"
    writer = _Writer(rng, patient_id)
    return Chart(
        size=size,
        patient=patient(patient_id, rng, now),
        observations=_draws(rng, writer, size, now),
        conditions=[anemia_condition(patient_id, now)],
    )
