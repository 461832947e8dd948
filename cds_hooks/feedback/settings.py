"""Where feedback is stored: a SQLite file in the data folder unless a database URL is given."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator
from sqlalchemy.engine import URL

SQLITE_FILE_NAME = "microcyte.sqlite3"


class StorageSettings(BaseModel):
    """Storage settings; the application maps its environment and command line onto them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Path("microcyte-data")
    # A SQLite or PostgreSQL URL, e.g. postgresql+psycopg://user:password@host/db when
    # several instances share one store. A secret because it usually holds a password; it
    # is checked when the store opens (StorageError), not here, because a pydantic error
    # would quote it, password included, whatever model it ends up nested in.
    database_url: SecretStr | None = None

    @field_validator("database_url", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # An environment variable set to "" means "not set", not "a database named ''".
        return None if value == "" else value

    def resolved_url(self) -> str:
        """The URL to open: ``database_url``, or the SQLite file in ``data_dir``."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        path = (self.data_dir / SQLITE_FILE_NAME).expanduser().absolute()
        return URL.create("sqlite+pysqlite", database=str(path)).render_as_string(hide_password=False)
