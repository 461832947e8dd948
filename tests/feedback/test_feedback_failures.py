"""Bad URLs, unreachable or vanished databases: a clear StorageError, never a leaked password."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cds_hooks.feedback import FeedbackStore, StorageError
from tests.feedback.builders import T0, overridden
from tests.feedback.postgres import PostgresServer

PASSWORD = "hunter2-secret"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"not a url {PASSWORD}", "not a SQLAlchemy URL"),
        (
            f"mysql+pymysql://clinician:{PASSWORD}@127.0.0.1/feedback",
            "unsupported database driver 'mysql+pymysql'",
        ),
        (f"postgresql+asyncpg://clinician:{PASSWORD}@127.0.0.1/feedback", "unsupported database driver"),
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
    ],
)
def test_unusable_urls_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=re.escape(message)) as refused:
        FeedbackStore(url)
    assert PASSWORD not in str(refused.value)


def test_an_unreachable_server_is_named_without_its_password() -> None:
    # Nothing listens on port 1 of the loopback interface: the connection is refused at once.
    with pytest.raises(StorageError) as refused:
        FeedbackStore(f"postgresql://clinician:{PASSWORD}@127.0.0.1:1/feedback")
    message = str(refused.value)
    assert message.startswith(
        "cannot open the feedback database postgresql+psycopg://clinician:***@127.0.0.1:1/"
    )
    assert PASSWORD not in message


def test_a_sqlite_file_whose_folder_cannot_be_made_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(StorageError, match="cannot create the folder"):
        FeedbackStore(f"sqlite:///{blocker / 'feedback.sqlite3'}")


def test_a_database_from_a_newer_release_is_refused(database_url: str) -> None:
    FeedbackStore(database_url).close()
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO schema_migrations (version, applied_at) VALUES (2, :now)"), {"now": T0}
        )
    engine.dispose()

    with pytest.raises(StorageError, match="schema version 2, newer than this release knows"):
        FeedbackStore(database_url)


def test_a_vanished_database_fails_readiness_and_refuses_writes(postgres_server: PostgresServer) -> None:
    name = postgres_server.create_database()
    store = FeedbackStore(postgres_server.url(name))
    try:
        assert store.ping() is True
        postgres_server.drop_database(name)

        assert store.ping() is False
        with pytest.raises(StorageError, match="cannot record feedback in postgresql"):
            store.record_feedback("microcyte", [overridden(str(uuid.uuid4()), T0)], T0)
    finally:
        store.close()
