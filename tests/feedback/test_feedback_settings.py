"""Storage settings: a SQLite file in the data folder by default, any supported URL otherwise."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cds_hooks.feedback import FeedbackStore, StorageSettings
from tests.feedback.builders import T0, card


def test_by_default_feedback_lives_in_a_sqlite_file_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = StorageSettings()
    assert (
        settings.resolved_url() == f"sqlite+pysqlite:///{tmp_path / 'microcyte-data' / 'microcyte.sqlite3'}"
    )

    with FeedbackStore(settings.resolved_url()) as store:
        store.record_issued("microcyte", [card("iron-deficiency")], T0)
    with sqlite3.connect(tmp_path / "microcyte-data" / "microcyte.sqlite3") as connection:
        assert connection.execute("SELECT rule FROM issued_cards").fetchall() == [("iron-deficiency",)]


def test_a_data_folder_with_spaces_works(tmp_path: Path) -> None:
    settings = StorageSettings(data_dir=tmp_path / "clinic data")
    FeedbackStore(settings.resolved_url()).close()
    assert (tmp_path / "clinic data" / "microcyte.sqlite3").is_file()


def test_a_database_url_wins_and_keeps_its_password_out_of_sight() -> None:
    url = "postgresql+psycopg://microcyte:s3cret-pw@127.0.0.1:5432/microcyte"
    settings = StorageSettings(data_dir=Path("ignored"), database_url=url)
    assert settings.resolved_url() == url
    assert "s3cret-pw" not in repr(settings) and "s3cret-pw" not in str(settings)


def test_an_empty_database_url_means_none() -> None:
    assert StorageSettings(database_url="").database_url is None
