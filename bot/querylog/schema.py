"""The current (version 2) tables of the query log; migrations.py brings older databases here."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from bot.querylog.record import CHAT_TYPE_MAX, PASSAGE_ID_MAX

SCHEMA_VERSION = 2


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, hand out aware UTC: SQLite has no time zones, and comparisons must agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("query-log times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

query_log = Table(
    "query_log",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("reader", String(64), nullable=False),
    Column("chat_type", String(CHAT_TYPE_MAX), nullable=False),
    Column("question", Text(), nullable=False),
    Column("answered", Boolean(), nullable=False),
    Column("passage_id", String(PASSAGE_ID_MAX)),
    Column("score", Float()),
    Column("quote", Text()),
    Column("feedback", String(8)),
    Column("review_status", String(8), nullable=False, server_default="new"),
    Column("latency_ms", Integer()),
    Column("review_note", Text()),
    Index("ix_query_log_created_at", "created_at"),
    Index("ix_query_log_reader", "reader"),
)
