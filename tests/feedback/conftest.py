"""Every store test runs twice: on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cds_hooks.feedback import FeedbackStore
from tests.feedback.postgres import PostgresServer, start_or_fail


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # A missing PostgreSQL must fail the run, not skip half of it: the multi-instance
    # deployment is only known to work because these tests ran against a real server.
    server = start_or_fail("the feedback tests")
    yield server
    server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'feedback.sqlite3'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[FeedbackStore]:
    with FeedbackStore(database_url) as opened:
        yield opened
