"""A folder of FHIR Bundles, as Synthea writes them: each file the whole record of its patients.

Entries refer to each other by ``urn:uuid:`` fullUrls (a transaction's placeholders); they are
resolved to ``Type/id`` as a server loading the Bundle would, so that a service reads
``subject: Patient/<id>`` as it does from an EHR. One file is read at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from service.replay.record import PatientRecord, Resource, group_by_patient
from service.replay.tally import Problem

Keep = Callable[[Resource], bool]


def bundle_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.json") if path.is_file())


def _resolved(value: Any, ids: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                out[key] = ids.get(item, item)
            else:
                out[key] = _resolved(item, ids)
        return out
    if isinstance(value, list):
        return [_resolved(item, ids) for item in value]
    return value


def read_bundle_file(path: Path, keep: Keep) -> tuple[list[PatientRecord], list[Problem], int]:
    """The records in one Bundle file, the problems met, and the resources left with no Patient."""
    try:
        bundle = orjson.loads(path.read_bytes())
    except OSError as error:
        return [], [Problem(str(path), None, f"cannot be read: {error.strerror or error}")], 0
    except orjson.JSONDecodeError as error:
        return [], [Problem(str(path), None, f"is not valid JSON: {error}")], 0
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    if (
        not isinstance(bundle, dict)
        or bundle.get("resourceType") != "Bundle"
        or not isinstance(entries, list)
    ):
        return [], [Problem(str(path), None, "is not a FHIR Bundle with a list of entries")], 0
    ids: dict[str, str] = {}
    resources: list[Resource] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append(Problem(str(path), None, f"entry {index} holds no resource"))
            continue
        full_url = entry.get("fullUrl")
        identifier = resource.get("id")
        if not isinstance(identifier, str) and isinstance(full_url, str) and full_url.startswith("urn:uuid:"):
            identifier = full_url.removeprefix("urn:uuid:")
            resource = {**resource, "id": identifier}
        if isinstance(full_url, str) and isinstance(identifier, str):
            ids[full_url] = f"{resource['resourceType']}/{identifier}"
        resources.append(resource)
    kept = [_resolved(r, ids) for r in resources if r["resourceType"] == "Patient" or keep(r)]
    records, orphans = group_by_patient(kept)
    return records, problems, orphans
