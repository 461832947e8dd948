"""FHIR dates as the instant from which a value was known.

A record cut at a moment must hold nothing from after it. A FHIR date may be a year, a month, a day
or an instant; a partial one is taken as the LAST instant it can denote (``2024-05`` as the end of
May): a value dated only by its day may have been recorded at any time that day, so it counts as
known once the day is over.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def latest_instant(value: object) -> datetime | None:
    """The last instant a FHIR date, dateTime or instant denotes, in UTC; None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    partial = _PARTIAL.match(value)
    try:
        if partial:
            year, month, day = (int(part) if part else None for part in partial.groups())
            assert year is not None
            last_month = month or 12
            last_day = day or calendar.monthrange(year, last_month)[1]
            start = datetime(year, last_month, last_day, tzinfo=UTC)
            return start + timedelta(days=1) - timedelta(microseconds=1)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # FHIR requires a zone with a time; a value without one is read as UTC rather than dropped.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def birth_date(value: object) -> datetime | None:
    """The FIRST instant of a birth date: an age is counted from the start of the day."""
    if not isinstance(value, str):
        return None
    partial = _PARTIAL.match(value)
    if not partial:
        return None
    year, month, day = (int(part) if part else 1 for part in partial.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def age_in_years(born: datetime, on: datetime) -> int:
    years = on.year - born.year
    return years - 1 if (on.month, on.day) < (born.month, born.day) else years
