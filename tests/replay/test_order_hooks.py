"""The replay calls the order-sign services too: each order of the record, as a draft signed when authored."""

from __future__ import annotations

from tests.replay.conftest import Population, replay_json


def test_order_sign_services_are_replayed_at_each_order(population: Population) -> None:
    report = replay_json(population.bundles, population, "--jobs", "1")
    services = {s["id"]: s for s in report["services"]}
    for select, sign in (
        ("iron-prescribing-check", "iron-prescribing-check-sign"),
        ("workup-order-check", "workup-order-check-sign"),
    ):
        assert services[sign]["hook"] == "order-sign"
        assert services[sign]["replayed"] is True
        assert "as a draft signed at the moment it was authored" in services[sign]["how"]
        # One signing per order, as one selection per order.
        assert services[sign]["calls"] == services[select]["calls"] == report["order_selections"] > 0
