"""The feedback store seen from the HTTP surface: what to do with issued cards and feedback.

Feedback must never be lost: when the store cannot take it, the client is told so with a
503 and sends it again (it is stored idempotently), so it is written inside the call.

Recording which cards were issued is bookkeeping for the statistics, and it happens on every
hook call that shows a card. Written inside the call, it made calls wait on the database's
write lock: with two workers on SQLite the p99 at 8 concurrent clients was about a second
(bench/RESULTS.md). So calls only queue their cards, and one thread per process writes the
queue in batches, one transaction each. Closing the sinks (a graceful stop) writes what is
queued; if the store fails, the clinician still got the cards and the log says how many were
not counted. The queue is bounded: a store that stops taking writes costs the statistics the
later calls, never the worker its memory nor the clinician a wait.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from datetime import datetime

from cds_hooks.errors import CDSHooksError
from cds_hooks.feedback.database import StorageError
from cds_hooks.feedback.store import FeedbackStore
from cds_hooks.models import Card, CDSResponse, FeedbackRequest
from cds_hooks.service import CDSService

log = logging.getLogger(__name__)


Issued = tuple[str, Sequence[Card], datetime]


class IssuedCardsRecorder:
    """Writes issued cards from a queue, in batches, on a thread of its own."""

    MAX_BATCH = 500  # responses per transaction
    # Calls whose cards may wait for the writer. It keeps up with ~450 calls a second on two
    # workers (bench/RESULTS.md), so a backlog this long means the store has stopped taking
    # writes (locked by another process, unreachable): unbounded, the queue would hold every
    # later call's cards (a few KiB each) until the worker ran out of memory. Past the bound a
    # call is not counted rather than made to wait: the clinician's cards come first.
    MAX_PENDING = 10_000

    def __init__(self, store: FeedbackStore) -> None:
        self._store = store
        self._queue: queue.Queue[Issued | None] = queue.Queue(maxsize=self.MAX_PENDING)
        self._dropped = 0  # calls not queued since the writer last reported them
        self._dropped_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="issued-cards-recorder", daemon=True)
        self._thread.start()

    def record(self, issued: Issued) -> None:
        try:
            self._queue.put_nowait(issued)
        except queue.Full:
            with self._dropped_lock:
                self._dropped += 1
                first = self._dropped == 1
            if first:  # once per backlog, not once per call: the writer reports the total
                log.error("issued cards not recorded: %d calls already wait for the store", self.MAX_PENDING)

    def pending(self) -> int:
        """Calls whose cards wait to be written: a writer falling behind shows here first."""
        return self._queue.qsize()

    def flush(self) -> None:
        """Wait until everything queued so far is written (or its failure logged)."""
        self._queue.join()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
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
            self._write(batch)
            self._report_dropped()
            for _ in range(len(batch) + (1 if stop else 0)):
                self._queue.task_done()
            if stop:
                return

    def _report_dropped(self) -> None:
        with self._dropped_lock:
            dropped, self._dropped = self._dropped, 0
        if dropped:
            log.error("issued cards of %d calls not recorded: the store fell behind", dropped)

    def _write(self, batch: list[Issued]) -> None:
        if not batch:
            return
        try:
            self._store.record_issued_batch(batch)
        except StorageError as error:
            count = sum(len(cards) for _, cards, _ in batch)
            log.error("issued cards not recorded (%d cards): %s", count, error)


class StoreSinks:
    def __init__(self, store: FeedbackStore) -> None:
        self.store = store
        self.recorder = IssuedCardsRecorder(store)

    def on_cards(self, service: CDSService, response: CDSResponse, issued_at: datetime) -> None:
        self.recorder.record((service.id, response.cards, issued_at))

    def on_feedback(self, service: CDSService, feedback: FeedbackRequest, received_at: datetime) -> None:
        try:
            self.store.record_feedback(service.id, feedback.feedback, received_at)
        except StorageError as error:
            log.error("feedback not stored for %s: %s", service.id, error)
            raise CDSHooksError(503, "the feedback could not be stored now; send it again") from None

    def readiness(self) -> str | None:
        return None if self.store.ping() else "feedback storage unreachable"

    def close(self) -> None:
        """Write what is queued, then close the store."""
        self.recorder.close()
        self.store.close()
