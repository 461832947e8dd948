"""Cards and feedback items as a CDS service and an EHR would produce them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select

from cds_hooks.models import Card, FeedbackItem, FeedbackRequest

REASONS_SYSTEM = "http://example.org/cds-services/fhir/CodeSystem/override-reasons"
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday: ISO week 2024-W10


def card(rule: str | None, *, card_uuid: str | None = None, indicator: str = "warning") -> Card:
    topic = {"system": "https://microcyte.example/rules", "code": rule} if rule else None
    return Card.model_validate(
        {
            "uuid": card_uuid or str(uuid.uuid4()),
            "summary": f"Card of {rule}",
            "indicator": indicator,
            "source": {"label": "Microcyte", "topic": topic},
        }
    )


def accepted(card_uuid: str | None, at: datetime, *suggestions: str) -> FeedbackItem:
    return FeedbackItem.model_validate(
        {
            "card": card_uuid,
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": s} for s in suggestions or [str(uuid.uuid4())]],
            "outcomeTimestamp": at.isoformat(),
        }
    )


def overridden(
    card_uuid: str | None,
    at: datetime,
    *,
    code: str | None = None,
    display: str | None = None,
    comment: str | None = None,
) -> FeedbackItem:
    override: dict[str, Any] = {}
    if code:
        override["reason"] = {"system": REASONS_SYSTEM, "code": code, "display": display}
    if comment:
        override["userComment"] = comment
    item: dict[str, Any] = {"card": card_uuid, "outcome": "overridden", "outcomeTimestamp": at.isoformat()}
    if override:
        item["overrideReason"] = override
    return FeedbackItem.model_validate(item)


def feedback_file(path: Path) -> list[FeedbackItem]:
    """A feedback request body as an EHR posts it, validated as the endpoint does."""
    return FeedbackRequest.model_validate_json(path.read_bytes()).feedback


def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, read straight from the database, bypassing the store."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: [dict(row._mapping) for row in connection.execute(select(table))]
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()
