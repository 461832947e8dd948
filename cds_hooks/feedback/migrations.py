"""Bringing a database to the current schema, once, however many instances start together.

Each migration is a function applied in one transaction with the row that records it, so
a crash leaves the database at the previous version rather than half-way. A new schema
change is a new function appended to MIGRATIONS; released ones are never edited, as
databases in the field have already run them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, insert, select, text

from cds_hooks.feedback.database import StorageError
from cds_hooks.feedback.schema import feedback, issued_cards, schema_migrations

log = logging.getLogger(__name__)

# Arbitrary but fixed: every instance must contend for the same PostgreSQL advisory lock.
_MIGRATION_LOCK_KEY = 0x6D6963726F637974  # "microcyt"


def _v1_initial(connection: Connection) -> None:
    issued_cards.create(connection)
    feedback.create(connection)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1_initial,)


def migrate(writer: Engine) -> int:
    """Apply the pending migrations; return the schema version the database is now at.

    ``writer`` must open write transactions (BEGIN IMMEDIATE on SQLite), which serializes
    two instances migrating one SQLite file; on PostgreSQL an advisory lock does the same.
    """
    latest = len(MIGRATIONS)
    with writer.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        schema_migrations.create(connection, checkfirst=True)
        current = connection.scalar(select(func.max(schema_migrations.c.version))) or 0
        if current > latest:
            raise StorageError(
                f"the feedback database is at schema version {current}, newer than this release "
                f"knows ({latest}): upgrade Microcyte or point it at another database"
            )
        for version in range(current + 1, latest + 1):
            MIGRATIONS[version - 1](connection)
            connection.execute(
                insert(schema_migrations).values(version=version, applied_at=datetime.now(UTC))
            )
            log.info("feedback database migrated to schema version %d", version)
    return latest
