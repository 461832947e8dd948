"""The store keeps every distinct feedback item once, across restarts, and nothing private."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cds_hooks.feedback import FeedbackStore, rule_statistics
from tests.feedback.builders import T0, accepted, card, feedback_file, overridden, table_rows
from tests.paths import AHRQ_REQUESTS, SPEC_EXAMPLES

SPEC_FEEDBACK = [
    SPEC_EXAMPLES / "feedback-accepted.json",
    SPEC_EXAMPLES / "feedback-overridden.json",
    SPEC_EXAMPLES / "feedback-overridden-with-reason.json",
    AHRQ_REQUESTS / "feedback.json",
]
SPEC_ACCEPTED_CARD = "4e0a3a1e-3283-4575-ab82-028d55fe2719"
SPEC_OVERRIDDEN_CARD = "f6b95768-b1c8-40dc-8385-bf3504b82ffb"
SPEC_REASON_CARD = "9368d37b-283f-44a0-93ea-547cebab93ed"
SPEC_REASON = ("https://example.com/cds-hooks/override-reason-system", "d7ecf885")


def post_spec_examples(store: FeedbackStore) -> None:
    for path in SPEC_FEEDBACK:
        store.record_feedback("microcyte", feedback_file(path), received_at=T0)


def test_spec_examples_on_unknown_cards_are_stored_and_counted_under_unknown(
    store: FeedbackStore, database_url: str
) -> None:
    post_spec_examples(store)

    rows = table_rows(database_url)["feedback"]
    # Five items were posted; the AHRQ file repeats the spec's accepted item word for word.
    assert len(rows) == 4
    by_card = {(r["card_uuid"], r["outcome"]): r for r in rows}
    assert set(by_card) == {
        (SPEC_ACCEPTED_CARD, "accepted"),
        (SPEC_ACCEPTED_CARD, "overridden"),
        (SPEC_OVERRIDDEN_CARD, "overridden"),
        (SPEC_REASON_CARD, "overridden"),
    }
    assert json.loads(by_card[SPEC_ACCEPTED_CARD, "accepted"]["accepted_suggestions"]) == [
        "e56e1945-20b3-4393-8503-a1a20fd73152"
    ]
    with_reason = by_card[SPEC_REASON_CARD, "overridden"]
    assert (with_reason["override_system"], with_reason["override_code"]) == SPEC_REASON
    assert with_reason["has_user_comment"] is True
    assert by_card[SPEC_OVERRIDDEN_CARD, "overridden"]["has_user_comment"] is False

    [unknown] = rule_statistics(store)
    # The accepted card was overridden in the AHRQ file, but a year before it was accepted:
    # its latest word is "accepted".
    assert (unknown.rule, unknown.issued, unknown.accepted, unknown.overridden) == ("unknown", 0, 1, 2)
    assert [(r.system, r.code, r.count) for r in unknown.top_reasons] == [(*SPEC_REASON, 1)]


def test_spec_examples_count_under_the_rule_of_the_card_they_answer(store: FeedbackStore) -> None:
    store.record_issued("microcyte", [card("iron-deficiency", card_uuid=SPEC_ACCEPTED_CARD.upper())], T0)
    store.record_issued(
        "microcyte",
        [
            card("thalassemia-trait", card_uuid=SPEC_OVERRIDDEN_CARD),
            card("thalassemia-trait", card_uuid=None),
        ],
        T0,
    )
    post_spec_examples(store)

    stats = {s.rule: (s.issued, s.accepted, s.overridden) for s in rule_statistics(store)}
    assert stats == {
        "iron-deficiency": (1, 1, 0),
        "thalassemia-trait": (2, 0, 1),
        "unknown": (0, 0, 1),  # the card with the coded reason was never issued here
    }


def test_feedback_is_matched_to_the_card_of_its_own_service(store: FeedbackStore) -> None:
    shared = str(uuid.uuid4())
    store.record_issued("microcyte", [card("iron-deficiency", card_uuid=shared)], T0)
    store.record_feedback("another-service", [overridden(shared, T0)], T0)

    stats = {s.rule: (s.issued, s.overridden) for s in rule_statistics(store)}
    assert stats == {"iron-deficiency": (1, 0), "unknown": (0, 1)}


def test_the_same_item_sent_again_is_stored_once(store: FeedbackStore, database_url: str) -> None:
    card_uuid = str(uuid.uuid4())
    items = [
        accepted(card_uuid, T0, "s-1", "s-2"),
        overridden(card_uuid, T0 + timedelta(minutes=5), code="c1", display="Patient refused", comment="no"),
    ]
    store.record_feedback("microcyte", items, T0)
    store.record_feedback("microcyte", items + items, T0 + timedelta(hours=1))
    # The same items as another EHR would write them: suggestions in another order, the
    # time with another offset, the card uuid in capitals, another comment.
    plus_two = timezone(timedelta(hours=2))
    store.record_feedback(
        "microcyte",
        [
            accepted(card_uuid.upper(), T0.astimezone(plus_two), "s-2", "s-1"),
            overridden(card_uuid, (T0 + timedelta(minutes=5)).astimezone(plus_two), code="c1", comment="x"),
        ],
        T0 + timedelta(hours=2),
    )
    assert len(table_rows(database_url)["feedback"]) == 2

    # What makes an item distinct does make a new row.
    store.record_feedback(
        "microcyte",
        [
            accepted(card_uuid, T0, "s-1"),
            overridden(card_uuid, T0 + timedelta(minutes=6), code="c1"),
            overridden(card_uuid, T0 + timedelta(minutes=5), code="c2"),
            overridden(card_uuid, T0 + timedelta(minutes=5)),
        ],
        T0,
    )
    assert len(table_rows(database_url)["feedback"]) == 6


def test_a_card_issued_twice_is_counted_once(store: FeedbackStore, database_url: str) -> None:
    issued = [card("iron-deficiency"), card("iron-deficiency"), card(None)]
    store.record_issued("microcyte", issued, T0)
    store.record_issued("microcyte", issued, T0 + timedelta(seconds=1))

    rows = table_rows(database_url)["issued_cards"]
    assert sorted((r["rule"], r["indicator"]) for r in rows) == [
        ("iron-deficiency", "warning"),
        ("iron-deficiency", "warning"),
        ("unknown", "warning"),
    ]
    assert {s.rule: s.issued for s in rule_statistics(store)} == {"iron-deficiency": 2, "unknown": 1}


def test_a_new_store_on_the_same_database_keeps_everything(database_url: str) -> None:
    with FeedbackStore(database_url) as first:
        first.record_issued("microcyte", [card("iron-deficiency", card_uuid=SPEC_REASON_CARD)], T0)
        post_spec_examples(first)
        before = rule_statistics(first)
        rows_before = table_rows(database_url)

    with FeedbackStore(database_url) as restarted:
        assert rule_statistics(restarted) == before
        post_spec_examples(restarted)  # resent after the restart: still stored once
        assert table_rows(database_url) == rows_before
        assert restarted.schema_version == 1

    assert [r["version"] for r in rows_before["schema_migrations"]] == [1]


def test_user_comments_are_never_stored(store: FeedbackStore, database_url: str) -> None:
    comment = "Spoke with Jane Roe (MRN 4455-12), she declines iron"
    card_uuid = str(uuid.uuid4())
    store.record_feedback(
        "microcyte",
        [
            overridden(card_uuid, T0, comment=comment),
            overridden(
                card_uuid, T0 + timedelta(hours=1), code="c1", display="Patient refused", comment=comment
            ),
        ],
        T0,
    )

    tables = table_rows(database_url)
    assert [r["has_user_comment"] for r in tables["feedback"]] == [True, True]  # two rows, both flagged
    stored = repr(tables)
    assert "Jane" not in stored and "4455" not in stored and "declines" not in stored
    assert not any("comment" in column and column != "has_user_comment" for column in tables["feedback"][0])


def test_user_comments_never_reach_the_sqlite_file(tmp_path: Path) -> None:
    comment = "Spoke with Jane Roe (MRN 4455-12), she declines iron"
    folder = tmp_path / "data"
    with FeedbackStore(f"sqlite:///{folder / 'feedback.sqlite3'}") as store:
        store.record_feedback("microcyte", [overridden(str(uuid.uuid4()), T0, comment=comment)], T0)
        written = b"".join(path.read_bytes() for path in folder.iterdir())  # the WAL too
    assert b"Jane" not in written and b"4455" not in written


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_naive_times_are_refused(store: FeedbackStore) -> None:
    with pytest.raises(ValueError, match="issued_at must be timezone-aware"):
        store.record_issued("microcyte", [card("iron-deficiency")], datetime(2024, 3, 4))
    with pytest.raises(ValueError, match="received_at must be timezone-aware"):
        store.record_feedback("microcyte", [overridden(str(uuid.uuid4()), T0)], datetime(2024, 3, 4))


def test_nothing_to_record_is_fine(store: FeedbackStore, database_url: str) -> None:
    store.record_issued("microcyte", [], datetime.now(UTC))
    store.record_feedback("microcyte", [], datetime.now(UTC))
    tables = table_rows(database_url)
    assert tables["issued_cards"] == [] and tables["feedback"] == []
    assert store.ping() is True
