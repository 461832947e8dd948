"""The feedback store: cards as issued, feedback as received, on SQLite or PostgreSQL.

Writes are idempotent inserts ("insert, ignoring rows whose key is already there"), so a
client resending feedback after a timeout, or eight threads posting at once, leave exactly
one row per distinct item without any read-then-write race. Feedback is stored whether or
not the card is known: an item the endpoint accepted is never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self

from sqlalchemy import Connection, Table, and_, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from cds_hooks.feedback.database import (
    WRITE_OPTION,
    StorageError,
    describe,
    open_engine,
    parse_database_url,
    reason,
)
from cds_hooks.feedback.migrations import migrate
from cds_hooks.feedback.records import UNKNOWN_RULE, feedback_row, issued_row
from cds_hooks.feedback.schema import feedback, issued_cards
from cds_hooks.models import Card, FeedbackItem
from cds_hooks.outages import OutageLog

log = logging.getLogger(__name__)

Outcome = Literal["accepted", "overridden"]


@dataclass(frozen=True)
class FinalOutcome:
    """What became of one card: its latest feedback, under the rule that issued it."""

    rule: str
    outcome: Outcome
    outcome_at: datetime
    reason_system: str | None
    reason_code: str | None
    reason_display: str | None


class FeedbackStore:
    """Feedback storage on the database ``url`` names (see ``StorageSettings.resolved_url``).

    Opening it creates or migrates the schema. One store is shared by all the threads of a
    process, and any number of processes may open the same database: the database does the
    locking. Open it after a fork (not in a gunicorn --preload master), as pooled
    connections must not cross processes.
    """

    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        parsed = parse_database_url(url)
        self._name = describe(parsed)
        self._engine = open_engine(parsed, pool_size)
        self._writer = self._engine.execution_options(**{WRITE_OPTION: True})
        # Probed every few seconds by each balancer: one line per outage, not one per probe.
        self._unanswered = OutageLog(log, f"feedback database {self._name}", level=logging.WARNING)
        try:
            self.schema_version = migrate(self._writer)
        except SQLAlchemyError as error:
            self._engine.dispose()
            raise StorageError(f"cannot open the feedback database {self._name}: {reason(error)}") from error
        except StorageError:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"FeedbackStore({self._name!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection (the store reopens them if used again)."""
        self._engine.dispose()

    def ping(self) -> bool:
        """Whether the database answers now: for a readiness probe."""
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, StorageError) as error:
            self._unanswered.failed(reason(error))
            return False
        self._unanswered.succeeded()
        return True

    def record_issued(self, service_id: str, cards: Sequence[Card], issued_at: datetime) -> None:
        """Remember the cards a service returned, so that feedback on them counts under their rule."""
        self.record_issued_batch([(service_id, cards, issued_at)])

    def record_issued_batch(self, batch: Sequence[tuple[str, Sequence[Card], datetime]]) -> None:
        """Several responses' cards in one transaction: one write lock for many hook calls."""
        for _, _, issued_at in batch:
            _require_aware(issued_at, "issued_at")
        self.record_issued_rows(
            [
                issued_row(service_id, card, issued_at)
                for service_id, cards, issued_at in batch
                for card in cards
            ]
        )

    def record_issued_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows made by ``records.issued_row``, in one transaction; a row already stored is kept."""
        ordered = sorted(rows, key=lambda row: row["card_uuid"] or "")
        if not ordered:
            return
        with self._writing("record issued cards") as connection:
            _insert_ignoring_duplicates(connection, issued_cards, ordered)

    def record_feedback(self, service_id: str, items: Sequence[FeedbackItem], received_at: datetime) -> None:
        """Store feedback items; an item already stored (same key) is left as it is."""
        _require_aware(received_at, "received_at")
        unique = {row["dedup_key"]: row for row in (feedback_row(service_id, i, received_at) for i in items)}
        # Inserting in key order makes concurrent transactions that share items take their
        # row locks in the same order, so PostgreSQL never has to break a deadlock.
        rows = [unique[key] for key in sorted(unique)]
        if not rows:
            return
        with self._writing("record feedback") as connection:
            _insert_ignoring_duplicates(connection, feedback, rows)

    def issued_per_rule(self, since: datetime | None = None) -> dict[str, int]:
        """How many cards each rule issued, from ``since`` on."""
        query = select(issued_cards.c.rule, func.count()).group_by(issued_cards.c.rule)
        if since is not None:
            _require_aware(since, "since")
            query = query.where(issued_cards.c.issued_at >= since)
        with self._reading("count issued cards") as connection:
            return {rule: count for rule, count in connection.execute(query)}

    def final_outcomes(self, since: datetime | None = None) -> list[FinalOutcome]:
        """The latest feedback on each card, for the cards whose latest feedback is from ``since`` on.

        A card can get feedback more than once (accepted, then overridden on reflection);
        only the last word counts, so that every card is either accepted or overridden.
        Feedback on a card this store never issued counts under the rule "unknown".
        """
        ranked = select(
            feedback.c.service_id,
            feedback.c.card_uuid,
            feedback.c.outcome,
            feedback.c.outcome_at,
            feedback.c.override_system,
            feedback.c.override_code,
            feedback.c.override_display,
            func.row_number()
            .over(
                partition_by=(feedback.c.service_id, feedback.c.card_uuid),
                order_by=(feedback.c.outcome_at.desc(), feedback.c.id.desc()),
            )
            .label("position"),
        ).subquery()
        card = and_(
            issued_cards.c.service_id == ranked.c.service_id, issued_cards.c.card_uuid == ranked.c.card_uuid
        )
        query = (
            select(
                func.coalesce(issued_cards.c.rule, UNKNOWN_RULE),
                ranked.c.outcome,
                ranked.c.outcome_at,
                ranked.c.override_system,
                ranked.c.override_code,
                ranked.c.override_display,
            )
            .select_from(ranked.outerjoin(issued_cards, card))
            .where(ranked.c.position == 1)
        )
        if since is not None:
            _require_aware(since, "since")
            query = query.where(ranked.c.outcome_at >= since)
        with self._reading("read feedback") as connection:
            return [FinalOutcome(*row) for row in connection.execute(query)]

    @contextmanager
    def _writing(self, action: str) -> Iterator[Connection]:
        try:
            with self._writer.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StorageError(f"cannot {action} in {self._name}: {reason(error)}") from error

    @contextmanager
    def _reading(self, action: str) -> Iterator[Connection]:
        try:
            with self._engine.connect() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StorageError(f"cannot {action} from {self._name}: {reason(error)}") from error


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _insert_ignoring_duplicates(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(table).on_conflict_do_nothing(), rows)
    else:
        connection.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
