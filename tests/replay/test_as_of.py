"""As-of replay: a chart open sees the record as it stood then, and nothing recorded after it.

Severe microcytic anemia is written into every patient's record just after the moment the
charts are opened (``--at``): the figures must not move. Written just before, the same results
must change them, or the first check would prove nothing.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.replay.conftest import Population, replay_json

AT = datetime(2020, 1, 1)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# Hemoglobin 6 g/dL, MCV 60 fL, ferritin 4 ng/mL: a card for every patient whenever it is seen.
SEVERE = (("718-7", 6.0, "g/dL"), ("787-2", 60.0, "fL"), ("2276-4", 4.0, "ng/mL"))


def observation(patient: str, code: str, value: float, unit: str, **dates: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"injected-{patient}-{code}-{len(json.dumps(dates))}-{sorted(dates.values())[0][:10]}",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        **dates,
    }


def patient_ids(export: Path) -> list[str]:
    lines = (export / "Patient.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines]


def with_results(population: Population, folder: Path, results: list[dict[str, Any]]) -> Path:
    shutil.copytree(population.ndjson, folder)
    with (folder / "Observation.ndjson").open("a", encoding="utf-8") as out:
        for result in results:
            out.write(json.dumps(result) + "\n")
    return folder


def iso(moment: datetime) -> str:
    return moment.isoformat() + "+00:00"


def injected(ids: list[str], *, offset: timedelta) -> list[dict[str, Any]]:
    when = iso(AT + offset)
    return [
        observation(p, code, value, unit, effectiveDateTime=when) for p in ids for code, value, unit in SEVERE
    ]


def test_a_result_dated_after_the_chart_open_never_reaches_a_card(
    population: Population, tmp_path: Path
) -> None:
    at = ["--at", AT.strftime("%Y-%m-%d"), "--jobs", "1"]
    ids = patient_ids(population.ndjson)
    before = replay_json(population.ndjson, population, *at)
    # After the chart open: drawn an hour later, or drawn before it but released (issued) after it.
    later = injected(ids, offset=timedelta(hours=1))
    released_later = [
        observation(
            p,
            code,
            value,
            unit,
            effectiveDateTime=iso(AT - timedelta(hours=2)),
            issued=iso(AT + timedelta(hours=2)),
        )
        for p in ids
        for code, value, unit in SEVERE
    ]
    future = with_results(population, tmp_path / "future", later + released_later)
    assert replay_json(future, population, *at) == before

    past = with_results(population, tmp_path / "past", injected(ids, offset=-timedelta(hours=1)))
    seen = replay_json(past, population, *at)
    assert seen["cards"] > before["cards"]
    assert seen["chart_opens"] == before["chart_opens"] == len(ids)


def test_a_date_without_a_time_counts_from_the_end_of_its_day(population: Population, tmp_path: Path) -> None:
    """A result dated only by the day of the chart open may have come in after it: it is left out."""
    at = ["--at", (AT + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%S"), "--jobs", "1"]
    ids = patient_ids(population.ndjson)
    before = replay_json(population.ndjson, population, *at)
    same_day = [
        observation(p, code, value, unit, effectiveDateTime=AT.strftime("%Y-%m-%d"))
        for p in ids
        for code, value, unit in SEVERE
    ]
    assert replay_json(with_results(population, tmp_path / "day", same_day), population, *at) == before


def test_charts_open_the_day_after_each_blood_count(population: Population) -> None:
    report = replay_json(population.bundles, population, "--jobs", "1")
    blood_count_days = set()
    for line in (population.ndjson / "Observation.ndjson").read_text(encoding="utf-8").splitlines():
        resource = json.loads(line)
        codes = {coding["code"] for coding in resource["code"]["coding"]}
        if codes & {"718-7", "787-2"}:
            blood_count_days.add((resource["subject"]["reference"], resource["effectiveDateTime"][:10]))
    assert report["chart_opens"] == len(blood_count_days)
    assert report["as_of"].startswith("each 24 hours after a blood count")
