"""History from the chart's series: how long the cells have been small, and lifelong results."""

from __future__ import annotations

from datetime import timedelta

from service.chart.read import read_chart
from service.rules.apply import recommend
from service.workup import situation_from
from tests.clinical.builders import PATIENT_ID, lab, patient, result
from tests.rules.situations import NOW, ON, situation


def reasoning_of(rule: str, **given: object) -> str:
    [rec] = [r for r in recommend(situation(**given)) if r.rule.code == rule]  # type: ignore[arg-type]
    return " ".join(rec.reasoning)


def test_microcytosis_on_a_count_over_a_year_ago_is_long_standing() -> None:
    text = reasoning_of("no-ferritin", hemoglobin=11.0, mcv=72, earlier=(("mcv", 71, 400),))
    assert "Long-standing microcytosis: MCV was already 71 fL" in text
    assert "favours a thalassemia trait" in text


def test_microcytosis_after_a_normal_mcv_is_new() -> None:
    text = reasoning_of("no-ferritin", hemoglobin=11.0, mcv=72, earlier=(("mcv", 71, 400), ("mcv", 88, 200)))
    assert "New microcytosis: MCV was 88 fL" in text
    assert "acquired cause" in text


def test_a_recent_small_count_alone_says_nothing_of_history() -> None:
    text = reasoning_of("no-ferritin", hemoglobin=11.0, mcv=72, earlier=(("mcv", 73, 100),))
    assert "Long-standing" not in text and "New microcytosis" not in text


def test_a_jak2_result_years_old_is_not_suggested_again() -> None:
    # Persistent erythrocytosis: JAK2 would be suggested, but a JAK2 result is lifelong.
    resources = [
        patient("male", "1981-03-14"),
        lab("hemoglobin", 17.6, ON.isoformat()),
        lab("mcv", 90, ON.isoformat()),
        lab("hemoglobin", 17.4, (ON - timedelta(days=90)).isoformat()),
        result("43399-5", 0, "1", (ON - timedelta(days=3 * 365)).isoformat()),
    ]
    s = situation_from(read_chart(resources, PATIENT_ID, NOW))
    [rec] = recommend(s)
    assert rec.rule.code == "erythrocytosis" and rec.indicator == "warning"
    assert "43399-5" not in {order.code for order in rec.orders}
    assert any(text.startswith("JAK2 V617F mutation: already resulted") for text in rec.already)


def test_a_ferritin_on_iron_is_shown_with_its_unit_and_not_as_replete() -> None:
    [rec] = recommend(
        situation(
            sex="male", age=55, hemoglobin=12.2, mcv=76, ferritin=80, iron="ferrous sulfate", iron_days=200
        )
    )
    assert rec.summary.startswith("Ferritin 80 µg/L was measured on iron: not read as replete")
