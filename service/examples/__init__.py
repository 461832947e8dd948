"""An example hook request that stays current: ``microcyte example`` prints it dated from today.

The workup looks back 90 days from the call, so a request with fixed dates stops producing
cards a few months after it was written. The example is kept as it was first recorded, and
every date in it is moved by the days between then and now, so the blood count is always
``RECORDED_NOW - drawn`` days old and the patient always the same age.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from importlib import resources
from typing import Any

# The day the example was recorded as "today": its blood count was drawn 17 days before.
RECORDED_NOW = date(2026, 11, 21)
EXAMPLES = ("patient-view-microcytosis",)

# A FHIR date or dateTime: YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by a time.
_FHIR_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?")


def example_request(name: str = EXAMPLES[0], *, today: date) -> dict[str, Any]:
    """The example request ``name``, with its dates moved as if it were recorded ``today``."""
    raw = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    shifted: dict[str, Any] = _shift(json.loads(raw), today - RECORDED_NOW)
    return shifted


def _shift(value: Any, by: timedelta) -> Any:
    if isinstance(value, dict):
        return {key: _shift(member, by) for key, member in value.items()}
    if isinstance(value, list):
        return [_shift(member, by) for member in value]
    if isinstance(value, str) and (match := _FHIR_DATE.fullmatch(value)):
        moved = date.fromisoformat(match.group(1)) + by
        return moved.isoformat() + (match.group(2) or "")
    return value
