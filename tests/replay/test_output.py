"""What a replay writes and prints: the report's files, no patient data by default, errors by line."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from service.replay.privacy import AGE_BAND_LABELS
from service.replay.sources import ndjson
from tests.replay.conftest import SALT, Population, replay_json, run_replay

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?!\d)")


def patients(population: Population) -> list[dict[str, Any]]:
    lines = (population.ndjson / "Patient.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def report_folder(population: Population, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay-report") / "report"
    result = run_replay(
        str(population.bundles), "--output", str(out), "--config", str(population.config), "--jobs", "1"
    )
    assert result.exit_code == 0, result.output
    return out


def test_the_report_holds_json_csv_markdown_and_plots(report_folder: Path) -> None:
    report = json.loads((report_folder / "replay.json").read_text(encoding="utf-8"))
    for member in ("chart_opens", "patients", "rules"):
        assert member in report
    assert all({"rule", "indicator", "cards", "per_100_chart_opens"} <= set(r) for r in report["rules"])
    with (report_folder / "rules.csv").open(encoding="utf-8") as rules_csv:
        rows = list(csv.DictReader(rules_csv))
    assert [(r["rule"], int(r["cards"])) for r in rows] == [(r["rule"], r["cards"]) for r in report["rules"]]
    for table in ("services", "cards_per_chart_open", "orders", "bands", "samples", "problems"):
        assert (report_folder / f"{table}.csv").is_file()
    markdown = (report_folder / "replay.md").read_text(encoding="utf-8")
    assert "cards per 100 chart opens" in markdown and "By age and sex" in markdown
    assert "Synthea's routine blood count" in markdown  # the population is Synthea's: its caveat
    for sample in report["samples"]:
        assert sample["explanation"].rstrip().splitlines()[0] in markdown
    for plot in ("rules.png", "cards_per_chart_open.png", "bands.png"):
        assert (report_folder / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_patient_data_in_any_output_by_default(population: Population, report_folder: Path) -> None:
    written = "".join(
        path.read_text(encoding="utf-8") for path in report_folder.iterdir() if path.suffix != ".png"
    )
    for patient in patients(population):
        assert patient["id"] not in written
        assert patient["birthDate"] not in written
        assert patient["name"][0]["family"] not in written
    assert not ISO_DATE.search(written), ISO_DATE.search(written)
    report = json.loads((report_folder / "replay.json").read_text(encoding="utf-8"))
    assert report["samples"] and not report["identified"]
    for sample in report["samples"]:
        assert re.fullmatch(r"[0-9a-f]{16}", sample["patient"])
        assert sample["age_band"] in AGE_BAND_LABELS
        assert re.fullmatch(r"\d{4}", sample["as_of"])
        assert not re.search(
            r"\b\d+ (y|months) on\b", sample["explanation"]
        )  # the age appears as a band only
    assert {band["age_band"] for band in report["bands"]} <= set(AGE_BAND_LABELS)


def test_the_hashed_ids_are_keyed_by_the_salt(population: Population) -> None:
    one = replay_json(population.bundles, population, "--jobs", "1")
    other = replay_json(population.bundles, population, "--jobs", "1", "--salt", SALT + "-other")
    assert {s["patient"] for s in one["samples"]}.isdisjoint({s["patient"] for s in other["samples"]})


def test_identify_puts_the_real_ids_and_dates_in(population: Population) -> None:
    report = replay_json(population.bundles, population, "--jobs", "1", "--identify")
    ids = {patient["id"] for patient in patients(population)}
    assert report["identified"] and report["samples"]
    for sample in report["samples"]:
        assert sample["patient"] in ids
        assert ISO_DATE.match(sample["as_of"])
        assert ISO_DATE.search(sample["explanation"])


def test_a_broken_line_is_reported_with_its_path_and_line_and_the_rest_is_replayed(
    population: Population, tmp_path: Path
) -> None:
    broken, without = tmp_path / "broken", tmp_path / "without"
    shutil.copytree(population.ndjson, broken)
    shutil.copytree(population.ndjson, without)
    observations = (population.ndjson / "Observation.ndjson").read_text(encoding="utf-8").splitlines()
    (broken / "Observation.ndjson").write_text(
        "\n".join([*observations[:4], '{"resourceType": "Observation", "status": fin', *observations[5:]])
        + "\n"
    )
    (without / "Observation.ndjson").write_text("\n".join([*observations[:4], *observations[5:]]) + "\n")
    (broken / "Condition.ndjson").write_bytes(b"\xff\xfe not JSON at all\n")

    result = run_replay(str(broken), "--format", "json", "--salt", SALT, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert f"{broken / 'Observation.ndjson'}:5: is not valid JSON" in result.stderr
    assert f"{broken / 'Condition.ndjson'}:1: is not valid JSON" in result.stderr
    report = json.loads(result.stdout)
    assert report["problems"]["count"] == 2
    assert {(p["path"], p["line"]) for p in report["problems"]["listed"]} == {
        (str(broken / "Observation.ndjson"), 5),
        (str(broken / "Condition.ndjson"), 1),
    }
    (without / "Condition.ndjson").write_text("")
    expected = replay_json(without, population, "--jobs", "1", "--salt", SALT)
    assert report["chart_opens"] == expected["chart_opens"] and report["rules"] == expected["rules"]


def test_line_numbers_hold_across_blocks(tmp_path: Path) -> None:
    export = tmp_path / "Observation.ndjson"
    lines = [
        json.dumps({"resourceType": "Observation", "id": str(n), "subject": {"reference": "Patient/p"}})
        for n in range(1, 200)
    ]
    lines[150] = "{broken"  # line 151
    export.write_text("\n".join(lines) + "\n")
    blocks, problems = ndjson.plan_file(str(export), block_bytes=1000)
    assert len(blocks) > 5 and not problems
    assert sum(block.length for block in blocks) == export.stat().st_size
    found = []
    for block in blocks:
        split = ndjson.split_block(block, 3, lambda resource: True, frozenset({"Observation"}))
        found += [(problem.line, problem.message[:17]) for problem in split.problems]
    assert found == [(151, "is not valid JSON")]


def test_format_json_prints_replay_json_alone(population: Population) -> None:
    result = run_replay(str(population.bundles), "--format", "json", "--jobs", "1")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["chart_opens"] > 0 and "rules" in report
    summary = run_replay(str(population.bundles), "--jobs", "1")
    assert f"{report['chart_opens']} chart opens" in summary.stdout


def test_a_fhir_server_off_the_allowlist_is_never_contacted(tmp_path: Path) -> None:
    # A documentation address (RFC 5737): nothing listens there, and nothing is sent to it.
    result = run_replay("http://192.0.2.1/fhir", "--jobs", "1")
    assert result.exit_code == 1
    assert "not in fhir.allowed_servers" in result.stderr


def test_a_source_that_is_neither_is_refused(tmp_path: Path) -> None:
    result = run_replay(str(tmp_path), "--jobs", "1")
    assert result.exit_code == 1 and "holds no .ndjson file" in result.stderr


COMMAND = [str(Path(sys.executable).with_name("microcyte")), "replay"]


def test_no_progress_bar_when_stdout_is_not_a_terminal(population: Population) -> None:
    finished = subprocess.run(
        [*COMMAND, str(population.bundles), "--jobs", "1"], capture_output=True, timeout=300, check=True
    )
    assert b"replaying" not in finished.stderr and b"\r" not in finished.stderr + finished.stdout


def test_a_progress_bar_on_a_terminal(population: Population) -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [*COMMAND, str(population.bundles), "--jobs", "1"],
        stdout=terminal,
        stderr=terminal,
        stdin=subprocess.DEVNULL,
    )
    os.close(terminal)
    seen = b""
    until = time.monotonic() + 300
    while time.monotonic() < until:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the command has ended
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(controller)
    assert process.wait(timeout=60) == 0
    assert b"replaying [" in seen and b"12/12" in seen


def test_samples_zero_gives_the_figures_without_samples(population: Population) -> None:
    none = replay_json(population.bundles, population, "--jobs", "1", "--samples", "0")
    some = replay_json(population.bundles, population, "--jobs", "1")
    assert none["samples"] == [] and some["samples"]
    assert {k: v for k, v in none.items() if k != "samples"} == {
        k: v for k, v in some.items() if k != "samples"
    }
