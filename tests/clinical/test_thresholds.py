"""Thresholds: WHO 2024 anemia by age, sex and pregnancy; MCV limits; ferritin cutoffs; age."""

from __future__ import annotations

from datetime import date

import pytest

from service.findings import thresholds as t
from service.patient.demographics import age_at
from service.patient.model import Age, Sex


def age(years: int, months: int = 0) -> Age:
    return Age(years=years, months=years * 12 + months)


@pytest.mark.parametrize(
    ("who", "sex", "pregnant", "trimester", "g_dl"),
    [
        (Age(0, 8), Sex.FEMALE, False, None, 10.5),
        (Age(2, 30), Sex.MALE, False, None, 11.0),
        (age(7), Sex.MALE, False, None, 11.5),
        (age(13), Sex.FEMALE, False, None, 12.0),
        (age(15), Sex.FEMALE, False, None, 12.0),
        (age(40), Sex.MALE, False, None, 13.0),
        (age(40), Sex.UNKNOWN, False, None, 13.0),
        (age(30), Sex.FEMALE, True, 1, 11.0),
        (age(30), Sex.FEMALE, True, 2, 10.5),
        (age(30), Sex.FEMALE, True, 3, 11.0),
        (age(30), Sex.FEMALE, True, None, 11.0),
    ],
)
def test_who_2024_hemoglobin_thresholds(
    who: Age, sex: Sex, pregnant: bool, trimester: int | None, g_dl: float
) -> None:
    threshold = t.anemia_threshold(who, sex, pregnant, trimester)
    assert threshold is not None and threshold.value == pytest.approx(g_dl)


def test_no_anemia_threshold_under_six_months() -> None:
    assert t.anemia_threshold(Age(0, 5), Sex.FEMALE, False, None) is None


@pytest.mark.parametrize(
    ("who", "fl"),
    [(Age(1, 18), 70.0), (age(4), 74.0), (age(8), 77.0), (age(13), 78.0), (age(15), 80.0), (age(70), 80.0)],
)
def test_microcytosis_limits_by_age(who: Age, fl: float) -> None:
    threshold = t.microcytosis_threshold(who, None)
    assert threshold is not None and threshold.value == fl


def test_a_childs_mcv_limit_is_the_labs_range_when_it_has_one_but_an_adults_is_always_80() -> None:
    child = t.microcytosis_threshold(age(8), 81.0)
    adult = t.microcytosis_threshold(age(30), 82.0)
    assert child is not None and child.value == 81.0
    assert adult is not None and adult.value == 80.0


@pytest.mark.parametrize(
    ("who", "inflamed", "cutoff"),
    [(age(30), False, 15.0), (age(3), False, 12.0), (age(30), True, 70.0), (age(3), True, 30.0)],
)
def test_who_2020_ferritin_cutoffs(who: Age, inflamed: bool, cutoff: float) -> None:
    assert t.ferritin_cutoff(who, inflamed).value == cutoff


def test_erythrocytosis_thresholds_take_the_lower_pair_when_sex_is_unknown() -> None:
    assert t.erythrocytosis_thresholds(Sex.MALE) == (16.5, 49.0)
    assert t.erythrocytosis_thresholds(Sex.UNKNOWN) == (16.0, 48.0)


@pytest.mark.parametrize(
    ("born", "on", "years", "months"),
    [
        (date(1992, 3, 14), date(2026, 11, 10), 34, 415),
        (date(1992, 11, 11), date(2026, 11, 10), 33, 407),
        (date(2026, 5, 10), date(2026, 11, 10), 0, 6),
        (date(2026, 5, 11), date(2026, 11, 10), 0, 5),
    ],
)
def test_age_in_completed_years_and_months(born: date, on: date, years: int, months: int) -> None:
    assert age_at(born, on) == Age(years, months)


def test_a_birth_after_the_date_has_no_age() -> None:
    assert age_at(date(2027, 1, 1), date(2026, 11, 10)) is None
