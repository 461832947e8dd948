"""Fixtures of the FHIR fetch tests: misbehaving servers, and fetchers that are closed after use."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cds_hooks.fhir.client import FhirFetcher
from cds_hooks.fhir.settings import FhirSettings
from tests.fhir.faulty import FaultyServer, Respond

# Generous budgets for tests that are about behaviour, not speed: a loaded CI machine must
# not turn a correct fetch into a timeout.
RELAXED = {"deadline_seconds": 20.0, "connect_timeout_seconds": 5.0, "read_timeout_seconds": 10.0}


@pytest.fixture
def serve() -> Iterator[Callable[..., FaultyServer]]:
    servers: list[FaultyServer] = []

    def start(respond: Respond, tls: ssl.SSLContext | None = None) -> FaultyServer:
        server = FaultyServer(respond, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def make_fetcher() -> Iterator[Callable[..., FhirFetcher]]:
    fetchers: list[FhirFetcher] = []

    def make(**settings: Any) -> FhirFetcher:
        fetcher = FhirFetcher(FhirSettings.model_validate({**RELAXED, **settings}))
        fetchers.append(fetcher)
        return fetcher

    yield make
    for fetcher in fetchers:
        fetcher.close()
