"""A terse table per rule family: the situation in a few keywords, and the cards the rules give.

In the spirit of the CQL Testing Framework: each row is one patient, read through the real
chart stages, and its expected (rule, indicator) pairs, most urgent first. The end-to-end
case files (fixtures/cases/) cover the same rules through whole requests.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.rules.situations import IRON_DRAFT, fired, fired_on_order, situation

Row = tuple[str, dict[str, Any], list[tuple[str, str]]]

IRON_DEFICIENCY: list[Row] = [
    ("woman 34, microcytic anemia, no ferritin", dict(hemoglobin=10.9, mcv=72), [("no-ferritin", "info")]),
    ("woman 34, microcytosis alone, no ferritin", dict(hemoglobin=12.8, mcv=72), [("no-ferritin", "info")]),
    ("woman 34, normocytic anemia", dict(hemoglobin=10.9, mcv=88), []),
    (
        "woman 34, ferritin 8",
        dict(hemoglobin=10.9, mcv=72, ferritin=8),
        [("iron-deficiency-premenopausal", "info")],
    ),
    (
        "man 50, ferritin 8: the source",
        dict(sex="male", age=50, hemoglobin=11.0, mcv=72, ferritin=8),
        [("iron-deficiency-source", "warning")],
    ),
    (
        "woman 60, ferritin 8: the source",
        dict(age=60, hemoglobin=10.0, mcv=70, ferritin=8),
        [("iron-deficiency-source", "warning")],
    ),
    (
        "child 4, ferritin 6",
        dict(age=4, hemoglobin=9.8, mcv=66, ferritin=6),
        [("iron-deficiency-child", "info")],
    ),
]

THALASSEMIA: list[Row] = [
    (
        "man 30, MCV 66, RBC 6.2, ferritin 80",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80),
        [("thalassemia-screen", "info")],
    ),
    (
        "the same with HbA2 5.2 %",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80, hba2=5.2),
        [("beta-thalassemia-trait", "info")],
    ),
]

URGENT: list[Row] = [
    (
        "Hb 6.5: critical, and the workup still starts",
        dict(hemoglobin=6.5, mcv=70),
        [("severe-anemia", "critical"), ("no-ferritin", "info")],
    ),
    (
        "microcytic pancytopenia",
        dict(hemoglobin=9.0, mcv=72, wbc=2.1, platelets=60, ferritin=80),
        [("cytopenias", "warning")],
    ),
    ("man 45, Hb 17.5", dict(sex="male", age=45, hemoglobin=17.5, mcv=90), [("erythrocytosis", "warning")]),
    (
        "child 2, blood lead 8",
        dict(age=2, hemoglobin=10.2, mcv=68, lead=8.0, ferritin=20),
        [("elevated-lead", "warning")],
    ),
]

IRON_ORDERED: list[Row] = [
    (
        "thalassemia pattern, normal ferritin",
        dict(sex="male", age=30, hemoglobin=12.1, mcv=66, rbc=6.2, ferritin=80),
        [("iron-with-thalassemia-trait", "warning")],
    ),
    ("iron deficiency confirmed", dict(hemoglobin=10.9, mcv=72, ferritin=8), []),
    (
        "erythrocytosis",
        dict(sex="male", age=45, hemoglobin=17.5, mcv=90),
        [("iron-with-erythrocytosis", "warning")],
    ),
    (
        "iron loading",
        dict(hemoglobin=11.0, mcv=76, ferritin=900, tsat=70),
        [("iron-with-iron-loading", "warning")],
    ),
]


def ids(rows: list[Row]) -> list[str]:
    return [row[0] for row in rows]


@pytest.mark.parametrize(("who", "given", "cards"), IRON_DEFICIENCY, ids=ids(IRON_DEFICIENCY))
def test_iron_deficiency(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), THALASSEMIA, ids=ids(THALASSEMIA))
def test_thalassemia(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), URGENT, ids=ids(URGENT))
def test_urgent_and_other_lineages(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired(situation(**given)) == cards


@pytest.mark.parametrize(("who", "given", "cards"), IRON_ORDERED, ids=ids(IRON_ORDERED))
def test_iron_ordered(who: str, given: dict[str, Any], cards: list[tuple[str, str]]) -> None:
    assert fired_on_order(situation(drafts=(IRON_DRAFT,), **given)) == cards
    assert fired_on_order(situation(**given)) == []  # nothing selected: nothing to object to
