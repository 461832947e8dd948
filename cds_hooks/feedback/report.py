"""Override statistics per rule: what a CDS governance team reads before retiring a rule.

Each card with feedback counts once, by its latest outcome (see
``FeedbackStore.final_outcomes``). The override rate is overridden / (accepted +
overridden): the share of the decisions clinicians reported that went against the card.
Cards issued without feedback are counted but left out of the rate, as silence is not a
decision. Override reasons are the coded ones; an override with only a comment adds to the
rate but to no reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cds_hooks.feedback.store import FeedbackStore, FinalOutcome

TOP_REASONS = 3


@dataclass(frozen=True)
class ReasonCount:
    system: str
    code: str
    display: str | None
    count: int

    @property
    def label(self) -> str:
        return self.display or self.code


@dataclass(frozen=True)
class RuleStats:
    rule: str
    issued: int
    accepted: int
    overridden: int
    top_reasons: tuple[ReasonCount, ...]

    @property
    def override_rate(self) -> float | None:
        """None when no clinician has answered any card of the rule yet."""
        decided = self.accepted + self.overridden
        return self.overridden / decided if decided else None


@dataclass(frozen=True)
class WeekRate:
    week: date  # the Monday that starts the ISO week
    overridden: int
    decided: int

    @property
    def override_rate(self) -> float:
        return self.overridden / self.decided


def _start_of(since: date | None) -> datetime | None:
    """The first instant of ``since`` (UTC), as the store filters by instants."""
    return None if since is None else datetime.combine(since, time.min, tzinfo=UTC)


def rule_statistics(
    store: FeedbackStore,
    since: date | None = None,
    declared: Mapping[tuple[str, str], str] | None = None,
) -> list[RuleStats]:
    """Statistics for every rule that issued a card or got feedback from ``since`` on.

    The most overridden rules come first: they are the ones a governance review looks at.
    ``declared`` holds the displays of the override reasons the services' cards offer, by
    (system, code): a reason is named by the service's own words, and a client that sent only
    system and code still gets a readable report.
    """
    declared = declared or {}
    issued = store.issued_per_rule(_start_of(since))
    outcomes = store.final_outcomes(_start_of(since))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    displays: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        counts[outcome.rule][outcome.outcome] += 1
        if outcome.outcome == "overridden" and outcome.reason_system and outcome.reason_code:
            key = (outcome.reason_system, outcome.reason_code)
            reasons[outcome.rule][key] += 1
            if outcome.reason_display:
                displays[key][outcome.reason_display] += 1
    stats = [
        RuleStats(
            rule=rule,
            issued=issued.get(rule, 0),
            accepted=counts[rule]["accepted"],
            overridden=counts[rule]["overridden"],
            top_reasons=tuple(
                ReasonCount(system, code, declared.get((system, code)) or _usual(displays[system, code]), n)
                for (system, code), n in sorted(reasons[rule].items(), key=_most_first)[:TOP_REASONS]
            ),
        )
        for rule in set(issued) | set(counts)
    ]
    return sorted(stats, key=lambda s: (s.override_rate is None, -(s.override_rate or 0.0), s.rule))


def _usual(displays: Counter[str]) -> str | None:
    # Clients echo the display the card offered, so one code normally has one display;
    # should they differ, the most frequent (then the first alphabetically) stands for all.
    return min(displays, key=lambda display: (-displays[display], display)) if displays else None


def _most_first(entry: tuple[tuple[str, str], int]) -> tuple[int, tuple[str, str]]:
    # Ties broken by system and code, so the same data always gives the same report.
    return -entry[1], entry[0]


def weekly_override_rates(store: FeedbackStore, since: date | None = None) -> dict[str, list[WeekRate]]:
    """Per rule, the override rate of each ISO week that had feedback, oldest week first."""
    tally: dict[str, dict[date, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for outcome in store.final_outcomes(_start_of(since)):
        tally[outcome.rule][_monday(outcome)][outcome.outcome] += 1
    return {
        rule: [
            WeekRate(week, n["overridden"], n["accepted"] + n["overridden"])
            for week, n in sorted(weeks.items())
        ]
        for rule, weeks in sorted(tally.items())
    }


def _monday(outcome: FinalOutcome) -> date:
    day = outcome.outcome_at.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


# --- renderers --------------------------------------------------------------------------


def _rate(stats: RuleStats) -> str:
    rate = stats.override_rate
    return "-" if rate is None else f"{rate:.1%}"


def _reasons(stats: RuleStats) -> str:
    return "; ".join(f"{reason.label} ({reason.count})" for reason in stats.top_reasons)


def as_table(stats: list[RuleStats]) -> str:
    """A plain-text table for a terminal."""
    header = ("rule", "issued", "accepted", "overridden", "override rate", "top override reasons")
    rows = [
        (s.rule, str(s.issued), str(s.accepted), str(s.overridden), _rate(s), _reasons(s) or "-")
        for s in stats
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {1, 2, 3, 4}

    def line(cells: tuple[str, ...]) -> str:
        padded = (
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(row) for row in rows] or ["(no cards issued and no feedback received)"]
    return "\n".join([line(header), rule, *body]) + "\n"


def as_csv(stats: list[RuleStats]) -> str:
    """CSV for a spreadsheet: the rate is a fraction (empty when undefined), reasons joined by '; '."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rule", "issued", "accepted", "overridden", "override_rate", "top_override_reasons"])
    for s in stats:
        rate = "" if s.override_rate is None else f"{s.override_rate:.4f}"
        writer.writerow([s.rule, s.issued, s.accepted, s.overridden, rate, _reasons(s)])
    return out.getvalue()


def as_json(stats: list[RuleStats]) -> str:
    """JSON for other tools: the rate is a fraction or null, reasons keep their system and code."""
    document: list[dict[str, Any]] = [
        {
            "rule": s.rule,
            "issued": s.issued,
            "accepted": s.accepted,
            "overridden": s.overridden,
            "overrideRate": s.override_rate,
            "topOverrideReasons": [
                {"system": r.system, "code": r.code, "display": r.display, "count": r.count}
                for r in s.top_reasons
            ],
        }
        for s in stats
    ]
    return json.dumps(document, indent=2) + "\n"
