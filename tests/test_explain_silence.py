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
