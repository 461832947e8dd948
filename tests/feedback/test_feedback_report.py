"""The override report: numbers checked against what was posted, in every format."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from cds_hooks.feedback import (
    FeedbackStore,
    RuleStats,
    WeekRate,
    as_csv,
    as_json,
    as_table,
    rule_statistics,
    weekly_override_rates,
)
from cds_hooks.feedback.plot import plot_override_rates
from tests.feedback.builders import REASONS_SYSTEM, T0, accepted, card, overridden

HOUR = timedelta(hours=1)
REFUSED = ("r1", "Patient refused")
CONTRAINDICATED = ("r2", "Contraindicated")
DISPLAYS = dict([REFUSED, CONTRAINDICATED])


def issue(store: FeedbackStore, rule: str, count: int) -> list[str]:
    uuids = [str(uuid.uuid4()) for _ in range(count)]
    store.record_issued("microcyte", [card(rule, card_uuid=u) for u in uuids], T0 - HOUR)
    return uuids


@pytest.fixture
def governance_store(store: FeedbackStore) -> FeedbackStore:
    """A month of a small hospital's feedback, with every case the report must count right."""
    iron = issue(store, "iron-deficiency", 10)
    store.record_feedback(
        "microcyte",
        [
            *(accepted(c, T0) for c in iron[:3]),
            overridden(iron[3], T0, code=REFUSED[0], display=REFUSED[1]),
            overridden(iron[4], T0, code=REFUSED[0], display=REFUSED[1], comment="family history"),
            overridden(iron[5], T0, code=CONTRAINDICATED[0], display=CONTRAINDICATED[1]),
            overridden(iron[6], T0, comment="not now"),  # overridden, but with no coded reason
            # Changed minds: only the latest word counts.
            accepted(iron[7], T0),
            overridden(iron[7], T0 + HOUR, code=REFUSED[0], display=REFUSED[1]),
            overridden(iron[8], T0, code=CONTRAINDICATED[0], display=CONTRAINDICATED[1]),
            accepted(iron[8], T0 + HOUR),
            # iron[9] never got feedback.
        ],
        T0,
    )
    issue(store, "thalassemia-trait", 5)  # no feedback at all
    store.record_feedback("microcyte", [accepted(c, T0) for c in issue(store, "erythrocytosis", 2)], T0)
    lead = issue(store, "lead-exposure", 5)
    store.record_feedback(
        "microcyte",
        [
            overridden(c, T0, code=code, display=DISPLAYS.get(code))
            for c, code in zip(lead, ["r4", "r1", "r3", "r4", "r2"], strict=True)
        ],
        T0,
    )
    store.record_feedback("microcyte", [overridden(str(uuid.uuid4()), T0, code="r3")], T0)  # an unknown card
    return store


def test_rule_statistics_count_what_was_posted(governance_store: FeedbackStore) -> None:
    stats = rule_statistics(governance_store)

    assert [(s.rule, s.issued, s.accepted, s.overridden) for s in stats] == [
        ("lead-exposure", 5, 0, 5),  # rate 1.0, tied with unknown: by name
        ("unknown", 0, 0, 1),
        ("iron-deficiency", 10, 4, 5),
        ("erythrocytosis", 2, 2, 0),
        ("thalassemia-trait", 5, 0, 0),  # no rate: last
    ]
    by_rule = {s.rule: s for s in stats}
    assert by_rule["iron-deficiency"].override_rate == pytest.approx(5 / 9)
    assert by_rule["erythrocytosis"].override_rate == 0.0
    assert by_rule["thalassemia-trait"].override_rate is None
    iron_reasons = [(r.code, r.display, r.count) for r in by_rule["iron-deficiency"].top_reasons]
    assert iron_reasons == [("r1", "Patient refused", 3), ("r2", "Contraindicated", 1)]
    # Three reasons at most, the most frequent first, ties in code order.
    assert [(r.code, r.count) for r in by_rule["lead-exposure"].top_reasons] == [
        ("r4", 2),
        ("r1", 1),
        ("r2", 1),
    ]
    assert [(r.system, r.display) for r in by_rule["unknown"].top_reasons] == [(REASONS_SYSTEM, None)]
    assert by_rule["unknown"].top_reasons[0].label == "r3"


def test_since_leaves_out_older_cards_and_decisions(store: FeedbackStore) -> None:
    old, recent = issue(store, "iron-deficiency", 2)
    store.record_issued("microcyte", [card("iron-deficiency", card_uuid=old)], T0 - timedelta(days=30))
    store.record_feedback("microcyte", [overridden(old, T0 - timedelta(days=30)), accepted(recent, T0)], T0)
    # A decision late on the day before, in New York, is already the day itself in UTC.
    new_york = timezone(timedelta(hours=-5))
    late = issue(store, "erythrocytosis", 1)[0]
    store.record_feedback("microcyte", [overridden(late, (T0 - 8 * HOUR).astimezone(new_york))], T0)

    [ery, iron] = rule_statistics(store, since=T0.date())
    assert (iron.rule, iron.issued, iron.accepted, iron.overridden) == ("iron-deficiency", 2, 1, 0)
    assert (ery.rule, ery.overridden) == ("erythrocytosis", 1)
    assert {s.rule: s.overridden for s in rule_statistics(store, since=None)} == {
        "erythrocytosis": 1,
        "iron-deficiency": 1,
    }
    assert rule_statistics(store, since=T0.date() + timedelta(days=1)) == []


def test_weekly_rates_follow_iso_weeks_in_utc(store: FeedbackStore) -> None:
    cards = issue(store, "iron-deficiency", 6)
    new_york = timezone(timedelta(hours=-5))
    store.record_feedback(
        "microcyte",
        [
            overridden(cards[0], T0),
            overridden(cards[1], T0 + 3 * 24 * HOUR),
            accepted(cards[2], T0 + 6 * 24 * HOUR),
            # Sunday 23:30 in New York is Monday 04:30 UTC: the week after.
            accepted(cards[3], (T0 + 14 * 24 * HOUR - 4.5 * HOUR).astimezone(new_york)),
            overridden(cards[4], T0 + 14 * 24 * HOUR),
        ],
        T0,
    )
    assert weekly_override_rates(store) == {
        "iron-deficiency": [
            WeekRate(date(2024, 3, 4), overridden=2, decided=3),
            WeekRate(date(2024, 3, 18), overridden=1, decided=2),
        ]
    }


def test_the_table_lines_up_and_says_what_is_missing(governance_store: FeedbackStore) -> None:
    table = as_table(rule_statistics(governance_store)).splitlines()
    assert table[0].split() == [
        "rule",
        "issued",
        "accepted",
        "overridden",
        "override",
        "rate",
        "top",
        "override",
        "reasons",
    ]
    iron = next(line for line in table if line.startswith("iron-deficiency"))
    assert iron.split()[1:5] == ["10", "4", "5", "55.6%"]
    assert iron.endswith("Patient refused (3); Contraindicated (1)")
    thalassemia = next(line for line in table if line.startswith("thalassemia-trait"))
    assert thalassemia.split() == ["thalassemia-trait", "5", "0", "0", "-", "-"]
    # Counts are right-aligned under their heading.
    end = table[0].index("issued") + len("issued")
    assert all(line[end - 1].isdigit() and line[end] == " " for line in table[2:])
    assert as_table([]).splitlines()[-1] == "(no cards issued and no feedback received)"


def test_csv_reads_back_into_the_same_numbers(governance_store: FeedbackStore) -> None:
    stats = rule_statistics(governance_store)
    rows = list(csv.DictReader(io.StringIO(as_csv(stats))))
    assert [row["rule"] for row in rows] == [s.rule for s in stats]
    iron = next(row for row in rows if row["rule"] == "iron-deficiency")
    assert iron == {
        "rule": "iron-deficiency",
        "issued": "10",
        "accepted": "4",
        "overridden": "5",
        "override_rate": "0.5556",
        "top_override_reasons": "Patient refused (3); Contraindicated (1)",
    }
    assert next(row for row in rows if row["rule"] == "thalassemia-trait")["override_rate"] == ""


def test_json_reads_back_into_the_same_numbers(governance_store: FeedbackStore) -> None:
    stats = rule_statistics(governance_store)
    document = json.loads(as_json(stats))
    assert [entry["rule"] for entry in document] == [s.rule for s in stats]
    for entry, expected in zip(document, stats, strict=True):
        assert (entry["issued"], entry["accepted"], entry["overridden"]) == (
            expected.issued,
            expected.accepted,
            expected.overridden,
        )
        assert entry["overrideRate"] == expected.override_rate
    iron = next(entry for entry in document if entry["rule"] == "iron-deficiency")
    assert iron["topOverrideReasons"][0] == {
        "system": REASONS_SYSTEM,
        "code": "r1",
        "display": "Patient refused",
        "count": 3,
    }


def _assert_png(path: Path) -> tuple[int, int]:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()
        return image.size


def test_the_override_plot_is_a_png(governance_store: FeedbackStore, tmp_path: Path) -> None:
    later = issue(governance_store, "iron-deficiency", 3)
    governance_store.record_feedback(
        "microcyte",
        [accepted(later[0], T0 + timedelta(weeks=2)), overridden(later[1], T0 + timedelta(weeks=5))],
        T0,
    )
    path = tmp_path / "override-rates.png"
    plot_override_rates(governance_store, path, since=date(2024, 1, 1))
    width, height = _assert_png(path)
    assert width > height > 400


def test_the_plot_of_an_empty_store_says_so(store: FeedbackStore, tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    plot_override_rates(store, path)
    _assert_png(path)


def test_rule_stats_rate_is_the_share_of_decisions_overridden() -> None:
    assert RuleStats("r", issued=9, accepted=1, overridden=3, top_reasons=()).override_rate == 0.75
