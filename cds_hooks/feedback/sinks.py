"""The feedback store seen from the HTTP surface: what to do with issued cards and feedback.

Feedback must never be lost: when the store cannot take it, the client is told so with a
503 and sends it again (it is stored idempotently). Recording which cards were issued is
bookkeeping for the statistics: if it fails, the clinician still gets the cards and the log
says what was not counted.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cds_hooks.errors import CDSHooksError
from cds_hooks.feedback.database import StorageError
from cds_hooks.feedback.store import FeedbackStore
from cds_hooks.models import CDSResponse, FeedbackRequest
from cds_hooks.service import CDSService

log = logging.getLogger(__name__)


class StoreSinks:
    def __init__(self, store: FeedbackStore) -> None:
        self.store = store

    def on_cards(self, service: CDSService, response: CDSResponse, issued_at: datetime) -> None:
        try:
            self.store.record_issued(service.id, response.cards, issued_at)
        except StorageError as error:
            log.error(
                "issued cards not recorded for %s (%d cards): %s", service.id, len(response.cards), error
            )

    def on_feedback(self, service: CDSService, feedback: FeedbackRequest, received_at: datetime) -> None:
        try:
            self.store.record_feedback(service.id, feedback.feedback, received_at)
        except StorageError as error:
            log.error("feedback not stored for %s: %s", service.id, error)
            raise CDSHooksError(503, "the feedback could not be stored now; send it again") from None

    def readiness(self) -> str | None:
        return None if self.store.ping() else "feedback storage unreachable"
