"""A real FHIR R4 server for tests: sekmet-fhir in a subprocess on a free loopback port.

Use it as a pytest plugin (``pytest_plugins = ["tests.fhirserver"]``) for these fixtures:

- ``fhir_server``: an open server (no authorization, like the CDS Hooks sandbox's), with
  ``.base_url`` and ``.load(bundle)``;
- ``secured_fhir_server``: one that demands ``Authorization: Bearer <.token>``;
- ``synthea_patients``: the fixtures/synthea patients loaded into ``fhir_server``, by file.

The server keeps its database in memory and runs with its simulator (which would answer
orders with results of its own) and its traffic log off, from a settings file in a
temporary folder; it is stopped by its process id when the session ends.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.paths import FIXTURES
from tests.ports import free_port

SYNTHEA = FIXTURES / "synthea"
START_ATTEMPTS = 3
START_TIMEOUT_S = 60.0
LOAD_TIMEOUT_S = 120.0
FHIR_JSON = "application/fhir+json"


class SekmetUnavailable(RuntimeError):
    pass


def _command() -> str:
    # The console script sits beside the interpreter in a virtual environment.
    beside = Path(sys.executable).with_name("sekmet")
    found = str(beside) if beside.exists() else shutil.which("sekmet")
    if found is None:
        raise SekmetUnavailable(
            "no 'sekmet' command: pip install sekmet-fhir (see pyproject.toml, extra 'test')"
        )
    return found


def _settings_yaml(root: Path, token: str | None) -> str:
    # JSON is YAML: no YAML writer needed.
    auth: dict[str, Any] = {"types": ["bearer"], "tokens": [token]} if token else {"types": ["none"]}
    return json.dumps(
        {
            "simulator": {"enabled": False},
            "log_inbound": False,
            "data_dir": str(root / "data"),
            "own_private_key_path": str(root / "keys" / "sekmet_private.pem"),
            "server_auth": auth,
        }
    )


@dataclass
class PatientRecord:
    """One Synthea record as loaded: the server's id for each of its resources."""

    patient_id: str
    ids: dict[str, str] = field(default_factory=dict)  # the bundle's fullUrl -> "Type/id"
    bundle: dict[str, Any] = field(default_factory=dict)  # the record as Synthea wrote it

    def resources(self, resource_type: str) -> list[dict[str, Any]]:
        return [
            entry["resource"]
            for entry in self.bundle["entry"]
            if entry["resource"]["resourceType"] == resource_type
        ]


class SekmetServer:
    def __init__(self, process: subprocess.Popen[bytes], base_url: str, token: str | None, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.token = token
        self.log = log

    @classmethod
    def start(cls, root: Path, *, token: str | None = None) -> SekmetServer:
        root.mkdir(parents=True, exist_ok=True)
        settings = root / "settings.yaml"
        settings.write_text(_settings_yaml(root, token))
        problem = ""
        for attempt in range(1, START_ATTEMPTS + 1):
            port = free_port()  # another process may take it first: then try again
            base_url = f"http://127.0.0.1:{port}/fhir"
            env = {
                **os.environ,
                "SEKMET_CONFIG": str(settings),
                "SEKMET_DB": ":memory:",
                "SEKMET_BASE_URL": base_url,
            }
            log = root / f"sekmet-{attempt}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [
                        _command(),
                        "serve",
                        "--config",
                        str(settings),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    cwd=root,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            server = cls(process, base_url, token, log)
            if server._wait_until_up():
                return server
            server.stop()
            problem = log.read_text(errors="replace")[-2000:]
        raise SekmetUnavailable(f"sekmet did not start after {START_ATTEMPTS} attempts:\n{problem}")

    def _wait_until_up(self) -> bool:
        until = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < until:
            if self.process.poll() is not None:
                return False
            try:
                if requests.get(f"{self.base_url}/metadata", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def headers(self) -> dict[str, str]:
        headers = {"Accept": FHIR_JSON, "Content-Type": FHIR_JSON}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def load(self, bundle: Mapping[str, Any]) -> dict[str, str]:
        """Run a transaction (or batch) Bundle; return each entry's fullUrl -> "Type/id" on the server."""
        response = requests.post(self.base_url, json=bundle, headers=self.headers(), timeout=LOAD_TIMEOUT_S)
        if response.status_code != 200:
            raise AssertionError(
                f"sekmet refused the bundle: HTTP {response.status_code}: {response.text[:2000]}"
            )
        ids: dict[str, str] = {}
        for sent, answer in zip(bundle.get("entry", []), response.json().get("entry", []), strict=True):
            location = answer.get("response", {}).get("location", "")
            relative = location.removeprefix(self.base_url + "/").split("/_history/")[0]
            if "fullUrl" in sent and relative:
                ids[sent["fullUrl"]] = relative
        return ids

    def load_record(self, path: Path) -> PatientRecord:
        """Load one Synthea patient file."""
        bundle = json.loads(path.read_text(encoding="utf-8"))
        ids = self.load(bundle)
        patient = next(entry for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Patient")
        return PatientRecord(ids[patient["fullUrl"]].removeprefix("Patient/"), ids, bundle)


def _started(tmp_path_factory: pytest.TempPathFactory, name: str, token: str | None) -> SekmetServer:
    # A missing FHIR server must fail the run, not skip the tests that need it.
    try:
        return SekmetServer.start(tmp_path_factory.mktemp(name), token=token)
    except SekmetUnavailable as error:
        pytest.fail(f"cannot start the sekmet FHIR server: {error}", pytrace=False)


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SekmetServer]:
    server = _started(tmp_path_factory, "sekmet-open", None)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def secured_fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SekmetServer]:
    server = _started(tmp_path_factory, "sekmet-secured", secrets.token_urlsafe(24))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def synthea_patients(fhir_server: SekmetServer) -> dict[str, PatientRecord]:
    """Every fixtures/synthea record loaded into ``fhir_server``, by file name without .json."""
    return {path.stem: fhir_server.load_record(path) for path in sorted(SYNTHEA.glob("*.json"))}
