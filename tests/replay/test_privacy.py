"""A sample's text loses the patient's exact age, and keeps the ages and intervals of the advice."""

from __future__ import annotations

from datetime import UTC, datetime

from service.replay.privacy import Privacy

CHART_OPEN = datetime(2026, 11, 2, 9, tzinfo=UTC)


def scrubbed(text: str) -> str:
    return Privacy(salt=b"test").text(text, "patient-1", CHART_OPEN)


def test_the_patients_age_becomes_its_band() -> None:
    assert (
        scrubbed("female; 45 y on 2026-11-01; premenopausal")
        == "female; age 40–49 on [day -1]; premenopausal"
    )
    assert scrubbed("male; 8 months on 2026-11-02") == "male; age 0–17 on [day 0]"


def test_the_intervals_and_ages_of_the_advice_are_kept() -> None:
    advice = "a first raised count: repeat in about 2 months; blood lead at 1–5 y (CDC)"
    assert scrubbed(advice) == advice
