"""The feedback store seen from the HTTP surface: what to do with issued cards and feedback.

Feedback must never be lost: when the store cannot take it, the client is told so with a
503 and sends it again (it is stored idempotently), so it is written inside the call.

Recording which cards were issued is bookkeeping for the statistics, and it happens on every
hook call that shows a card. Written inside the call, it made calls wait on the database's
write lock: with two workers on SQLite the p99 at 8 concurrent clients was about a second
(bench/RESULTS.md). So calls only queue their cards, and one thread per process writes the
queue in batches, one transaction each.

When the database is down the clinician still gets the cards, and the recorder keeps their
rows (a few hundred bytes each, up to MAX_PENDING_ROWS) and writes them when it answers
again; otherwise the report would count fewer cards issued than were, and feedback on them
under the rule "unknown". Past the bound, or at a stop with the database still down, what
is dropped is counted (``cds_issued_cards_dropped_total``) and logged.

The queue in front of the writer is bounded too: a writer that falls behind (a store that
takes writes slowly, or not at all and is not yet known to be down) costs the statistics the
later calls, never the worker its memory nor the clinician a wait.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter, deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cds_hooks import metrics
from cds_hooks.errors import CDSHooksError
from cds_hooks.feedback.database import StorageError
from cds_hooks.feedback.records import issued_row
from cds_hooks.feedback.store import FeedbackStore
from cds_hooks.models import Card, CDSResponse, FeedbackRequest
from cds_hooks.outages import OutageLog
from cds_hooks.service import CDSService

log = logging.getLogger(__name__)

# What a client is told to wait before sending feedback again.
FEEDBACK_RETRY_AFTER_SECONDS = 30

Issued = tuple[str, Sequence[Card], datetime]
Row = dict[str, Any]


class IssuedCardsRecorder:
    """Writes issued cards from a queue, in batches, on a thread of its own."""

    MAX_BATCH = 500  # responses taken from the queue at once
    MAX_ROWS_PER_WRITE = 5_000  # rows per transaction, when catching up after an outage
    MAX_PENDING_ROWS = 50_000  # about 20 MB of rows per process
    # Calls whose cards may wait for the writer. It keeps up with ~450 calls a second on two
    # workers (bench/RESULTS.md), so a backlog this long means it has stopped: unbounded, the
    # queue would hold every later call's cards (a few KiB each) until the worker ran out of
    # memory. Past the bound a call is not counted rather than made to wait.
    MAX_QUEUED = 10_000
    RETRY_SECONDS = 2.0

    def __init__(self, store: FeedbackStore) -> None:
        self._store = store
        self._queue: queue.Queue[Issued | None] = queue.Queue(maxsize=self.MAX_QUEUED)
        self._dropped = 0  # calls not queued since the writer last reported them
        self._dropped_lock = threading.Lock()
        self._pending: deque[Row] = deque()
        self._outage = OutageLog(log, "feedback database (issued cards kept to write later)")
        self._thread = threading.Thread(target=self._run, name="issued-cards-recorder", daemon=True)
        self._thread.start()

    def record(self, issued: Issued) -> None:
        try:
            self._queue.put_nowait(issued)
        except queue.Full:
            service_id, cards, issued_at = issued
            for card in cards:
                row = issued_row(service_id, card, issued_at)
                metrics.ISSUED_CARDS_DROPPED.labels(service=service_id, rule=row["rule"]).inc()
            with self._dropped_lock:
                self._dropped += 1
                first = self._dropped == 1
            if first:  # once per backlog, not once per call: the writer reports the total
                log.error("issued cards not recorded: %d calls already wait for the store", self.MAX_QUEUED)

    def queued(self) -> int:
        """Calls whose cards wait for the writer: a writer falling behind shows here first."""
        return self._queue.qsize()

    def flush(self) -> None:
        """Wait until everything queued so far was written, or kept for later if it failed."""
        self._queue.join()

    @property
    def pending(self) -> int:
        """Rows waiting for the database to answer again."""
        return len(self._pending)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.RETRY_SECONDS if self._pending else None)
            except queue.Empty:
                self._write()
                continue
            batch: list[Issued] = []
            stop = first is None
            if first is not None:
                batch.append(first)
            while not stop and len(batch) < self.MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                else:
                    batch.append(more)
            self._keep(batch)
            self._write()
            self._report_dropped()
            if stop:
                self._drop(len(self._pending), "the service stopped with the feedback database down")
            for _ in range(len(batch) + (1 if stop else 0)):
                self._queue.task_done()
            if stop:
                return

    def _report_dropped(self) -> None:
        with self._dropped_lock:
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.error("issued cards of %d calls not recorded: the writer fell behind", dropped)

    def _keep(self, batch: list[Issued]) -> None:
        self._pending.extend(
            issued_row(service_id, card, issued_at)
            for service_id, cards, issued_at in batch
            for card in cards
        )
        self._drop(len(self._pending) - self.MAX_PENDING_ROWS, "too many waiting for the feedback database")

    def _write(self) -> None:
        while self._pending:
            rows = [self._pending[i] for i in range(min(len(self._pending), self.MAX_ROWS_PER_WRITE))]
            try:
                self._store.record_issued_rows(rows)
            except StorageError as error:
                self._outage.failed(str(error))
                metrics.STORE_ERRORS.labels(store="feedback").inc()
                break
            for _ in rows:
                self._pending.popleft()
            self._outage.succeeded()
        metrics.ISSUED_CARDS_PENDING.set(len(self._pending))

    def _drop(self, count: int, why: str) -> None:
        """Forget the ``count`` oldest waiting rows, counting them so the loss is visible."""
        if count <= 0:
            return
        dropped = Counter(
            (row["service_id"], row["rule"]) for row in (self._pending.popleft() for _ in range(count))
        )
        for (service_id, rule), lost in dropped.items():
            metrics.ISSUED_CARDS_DROPPED.labels(service=service_id, rule=rule).inc(lost)
        log.error("issued cards not recorded (%d cards): %s", count, why)
        metrics.ISSUED_CARDS_PENDING.set(len(self._pending))


class StoreSinks:
    def __init__(self, store: FeedbackStore) -> None:
        self.store = store
        self.recorder = IssuedCardsRecorder(store)
        self._outage = OutageLog(log, "feedback database (feedback refused with 503)")

    def on_cards(self, service: CDSService, response: CDSResponse, issued_at: datetime) -> None:
        self.recorder.record((service.id, response.cards, issued_at))

    def on_feedback(self, service: CDSService, feedback: FeedbackRequest, received_at: datetime) -> None:
        try:
            self.store.record_feedback(service.id, feedback.feedback, received_at)
        except StorageError as error:
            self._outage.failed(str(error))
            metrics.STORE_ERRORS.labels(store="feedback").inc()
            raise CDSHooksError(
                503,
                "the feedback could not be stored now; send it again later, signed with a new token"
                " (this one counts as used)",
                retry_after_seconds=FEEDBACK_RETRY_AFTER_SECONDS,
            ) from None
        self._outage.succeeded()

    def readiness(self) -> str | None:
        return None if self.store.ping() else "feedback storage unreachable"

    def close(self) -> None:
        """Write what is queued, then close the store."""
        self.recorder.close()
        self.store.close()
