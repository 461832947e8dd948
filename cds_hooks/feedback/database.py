"""Which databases hold feedback, and how each engine is tuned for many concurrent writers.

Two are supported: a SQLite file, for one instance with nothing to administer, and
PostgreSQL (through psycopg 3), for several instances sharing one store. Both are tested;
another dialect would need its own "insert, ignoring duplicates" statement and its own
concurrency tests, so it is refused up front rather than half-working.
"""

from __future__ import annotations

import importlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

# A writer waits this long for another writer's lock before SQLite gives up with
# "database is locked": long enough to ride out a burst of feedback posts, short enough
# that a wedged process shows up as an error rather than a hung request.
SQLITE_BUSY_TIMEOUT_MS = 15_000
WAL_SWITCH_RETRY_S = 0.01
# How long a readiness probe may wait for an unreachable PostgreSQL server.
POSTGRESQL_CONNECT_TIMEOUT_S = 5
# The execution option that marks a transaction as one that writes (see _sqlite_engine).
WRITE_OPTION = "microcyte_write"

_SQLITE_DRIVERS = ("sqlite", "sqlite+pysqlite")
_POSTGRESQL_DRIVERS = ("postgresql", "postgresql+psycopg")


class StorageError(Exception):
    """The feedback database cannot be opened, or refused an operation.

    Messages name the database without its password and never carry stored values, so
    they can be logged and shown as they are.
    """


def parse_database_url(text: str) -> URL:
    """Check that ``text`` names a database this store supports; refuse it clearly otherwise."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        # The message of these errors quotes the URL, password included: leave it out.
        raise StorageError(
            "the database URL is not a SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/db "
            "or sqlite:///path/to/microcyte.sqlite3"
        ) from None
    if url.drivername in _SQLITE_DRIVERS:
        if url.database in (None, "", ":memory:") or url.query.get("mode") == "memory":
            raise StorageError("an in-memory SQLite database loses all feedback on restart: give a file path")
        return url.set(drivername="sqlite+pysqlite")
    if url.drivername in _POSTGRESQL_DRIVERS:
        return url.set(drivername="postgresql+psycopg")
    raise StorageError(
        f"unsupported database driver {url.drivername!r}: use sqlite:///<file> or postgresql+psycopg://..."
    )


def describe(url: URL) -> str:
    """The URL as it may appear in logs and error messages."""
    return url.render_as_string(hide_password=True)


def reason(error: BaseException) -> str:
    """The first line of the driver's complaint, without the SQL and parameters SQLAlchemy appends."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def open_engine(url: URL, pool_size: int | None = None) -> Engine:
    """An engine for a URL returned by :func:`parse_database_url`.

    ``pool_size`` caps the connections it holds (no overflow): every instance's pools add
    up on one PostgreSQL server, whose ``max_connections`` is 100 by default. None keeps
    SQLAlchemy's default (5, and 10 more under load), for short-lived tools.
    """
    pool: dict[str, Any] = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, pool)
    return _postgresql_engine(url, pool)


def _sqlite_engine(url: URL, pool: dict[str, Any]) -> Engine:
    assert url.database is not None  # parse_database_url refuses in-memory databases
    path = Path(url.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"cannot create the folder of {describe(url)}: {error.strerror}") from None
    engine = create_engine(url, pool_pre_ping=True, **pool)

    @event.listens_for(engine, "connect")
    def _tune(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # WAL lets the report read while feedback is written; the busy timeout makes a
        # writer wait its turn instead of failing. Python's sqlite3 must stop issuing its
        # own BEGIN so that _begin below decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writing transaction takes the write lock at BEGIN, where the busy timeout
        # applies. A deferred one that reads before it writes (as the migration does) fails
        # at once with SQLITE_BUSY if another writer got in between, whatever the timeout.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _use_wal(cursor: sqlite3.Cursor) -> None:
    # WAL is a property of the file, so this is a no-op but on a new one. Making the switch
    # needs the file to itself for a moment, and SQLite answers "locked" at once rather
    # than wait for the busy timeout: several instances opening a new file at once retry.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            if cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(WAL_SWITCH_RETRY_S)
    raise StorageError("the SQLite file cannot be switched to WAL mode (is it on a network file system?)")


def _postgresql_engine(url: URL, pool: dict[str, Any]) -> Engine:
    _require_psycopg()
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRESQL_CONNECT_TIMEOUT_S
    # pre_ping replaces connections a server restart or a failover left dead.
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)


def _require_psycopg() -> None:
    """The PostgreSQL driver is an optional extra: name it, rather than let SQLAlchemy's import fail.

    A single instance on SQLite never needs psycopg, so a plain install leaves it out; a
    deployment that names a PostgreSQL URL without it must learn what to install, at start-up,
    not from a traceback.
    """
    try:
        importlib.import_module("psycopg")
    except ImportError:
        raise StorageError(
            "a PostgreSQL database needs the psycopg driver, which cannot be imported: "
            "install it with pip install 'microcyte[postgres]'"
        ) from None
