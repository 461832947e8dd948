"""What a replay counts, in a form that adds up: partitions are counted apart and merged in any order.

Every figure is a sum, and the samples kept for each rule are the ones with the smallest keys (a
keyed hash of the chart open), so merging the partial tallies of any split of the population, in
any order, gives the same result: the figures of a process pool, of a Dask cluster and of one
process agree to the last sample.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_PROBLEMS = 100  # listed; all are counted

RuleKey = tuple[str, str, str]  # service id, rule id (the card's source.topic.code), indicator
OrderKey = tuple[str, str, str, str]  # service id, code system, code, display
BandKey = tuple[str, str]  # age band, sex


@dataclass(frozen=True, order=True)
class Sample:
    key: str  # first, so that samples sort by it
    service: str
    rule: str
    indicator: str
    patient: str
    as_of: str
    age_band: str
    sex: str
    summary: str
    explanation: str


@dataclass(frozen=True, order=True)
class Problem:
    """An input the replay could not read, and went on without."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class Tally:
    patients: int = 0
    patients_with_chart_opens: int = 0
    synthetic_patients: int = 0  # whose Patient names Synthea: the report then warns of its Hb
    chart_opens: int = 0
    calls: Counter[str] = field(default_factory=Counter)  # by service id
    rule_cards: Counter[RuleKey] = field(default_factory=Counter)
    rule_patients: Counter[RuleKey] = field(default_factory=Counter)  # patients with at least one
    cards_per_chart_open: Counter[int] = field(default_factory=Counter)
    orders: Counter[OrderKey] = field(default_factory=Counter)
    band_chart_opens: Counter[BandKey] = field(default_factory=Counter)
    band_cards: Counter[BandKey] = field(default_factory=Counter)
    band_chart_opens_with_cards: Counter[BandKey] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # what was left out, by reason
    # Chart opens on small cells: "card", or the stated reason for none ("silent" must stay 0).
    small_cells: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    samples: dict[RuleKey, list[Sample]] = field(default_factory=dict)
    samples_per_rule: int = 3

    def problem(self, problem: Problem) -> None:
        self.problem_count += 1
        self.problems.append(problem)
        if len(self.problems) > 2 * MAX_PROBLEMS:
            self.problems = sorted(self.problems)[:MAX_PROBLEMS]

    def wants_sample(self, rule: RuleKey, key: str) -> bool:
        kept = self.samples.get(rule, [])
        if len(kept) < self.samples_per_rule:
            return True
        return bool(kept) and key < kept[-1].key

    def sample(self, rule: RuleKey, sample: Sample) -> None:
        kept = sorted([*self.samples.get(rule, []), sample])
        self.samples[rule] = kept[: self.samples_per_rule]

    def merge(self, other: Tally) -> Tally:
        self.patients += other.patients
        self.patients_with_chart_opens += other.patients_with_chart_opens
        self.synthetic_patients += other.synthetic_patients
        self.chart_opens += other.chart_opens
        self.calls.update(other.calls)
        self.rule_cards.update(other.rule_cards)
        self.rule_patients.update(other.rule_patients)
        self.cards_per_chart_open.update(other.cards_per_chart_open)
        self.orders.update(other.orders)
        self.band_chart_opens.update(other.band_chart_opens)
        self.band_cards.update(other.band_cards)
        self.band_chart_opens_with_cards.update(other.band_chart_opens_with_cards)
        self.skipped.update(other.skipped)
        self.small_cells.update(other.small_cells)
        self.problem_count += other.problem_count
        self.problems = sorted([*self.problems, *other.problems])[:MAX_PROBLEMS]
        for rule, samples in other.samples.items():
            for sample in samples:
                self.sample(rule, sample)
        return self
