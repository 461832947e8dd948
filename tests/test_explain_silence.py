"""``microcyte evaluate --explain`` names the reason, from the closed list, when small cells get no card."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.paths import FIXTURES, ROOT
from tests.served import MICROCYTE

CASES = FIXTURES / "cases"


def explain(case_name: str) -> str:
    case = json.loads((CASES / f"{case_name}.json").read_text())
    done = subprocess.run(
        [*MICROCYTE, "evaluate", "--explain", "--now", case["now"][:19], "-"],
        input=json.dumps(case["request"]).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


@pytest.mark.parametrize(
    ("case_name", "reason"),
    [
        ("06-ferritin-already-ordered", "every next step is already resulted or ordered"),
        ("41-known-beta-thalassemia-trait", "a known diagnosis explains it"),
        ("142-known-trait-ferritin-on-order", "every next step is already resulted or ordered"),
        ("119-known-trait-explains-mild-erythrocytosis", "a known diagnosis explains it"),
    ],
)
def test_no_card_for_small_cells_says_why(case_name: str, reason: str) -> None:
    out = explain(case_name)
    assert 'none: the answer is "cards": []' in out
    assert f"No card for the small cells, because {reason}." in out


def test_a_card_needs_no_reason() -> None:
    assert "No card for the small cells" not in explain("01-microcytic-anemia-no-ferritin")


@pytest.mark.parametrize(
    ("case_name", "why"),
    [
        ("76-mchc-artifact", "MCHC 38.5 g/dL is above 37 g/dL, which suggests a measurement artifact"),
        ("180-erythrocytosis-below-the-action-hematocrit", "The hematocrit 50 % is not above 52 %"),
        ("111-erythrocytosis-repeat-within-8-weeks", "the repeat that tells persistence is not due yet"),
        ("183-mild-cytopenias-repeat-not-due", "tells a persisting cytopenia is not due"),
    ],
)
def test_an_abnormal_result_without_a_card_is_explained(case_name: str, why: str) -> None:
    out = explain(case_name)
    assert 'none: the answer is "cards": []' in out
    assert why in out
