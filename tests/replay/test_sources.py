"""The same figures from every way of reaching a population (issue 13's definition of done).

One seeded Synthea population read as its Bundles, as an NDJSON Bulk Data export, from a FHIR
server (sekmet-fhir), with a process pool and on a Dask LocalCluster of two workers: every
figure of replay.json, down to the sample chart opens, must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.replay.conftest import PATIENTS, Population, replay_json


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """Everything but the name of the source."""
    return {key: value for key, value in report.items() if key != "source"}


@pytest.fixture(scope="module")
def from_bundles(population: Population) -> dict[str, Any]:
    return replay_json(population.bundles, population, "--jobs", "1")


def test_the_bundles_give_a_replay_worth_comparing(from_bundles: dict[str, Any]) -> None:
    assert from_bundles["source"] == "bundles"
    assert from_bundles["patients"] == PATIENTS
    assert from_bundles["chart_opens"] >= PATIENTS  # every adult has had a blood count
    assert from_bundles["cards"] > 0 and from_bundles["rules"]
    assert from_bundles["order_selections"] > 0
    rule = from_bundles["rules"][0]
    assert rule["per_100_chart_opens"] == round(100 * rule["cards"] / from_bundles["chart_opens"], 2)
    assert from_bundles["samples"]


def test_an_ndjson_export_gives_the_same_figures(
    population: Population, from_bundles: dict[str, Any]
) -> None:
    report = replay_json(population.ndjson, population, "--jobs", "1")
    assert report["source"] == "ndjson"
    assert figures(report) == figures(from_bundles)


def test_a_process_pool_gives_the_same_figures(
    population: Population, population_server: str, from_bundles: dict[str, Any]
) -> None:
    for source in (population.ndjson, population.bundles, population_server):
        assert figures(replay_json(source, population, "--jobs", "2")) == figures(from_bundles), source


def test_a_fhir_server_gives_the_same_figures(
    population: Population, population_server: str, from_bundles: dict[str, Any]
) -> None:
    report = replay_json(population_server, population, "--jobs", "1")
    assert report["source"] == "fhir-server"
    assert report["skipped"] == from_bundles["skipped"]
    assert figures(report) == figures(from_bundles)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from distributed import LocalCluster

    # Threads rather than processes: the same tasks and shuffle, without two interpreters to start.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        yield local.scheduler_address


def test_a_dask_cluster_gives_the_same_figures(
    population: Population, population_server: str, cluster: str, from_bundles: dict[str, Any]
) -> None:
    for source in (population.ndjson, population.bundles, population_server):
        report = replay_json(source, population, "--scheduler", cluster)
        assert figures(report) == figures(from_bundles), source
