"""The feedback tables, as the latest migration leaves them.

Nothing here can identify a patient: a card is kept as its uuid, rule and indicator, and
feedback as its outcome, the suggestion ids accepted and the coded override reason. The
clinician's free-text comment is reduced to whether there was one, as it may name anyone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

UUID_CHARS = 36
SHA256_HEX_CHARS = 64


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and read back timezone-aware on every database.

    SQLite keeps no offset, so without this a time would come back naive, and one written
    with +02:00 would sort against one written with Z by its local clock reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times stored with feedback must be timezone-aware")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

# One row per card the service returned. A card without a uuid cannot get feedback but
# still counts as issued; NULLs never collide in the unique constraint.
issued_cards = Table(
    "issued_cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", String(255), nullable=False),
    Column("card_uuid", String(UUID_CHARS)),
    Column("rule", Text, nullable=False),
    Column("indicator", String(16), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    UniqueConstraint("service_id", "card_uuid", name="uq_issued_cards_card"),
    Index("ix_issued_cards_issued_at", "issued_at"),
)

# One row per distinct feedback item. dedup_key hashes what makes an item distinct
# (see records.feedback_row), because a unique constraint over nullable columns would let
# NULL-bearing duplicates through on both SQLite and PostgreSQL.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedup_key", String(SHA256_HEX_CHARS), nullable=False),
    Column("service_id", String(255), nullable=False),
    Column("card_uuid", String(UUID_CHARS), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("outcome_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("accepted_suggestions", Text),  # JSON array of suggestion ids, sorted
    Column("override_system", Text),
    Column("override_code", Text),
    Column("override_display", Text),
    Column("has_user_comment", Boolean, nullable=False),
    UniqueConstraint("dedup_key", name="uq_feedback_dedup_key"),
    CheckConstraint("outcome IN ('accepted', 'overridden')", name="ck_feedback_outcome"),
    Index("ix_feedback_card", "service_id", "card_uuid", "outcome_at"),
)
