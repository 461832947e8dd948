"""FHIR date and dateTime values as points in time.

fhir.resources hands back a ``date`` for a full date, a timezone-aware ``datetime`` for a
full dateTime and the raw string for a partial one ("2026-11", "2026"). A partial date is
too vague to place in a 90-day window, so it is refused rather than rounded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any


def as_instant(value: Any) -> datetime | None:
    """A timezone-aware instant, or None for a missing or partial date.

    A bare date is taken as its start in UTC: the lookback windows count days, so the few
    hours a time zone shifts do not change which results are used.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    return None


def started(moment: Any, period: Any) -> datetime | None:
    """When an event began: its ``[x]DateTime`` (``moment``), else the start of its ``[x]Period``."""
    return as_instant(moment) or as_instant(period.start if period is not None else None)


def day(moment: datetime) -> str:
    return moment.date().isoformat()
