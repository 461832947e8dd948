"""What a rule sees (the situation) and what it returns (a recommendation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from cds_hooks.models import Indicator
from service.cards.orders import Order
from service.chart.drafts import DraftIron
from service.citations import Citation
from service.dates import day
from service.findings.model import Findings
from service.findings.thresholds import CRP_INFLAMMATION
from service.labs.derived import Derived
from service.labs.panel import Labs
from service.order_check.model import OrderReview
from service.patient.model import PatientContext
from service.workup_settings import WorkupSettings

# How a summary names an analyte mid-sentence.
SHORT_NAMES = {
    "hemoglobin": "Hb",
    "hematocrit": "Hct",
    "ferritin": "ferritin",
    "tsat": "TSAT",
    "platelets": "platelets",
    "neutrophils": "neutrophils",
    "lead": "blood lead",
}


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c": how a summary lists the tests it suggests."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def named(orders: Sequence[Order], names: Mapping[Order, str]) -> list[str]:
    """The short names of the orders a card still suggests, in the card's order."""
    return [name for order in orders if (name := names.get(order)) is not None]


@dataclass(frozen=True)
class RuleId:
    code: str  # stable: feedback is counted per rule
    display: str


@dataclass(frozen=True)
class Situation:
    labs: Labs
    derived: Derived
    patient: PatientContext
    findings: Findings
    settings: WorkupSettings
    resulted_codes: Mapping[str, datetime] = field(default_factory=dict)  # LOINC code -> latest date
    claimed: Mapping[str, str] = field(default_factory=dict)  # order key -> the card above suggesting it
    drafts: tuple[DraftIron, ...] = ()  # iron selected in the order being composed (order hooks)
    review: OrderReview | None = None  # the draft tests the workup-order check judges (order hooks)
    # What each rule recommended in this very situation. A situation never changes and a rule is a pure
    # function of it, so the engine's two passes and the never-silent rule (which asks whether any
    # other rule fires) share one run of each; a situation made by ``claiming`` starts empty.
    _outcomes: dict[Rule, Recommendation | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def outcome(self, rule: Rule) -> Recommendation | None:
        """What ``rule`` recommends here, run at most once per situation."""
        outcomes = self._outcomes
        if rule in outcomes:
            return outcomes[rule]
        found = outcomes[rule] = rule(self)
        return found

    def claiming(self, rec: Recommendation) -> Situation:
        """The situation for the cards below ``rec``: its orders are suggested already."""
        claims = {order.key: rec.rule.display for order in rec.orders if order.key not in self.claimed}
        if not claims:
            return self  # nothing new is claimed: the same situation, and what its rules found still holds
        return replace(self, claimed={**claims, **self.claimed})

    def order_state(self, order: Order) -> str | None:
        """Why an order need not be suggested (ordered, resulted in its window, on a card above), or None."""
        if self.patient.has_ordered(order.system, order.code, order.text):
            return "already ordered (an active ServiceRequest)"
        for group in order.done_by:
            results = [self.labs.get(key) for key in group]
            if all(r is not None for r in results):
                return f"already resulted on {day(max(r.when for r in results if r is not None))}"
        for code in order.done_codes:
            if code in self.resulted_codes:
                return f"already resulted on {day(self.resulted_codes[code])}"
        if order.key in self.claimed:
            return f"suggested on the card above ({self.claimed[order.key]})"
        return None

    def plan(self, *orders: Order) -> tuple[tuple[Order, ...], tuple[str, ...]]:
        """The orders still needed, and a sentence for each one left out."""
        needed: list[Order] = []
        already: list[str] = []
        for order in orders:
            state = self.order_state(order)
            if state is None:
                needed.append(order)
            else:
                already.append(f"{order.text}: {state}.")
        return tuple(needed), tuple(already)

    def needs(self, order: Order) -> bool:
        return self.order_state(order) is None

    def show(self, key: str) -> str:
        """An analyte's value for a summary ("MCV 72 fL"), or "" when there is none."""
        result = self.labs.get(key)
        return f"{SHORT_NAMES.get(key, result.analyte.name)} {result.display()}" if result else ""

    @property
    def inflammation_excluded(self) -> bool:
        """A CRP in window and not raised: without one, inflammation is unknown, not absent."""
        crp = self.labs.get("crp")
        return crp is not None and crp.is_above(CRP_INFLAMMATION) is False

    @property
    def reproductive_age(self) -> bool:
        age = self.patient.age
        return (
            age is not None
            and self.settings.reproductive_age_min <= age.years <= self.settings.reproductive_age_max
        )


class Recommendation(NamedTuple):  # a named tuple, as a Finding: rules build one per card, per run
    rule: RuleId
    indicator: Indicator
    summary: str  # names the finding and the next step
    reasoning: tuple[str, ...]  # two to four sentences
    evidence: tuple[str, ...]  # analyte keys for the table of values
    citations: tuple[Citation, ...]
    orders: tuple[Order, ...] = ()  # to suggest: none of them done or ordered already
    already: tuple[str, ...] = ()  # orders left out, and why ("Ferritin: already ordered")
    notes: tuple[str, ...] = ()  # design defaults that decided the outcome


Rule = Callable[[Situation], Recommendation | None]
