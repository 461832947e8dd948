"""Shared fixtures: the Microcyte app with a pinned clock, and a free loopback port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cds_hooks.blueprint import EXTENSION_KEY
from service.app import create_app

pytest_plugins = ["tests.fhirserver", "tests.redisserver"]

# The date the hand-made fixtures were written for: their labs fall inside the lookback windows.
FIXTURE_NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's configuration or writes feedback into the checkout."""
    for name in [n for n in os.environ if n.startswith("MICROCYTE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MICROCYTE_DATA_DIR", str(tmp_path_factory.mktemp("microcyte-data")))


@pytest.fixture
def app() -> Iterator[Flask]:
    # Authentication has its own tests (tests/test_authentication.py); here the workup is under test.
    application = create_app({"auth": {"enabled": False}})
    application.extensions[EXTENSION_KEY].clock = lambda: FIXTURE_NOW
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
