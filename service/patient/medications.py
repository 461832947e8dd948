"""Iron products: in the patient's MedicationRequests and MedicationStatements, and in draft orders.

Synthea and many EHRs code oral iron as RxNorm 310325 (ferrous sulfate 325 MG Oral Tablet),
the one iron code verified (docs/workup.md#iron-prescriptions). Any other iron product is
recognised by the ingredient its coding display or text names (ferrous, ferric, iron):
inventing a list of RxNorm codes would misname products silently, while every iron
product's name carries one of these words. What is read here decides whether iron is on
board (the wording of a card, the response to oral iron, the prescribing check); no code
read here is ever sent out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.dates import as_instant, started
from service.patient.medication_fields import Contained, MedicationFields
from service.patient.model import IronPrescription, Route

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
FERROUS_SULFATE_325 = "310325"
FERROUS_SULFATE_325_NAME = "ferrous sulfate 325 MG Oral Tablet"
IRON_WORDS = re.compile(r"\b(iron|ferrous|ferric)\b", re.IGNORECASE)
# Parenteral iron names its form ("Injection", "for infusion") or its route; without either,
# the product is taken as oral, as nearly all iron prescriptions are.
PARENTERAL_WORDS = re.compile(r"\b(inject\w*|intravenous\w*|infusion|IV)\b", re.IGNORECASE)
ACTIVE_REQUEST = frozenset({"active", "on-hold"})
ACTIVE_STATEMENT = frozenset({"active"})


@dataclass(frozen=True)
class Medication:
    """What a medication element says: its codings and texts."""

    codings: tuple[tuple[str, str, str], ...]  # (system, code, display)
    texts: tuple[str, ...]


def iron_product(medication: Medication, route_texts: Iterable[str] = ()) -> tuple[str, Route] | None:
    """(name, route) when the medication is an iron product, else None."""
    names = [display for _, _, display in medication.codings if display] + list(medication.texts)
    name = next((n for n in names if IRON_WORDS.search(n)), None)
    if name is None and any(s == RXNORM and c == FERROUS_SULFATE_325 for s, c, _ in medication.codings):
        name = FERROUS_SULFATE_325_NAME
    if name is None:
        return None
    parenteral = any(PARENTERAL_WORDS.search(text) for text in [*names, *route_texts])
    return name, Route.INTRAVENOUS if parenteral else Route.ORAL


def medication_of(fields: MedicationFields) -> Medication:
    """The medication of a MedicationRequest or MedicationStatement, a contained Medication resolved."""
    concept = fields.medicationCodeableConcept
    texts: list[str] = []
    reference = fields.medicationReference
    if reference is not None:
        texts += [reference.display] if reference.display else []
        target = reference.reference
        if target is not None and target.startswith("#"):
            contained = _contained(fields, target[1:])
            concept = contained.code if contained is not None else concept
    codings: list[tuple[str, str, str]] = []
    if concept is not None:
        texts += [concept.text] if concept.text else []
        codings = [(c.system or "", c.code or "", c.display or "") for c in concept.coding or []]
    return Medication(codings=tuple(codings), texts=tuple(texts))


def route_texts(fields: MedicationFields) -> tuple[str, ...]:
    """The route of each dosage instruction (a MedicationRequest's list, a MedicationStatement's)."""
    found: list[str] = []
    for dosage in fields.dosageInstruction or fields.dosage or []:
        route = dosage.route
        if route is None:
            continue
        found += [route.text] if route.text else []
        found += [c.display for c in route.coding or [] if c.display]
    return tuple(found)


@dataclass(frozen=True)
class ActiveMedication:
    """An active MedicationRequest or MedicationStatement, read once for every check on it."""

    medication: Medication
    routes: tuple[str, ...]
    started: datetime | None  # MedicationRequest.authoredOn, MedicationStatement.effective[x]
    source: str  # "MedicationRequest/<id>"


def active_medications(
    requests: Iterable[Any], statements: Iterable[Any] = ()
) -> tuple[ActiveMedication, ...]:
    """The active medicines of validated MedicationRequests and MedicationStatements, with when each began."""
    found: list[ActiveMedication] = []
    for request in requests:
        if request.status in ACTIVE_REQUEST:
            found.append(_active(request, "MedicationRequest", as_instant(request.authoredOn)))
    for statement in statements:
        if statement.status in ACTIVE_STATEMENT:
            found.append(_active(statement, "MedicationStatement", _statement_start(statement)))
    return tuple(found)


def iron_prescriptions(active: Iterable[ActiveMedication]) -> tuple[IronPrescription, ...]:
    """The iron among the active medicines."""
    found: list[IronPrescription] = []
    for medicine in active:
        product = iron_product(medicine.medication, medicine.routes)
        if product is not None:
            name, route = product
            found.append(
                IronPrescription(name=name, route=route, started=medicine.started, source=medicine.source)
            )
    return tuple(found)


def _active(resource: Any, kind: str, started: datetime | None) -> ActiveMedication:
    fields = MedicationFields.model_validate(resource)
    source = f"{kind}/{resource.id}" if resource.id else f"a {kind}"
    return ActiveMedication(medication_of(fields), route_texts(fields), started, source)


def _statement_start(statement: Any) -> datetime | None:
    """effective[x], never dateAsserted: the day a statement was written says nothing of when iron began."""
    return started(statement.effectiveDateTime, statement.effectivePeriod)


def _contained(fields: MedicationFields, local_id: str) -> Contained | None:
    for contained in fields.contained or []:
        if contained.resourceType == "Medication" and contained.id == local_id:
            return contained
    return None
