"""Many writers at once, as several workers or instances post feedback: none is lost."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from cds_hooks.feedback import FeedbackStore, rule_statistics
from cds_hooks.models import FeedbackItem
from tests.feedback.builders import T0, accepted, card, overridden, table_rows

THREADS = 8
ITEMS_PER_THREAD = 500
BATCH = 50
SHARED_PER_BATCH = 5  # items every thread also posts, to make concurrent duplicates


def run_together(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(0..count-1)`` on as many threads, released at the same instant."""
    start = threading.Barrier(count)

    def released(index: int) -> None:
        start.wait()
        work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        for done in [pool.submit(released, i) for i in range(count)]:
            done.result()  # re-raises what a thread raised


def test_eight_threads_posting_500_items_each_lose_none(store: FeedbackStore, database_url: str) -> None:
    rule_cards = [str(uuid.uuid4()) for _ in range(THREADS)]
    store.record_issued("microcyte", [card(f"rule-{i}", card_uuid=c) for i, c in enumerate(rule_cards)], T0)
    shared_card = str(uuid.uuid4())
    shared = [overridden(shared_card, T0 + timedelta(seconds=s), code="c1") for s in range(SHARED_PER_BATCH)]

    def post(thread: int) -> None:
        # Each thread answers its own rule's card many times: accepted on even items,
        # overridden on odd ones, each a distinct moment.
        own: list[FeedbackItem] = [
            accepted(rule_cards[thread], T0 + timedelta(minutes=n), f"s-{n}")
            if n % 2 == 0
            else overridden(rule_cards[thread], T0 + timedelta(minutes=n), code=f"c{n % 3}")
            for n in range(ITEMS_PER_THREAD)
        ]
        for first in range(0, ITEMS_PER_THREAD, BATCH):
            store.record_feedback("microcyte", own[first : first + BATCH] + shared, T0)

    run_together(THREADS, post)

    rows = table_rows(database_url)["feedback"]
    assert len(rows) == THREADS * ITEMS_PER_THREAD + SHARED_PER_BATCH
    for thread, card_uuid in enumerate(rule_cards):
        mine = [r for r in rows if r["card_uuid"] == card_uuid]
        assert len(mine) == ITEMS_PER_THREAD, f"thread {thread} lost feedback"
        assert sum(r["outcome"] == "accepted" for r in mine) == ITEMS_PER_THREAD // 2
    # Each rule's card ends overridden: its latest item (n = 499) is odd.
    stats = {s.rule: (s.issued, s.accepted, s.overridden) for s in rule_statistics(store)}
    assert stats == {**{f"rule-{i}": (1, 0, 1) for i in range(THREADS)}, "unknown": (0, 0, 1)}


def test_instances_starting_together_migrate_the_database_once(database_url: str) -> None:
    opened: list[FeedbackStore] = []
    lock = threading.Lock()

    def start_instance(_: int) -> None:
        store = FeedbackStore(database_url)
        with lock:
            opened.append(store)

    try:
        run_together(4, start_instance)
        for store in opened:
            store.record_feedback("microcyte", [overridden(str(uuid.uuid4()), T0)], T0)
    finally:
        for store in opened:
            store.close()

    tables = table_rows(database_url)
    assert [r["version"] for r in tables["schema_migrations"]] == [1]
    assert len(tables["feedback"]) == 4
