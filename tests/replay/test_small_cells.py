"""Never silent, audited on a population: every chart open on small cells got a card or a stated reason."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.clinical.builders import condition
from tests.replay.conftest import Population, replay_json
from tests.replay.test_as_of import AT, iso, observation, patient_ids, with_results

# Mild microcytic anemia with ferritin 100: a beta-thalassemia trait on record explains it.
TRAIT_PICTURE = (("718-7", 11.5, "g/dL"), ("787-2", 68.0, "fL"), ("2276-4", 100.0, "ng/mL"))
BETA_THALASSEMIA_TRAIT = "269175006"


def test_each_chart_open_on_small_cells_is_counted_with_its_card_or_its_reason(
    population: Population, tmp_path: Path
) -> None:
    at = ["--at", AT.strftime("%Y-%m-%d"), "--jobs", "1"]
    ids = patient_ids(population.ndjson)
    before = replay_json(population.ndjson, population, *at)["small_cells"]
    when = iso(AT - timedelta(hours=1))
    results = [
        observation(p, code, value, unit, effectiveDateTime=when)
        for p in ids
        for code, value, unit in TRAIT_PICTURE
    ]
    folder = with_results(population, tmp_path / "small", results)
    known, *others = ids
    with (folder / "Condition.ndjson").open("a", encoding="utf-8") as out:
        out.write(json.dumps(condition(BETA_THALASSEMIA_TRAIT, onset="2010-01-01", subject=known)) + "\n")

    small = replay_json(folder, population, *at)["small_cells"]

    assert before["chart_opens"] == 0  # nothing injected, nothing counted: the check below can fail
    assert small["chart_opens"] == len(ids)
    assert small["with_a_card"] == len(others)
    assert small["no_card"] == {"a known diagnosis explains it": 1}
    assert small["silent"] == 0
