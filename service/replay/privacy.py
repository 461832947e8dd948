"""What of a patient a replay's output may show: by default nothing that names or dates anyone.

Ids are replaced by a keyed hash (HMAC-SHA-256 under a salt, so that a list of known ids cannot be
hashed to find them), ages by bands, the dates of a sample explanation by days relative to its
chart open, and the year alone stands for its date. ``--identify`` keeps all of it, for a review on
the hospital's own machines.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from service.replay.dates import age_in_years, birth_date

AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 17),
    (18, 29),
    (30, 39),
    (40, 49),
    (50, 59),
    (60, 69),
    (70, 79),
    (80, None),
)
UNKNOWN = "unknown"
SEXES = ("female", "male", "other", UNKNOWN)

_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?")
# The patient's age as the explanation's context line writes it ("45 y on 2026-11-01"): only that
# form, so that the advice's own intervals and ages ("repeat in about 2 months", "lead at 1–5 y") stay.
_AGE = re.compile(r"\b(\d+) (y|months)(?= on )")
_REFERENCE = re.compile(
    r"\b(Patient|MedicationRequest|MedicationStatement|ServiceRequest|Observation|Condition|Encounter)"
    r"/[A-Za-z0-9\-.]{1,64}"
)


def band_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}–{high}"


AGE_BAND_LABELS = (*(band_label(low, high) for low, high in AGE_BANDS), UNKNOWN)


def age_band(years: int | None) -> str:
    if years is None or years < 0:
        return UNKNOWN
    for low, high in AGE_BANDS:
        if high is None or years <= high:
            return band_label(low, high)
    return UNKNOWN  # unreachable: the last band is open


def age_at(birth: object, moment: datetime) -> int | None:
    born = birth_date(birth)
    return age_in_years(born, moment) if born is not None else None


def sex_of(gender: object) -> str:
    return gender if isinstance(gender, str) and gender in SEXES else UNKNOWN


@dataclass(frozen=True)
class Privacy:
    salt: bytes
    identify: bool = False

    def digest(self, text: str) -> str:
        return hmac.new(self.salt, text.encode(), hashlib.sha256).hexdigest()

    def patient(self, patient_id: str) -> str:
        return patient_id if self.identify else self.digest(patient_id)[:16]

    def moment(self, moment: datetime) -> str:
        return moment.isoformat() if self.identify else str(moment.year)

    def text(self, text: str, patient_id: str, chart_open: datetime) -> str:
        """A sample's summary or explanation with no date, exact age or id in it."""
        if self.identify:
            return text
        text = text.replace(patient_id, self.patient(patient_id))

        def relative(match: re.Match[str]) -> str:
            try:
                days = (datetime.fromisoformat(match.group(1)).date() - chart_open.date()).days
            except ValueError:
                return "[date]"
            return f"[day {days:+d}]" if days else "[day 0]"

        text = _DATE.sub(relative, text)
        text = _AGE.sub(lambda m: f"age {age_band(int(m.group(1)) if m.group(2) == 'y' else 0)}", text)
        return _REFERENCE.sub(lambda m: f"{m.group(1)}/…", text)
