"""The hand-made cases of fixtures/cases/ put on a FHIR server, for fetching instead of prefetch.

Every case is written for ``Patient/example-patient``; on one server they would mix, so each
case's ids (and the references to them) get a prefix of its own before it is stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from tests.fhirserver import SekmetServer
from tests.paths import FIXTURES

CASES = FIXTURES / "cases"
CASE_FILES = sorted(CASES.glob("*.json"))
_RELATIVE_REFERENCE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")


@dataclass(frozen=True)
class Case:
    name: str
    request: dict[str, Any]  # the case's hook request, its ids made unique to the case
    now: datetime
    rules: list[str]  # the rule behind each card the case expects, in order

    @property
    def patient_id(self) -> str:
        patient_id: str = self.request["context"]["patientId"]
        return patient_id

    @property
    def patient(self) -> dict[str, Any]:
        patient: dict[str, Any] = self.request["prefetch"]["Patient"]
        return patient

    def resources(self) -> list[dict[str, Any]]:
        """Every resource of the prefetch: what a FHIR server holding the case would hold."""
        found: list[dict[str, Any]] = []
        for value in self.request["prefetch"].values():
            if value is None or value["resourceType"] == "OperationOutcome":
                continue
            if value["resourceType"] == "Bundle":
                found.extend(entry["resource"] for entry in value.get("entry", []))
            else:
                found.append(value)
        return found

    def observations(self) -> list[dict[str, Any]]:
        return [resource for resource in self.resources() if resource["resourceType"] == "Observation"]

    def fetching_from(self, server: str, **prefetch: Any) -> dict[str, Any]:
        """The request of a client that prefetched only ``prefetch`` and names ``server``."""
        request = {key: value for key, value in self.request.items() if key != "prefetch"}
        request["fhirServer"] = server
        if prefetch:
            request["prefetch"] = prefetch
        return request


def _prefixed(value: Any, prefix: str) -> Any:
    """``value`` with ``prefix`` before every resource id and relative reference in it."""
    if isinstance(value, list):
        return [_prefixed(item, prefix) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _prefixed(item, prefix) for key, item in value.items()}
    if isinstance(value.get("resourceType"), str) and isinstance(value.get("id"), str):
        result["id"] = prefix + value["id"]
    reference = _RELATIVE_REFERENCE.match(str(value.get("reference", "")))
    if reference:
        result["reference"] = f"{reference.group(1)}/{prefix}{reference.group(2)}"
    return result


def hook_of(path: Path) -> str:
    hook: str = json.loads(path.read_text(encoding="utf-8"))["request"]["hook"]
    return hook


def read_case(path: Path, prefix: str = "") -> Case:
    case = json.loads(path.read_text(encoding="utf-8"))
    request = dict(case["request"])
    request["context"] = {**request["context"], "patientId": prefix + request["context"]["patientId"]}
    request["prefetch"] = _prefixed(request["prefetch"], prefix)
    return Case(
        name=path.stem,
        request=request,
        now=datetime.fromisoformat(case["now"]),
        rules=[card["rule"] for card in case["expect"]["cards"]],
    )


def search(server: SekmetServer, query: str) -> dict[str, Any]:
    """The server's answer to a prefetch query, as a client would prefetch it."""
    response = requests.get(f"{server.base_url}/{query}", headers=server.headers(), timeout=30)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def put_on(server: SekmetServer, case: Case) -> Case:
    """Store the case's resources under their own ids, in one transaction."""
    server.load(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": resource,
                    "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
                }
                for resource in case.resources()
            ],
        }
    )
    return case
