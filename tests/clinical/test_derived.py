"""Derived values: TSAT from iron and TIBC, the red-cell indices, the reticulocyte production index."""

from __future__ import annotations

import pytest

from service.labs.derived import derive, maturation_factor
from tests.clinical.builders import lab
from tests.clinical.support import labs_of

DAY = "2026-11-10T09:00:00Z"


def test_tsat_is_calculated_from_iron_and_tibc_of_one_sample() -> None:
    derived = derive(labs_of([lab("iron", 40, DAY), lab("tibc", 400, DAY)]))
    assert derived.tsat_calculated == pytest.approx(10.0)
    assert not derived.tsat_disagrees


def test_tsat_is_not_calculated_from_samples_days_apart() -> None:
    derived = derive(labs_of([lab("iron", 40, DAY), lab("tibc", 400, "2026-11-01")]))
    assert derived.tsat_calculated is None


def test_a_reported_tsat_more_than_5_points_off_is_flagged() -> None:
    agreeing = derive(labs_of([lab("iron", 40, DAY), lab("tibc", 400, DAY), lab("tsat", 14, DAY)]))
    assert not agreeing.tsat_disagrees
    disagreeing = derive(labs_of([lab("iron", 40, DAY), lab("tibc", 400, DAY), lab("tsat", 16, DAY)]))
    assert disagreeing.tsat_disagrees


def test_mentzer_and_the_other_indices() -> None:
    derived = derive(
        labs_of(
            [
                lab("mcv", 66, DAY),
                lab("rbc", 6.0, DAY),
                lab("hemoglobin", 12.0, DAY),
                lab("mch", 20, DAY),
                lab("rdw_cv", 14, DAY),
            ]
        )
    )
    values = {i.name: i.value for i in derived.indices}
    assert values["Mentzer"] == pytest.approx(11.0)
    assert values["England-Fraser"] == pytest.approx(66 - 6 - 60 - 3.4)
    assert values["Green-King"] == pytest.approx(66 * 66 * 14 / 1200)
    assert values["Shine-Lal"] == pytest.approx(66 * 66 * 20 / 100)
    assert values["RDW index"] == pytest.approx(66 * 14 / 6)
    assert all(i.favours_thalassemia for i in derived.indices)


def test_mentzer_above_13_favours_iron_deficiency() -> None:
    mentzer = derive(labs_of([lab("mcv", 72, DAY), lab("rbc", 4.0, DAY)])).index("Mentzer")
    assert mentzer is not None and mentzer.value == pytest.approx(18.0)
    assert not mentzer.favours_thalassemia


def test_no_index_from_a_censored_value() -> None:
    assert (
        derive(labs_of([lab("mcv", 72, DAY), lab("rbc", 4.0, DAY, comparator=">")])).index("Mentzer") is None
    )


@pytest.mark.parametrize(
    ("hct", "factor"), [(40, 1.0), (36, 1.0), (30, 1.5), (26, 1.5), (20, 2.0), (16, 2.0), (14, 2.5)]
)
def test_maturation_factor_by_hematocrit(hct: float, factor: float) -> None:
    assert maturation_factor(hct) == factor


def test_reticulocyte_production_index() -> None:
    derived = derive(labs_of([lab("retic_pct", 3.0, DAY), lab("hematocrit", 30, DAY)]))
    assert derived.reticulocyte_index == pytest.approx(2.0)
    assert derived.rpi == pytest.approx(2.0 / 1.5)


def test_retic_percent_from_the_absolute_count() -> None:
    labs = labs_of(
        [
            lab("rbc", 4.0, DAY),
            lab("hematocrit", 40, DAY),
            {
                **lab("rbc", 80, DAY),
                "code": {"coding": [{"system": "http://loinc.org", "code": "60474-4"}]},
                "valueQuantity": {
                    "value": 80,
                    "unit": "10*9/L",
                    "system": "http://unitsofmeasure.org",
                    "code": "10*9/L",
                },
            },
        ]
    )
    derived = derive(labs)
    assert derived.reticulocyte_index == pytest.approx(2.0 * 40 / 45)
