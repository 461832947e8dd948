"""The replay's optional parts (the ``replay`` extra): without them it says what to install."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.test_optional_extras import microcyte, without


def tiny_export(folder: Path) -> Path:
    folder.mkdir()
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1980-05-01"}
    hemoglobin = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-01-10T09:00:00+00:00",
        "valueQuantity": {
            "value": 9.1,
            "unit": "g/dL",
            "system": "http://unitsofmeasure.org",
            "code": "g/dL",
        },
    }
    (folder / "Patient.ndjson").write_text(json.dumps(patient) + "\n")
    (folder / "Observation.ndjson").write_text(json.dumps(hemoglobin) + "\n")
    return folder


def test_the_plots_without_matplotlib_name_the_replay_extra(tmp_path: Path) -> None:
    export, out = tiny_export(tmp_path / "export"), tmp_path / "report"
    done = microcyte("replay", str(export), "--output", str(out), env=without("matplotlib", tmp_path))
    assert done.returncode == 1
    assert "pip install 'microcyte[replay]'" in done.stderr and "--no-plots" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_no_plots_needs_no_matplotlib(tmp_path: Path) -> None:
    export, out = tiny_export(tmp_path / "export"), tmp_path / "report"
    done = microcyte(
        "replay",
        str(export),
        "--output",
        str(out),
        "--no-plots",
        "--jobs",
        "1",
        env=without("matplotlib", tmp_path),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "replay.json").read_text())
    assert report["patients"] == 1 and report["chart_opens"] == 1
    assert not list(out.glob("*.png"))


def test_a_scheduler_without_dask_names_the_replay_extra(tmp_path: Path) -> None:
    export = tiny_export(tmp_path / "export")
    done = microcyte(
        "replay", str(export), "--scheduler", "tcp://127.0.0.1:1", env=without("distributed", tmp_path)
    )
    assert done.returncode == 1
    assert "pip install 'microcyte[replay]'" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    from tests.ports import free_port

    export = tiny_export(tmp_path / "export")
    address = f"tcp://127.0.0.1:{free_port()}"
    done = microcyte("replay", str(export), "--scheduler", address, env=dict(os.environ))
    assert done.returncode == 1, done.stderr
    assert f"cannot reach the Dask scheduler at {address}" in done.stderr and "Traceback" not in done.stderr
