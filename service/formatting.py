"""How numbers and units are written for a person (cards, explain)."""

from __future__ import annotations

from functools import lru_cache

# UCUM units written the way clinicians read them.
_UNIT_LABELS = {
    "10*12/L": "×10¹²/L",
    "10*9/L": "×10⁹/L",
    "ug/L": "µg/L",
    "ug/dL": "µg/dL",
    "m[IU]/mL": "mIU/mL",
    "1": "",
}


# Every finding and card that cites a threshold writes it again (and each lab value several times):
# about fifty numbers a call, most of them the same few. Equal numbers write alike (5 and 5.0, 0.0
# and -0.0), so one cache entry serves them all.
@lru_cache(maxsize=4096)
def number(value: float) -> str:
    """At most two decimals, no trailing zeros: 17.6, 0.25, 5."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def unit_label(ucum: str) -> str:
    return _UNIT_LABELS.get(ucum, ucum)


# A lab value is shown in the finding, the summary and the card's table: written once.
@lru_cache(maxsize=4096)
def quantity(value: float, ucum: str, comparator: str | None = None) -> str:
    label = unit_label(ucum)
    text = f"{comparator or ''}{number(value)}"
    return f"{text} {label}" if label else text
