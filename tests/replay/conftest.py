"""A small seeded Synthea population, as Bundles, as an NDJSON export and on a FHIR server of its own.

The population is generated once per session (about 15 s): 12 adults, seed 7. The server is a
sekmet-fhir of its own rather than the shared ``fhir_server``, since a replay reads every Patient
on it and other tests load patients of theirs into that one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from service.cli import main
from tests.fhirserver import SekmetServer, SekmetUnavailable
from tests.synthea_population import generate, records, transaction, write_ndjson

PATIENTS = 12
SEED = 7
SALT = "replay-tests"
# A replay reads whole histories: wider bounds than a hook call's, so a loaded CI machine is not
# mistaken for a failing server.
CONFIG = """
[fhir]
connect_timeout_seconds = 5.0
read_timeout_seconds = 30.0
deadline_seconds = 60.0
"""


@dataclass(frozen=True)
class Population:
    bundles: Path
    ndjson: Path
    config: Path


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Population:
    root = tmp_path_factory.mktemp("replay-population")
    bundles = generate(root / "synthea", patients=PATIENTS, seed=SEED)
    config = root / "replay.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return Population(bundles, write_ndjson(bundles, root / "export"), config)


@pytest.fixture(scope="session")
def population_server(tmp_path_factory: pytest.TempPathFactory, population: Population) -> Iterator[str]:
    try:
        server = SekmetServer.start(tmp_path_factory.mktemp("replay-sekmet"))
    except SekmetUnavailable as error:
        pytest.fail(f"cannot start the sekmet FHIR server: {error}", pytrace=False)
    try:
        for resources in records(population.bundles):
            server.load(transaction(resources))
        yield server.base_url
    finally:
        server.stop()


def run_replay(*arguments: str) -> Result:
    return CliRunner().invoke(main, ["replay", *arguments], catch_exceptions=False)


def replay_json(source: str | Path, population: Population, *extra: str) -> dict[str, Any]:
    result = run_replay(
        str(source), "--format", "json", "--config", str(population.config), "--salt", SALT, *extra
    )
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report
