"""Create and upgrade the query-log schema at start, safely when several workers start at once.

The version lives in its own one-row table. All steps run in one transaction; on PostgreSQL a
transaction-scoped advisory lock serialises concurrent starters, and on SQLite BEGIN IMMEDIATE
(see engine.py) does the same. A step, once released, is never edited: add a new one instead.
"""

from collections.abc import Awaitable, Callable

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog.schema import SCHEMA_VERSION, UTCDateTime

_ADVISORY_LOCK_KEY = int.from_bytes(b"quotebot", "big")

_version_metadata = MetaData()
schema_version = Table(
    "query_log_schema",
    _version_metadata,
    Column("version", Integer(), nullable=False),
)

_v1_metadata = MetaData()
Table(
    "query_log",
    _v1_metadata,
    Column("id", String(26), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("reader", String(64), nullable=False),
    Column("chat_type", String(16), nullable=False),
    Column("question", Text(), nullable=False),
    Column("answered", Boolean(), nullable=False),
    Column("passage_id", String(200)),
    Column("score", Float()),
    Column("quote", Text()),
    Column("feedback", String(8)),
    Column("review_status", String(8), nullable=False, server_default="new"),
    Index("ix_query_log_created_at", "created_at"),
)

_v3_metadata = MetaData()
Table(
    "taught_answers",
    _v3_metadata,
    Column("id", String(26), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("question", Text(), nullable=False),
    Column("passage_id", String(200)),
    Column("passage_text", Text()),
    Column("record_id", String(26)),
    Column("moderator", String(64), nullable=False),
    Column("removed_at", UTCDateTime()),
    Column("removed_by", String(64)),
)
Table(
    "web_login_links",
    _v3_metadata,
    Column("nonce_hash", String(64), primary_key=True),
    Column("moderator", String(64), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
)
Table(
    "web_sessions",
    _v3_metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("moderator", String(64), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)


_v4_metadata = MetaData()
Table(
    "conversations",
    _v4_metadata,
    Column("key", String(64), primary_key=True),
    Column("reader", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("state", Text(), nullable=False),
    Index("ix_conversations_reader", "reader"),
)
Table(
    "conversation_links",
    _v4_metadata,
    Column("link", String(64), primary_key=True),
    Column("conversation", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer quotebot; running older code against it is unsafe."""


async def _create_v1(connection: AsyncConnection) -> None:
    await connection.run_sync(_v1_metadata.create_all)


async def _add_latency_and_review_note(connection: AsyncConnection) -> None:
    await connection.execute(text("ALTER TABLE query_log ADD COLUMN latency_ms INTEGER"))
    await connection.execute(text("ALTER TABLE query_log ADD COLUMN review_note TEXT"))
    await connection.execute(text("CREATE INDEX ix_query_log_reader ON query_log (reader)"))


async def _add_candidates_reviewers_and_teaching(connection: AsyncConnection) -> None:
    timestamp = "TIMESTAMP WITHOUT TIME ZONE" if connection.dialect.name == "postgresql" else "DATETIME"
    for column in (
        "coverage FLOAT",
        "candidates TEXT",
        "reviewed_by VARCHAR(64)",
        f"reviewed_at {timestamp}",
    ):
        await connection.execute(text(f"ALTER TABLE query_log ADD COLUMN {column}"))
    await connection.run_sync(_v3_metadata.create_all)


async def _add_conversations(connection: AsyncConnection) -> None:
    await connection.run_sync(_v4_metadata.create_all)


_STEPS: tuple[Callable[[AsyncConnection], Awaitable[None]], ...] = (
    _create_v1,
    _add_latency_and_review_note,
    _add_candidates_reviewers_and_teaching,
    _add_conversations,
)


async def migrate(engine: AsyncEngine, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to `target` (tests stop at older versions) and return the version found."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        await connection.run_sync(_version_metadata.create_all)
        found = (await connection.execute(select(schema_version.c.version))).scalar()
        if found is None:
            found = 0
            await connection.execute(insert(schema_version).values(version=0))
        if found > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the query-log schema is version {found}, newer than this quotebot understands "
                f"({SCHEMA_VERSION}); upgrade quotebot"
            )
        for step in _STEPS[found:target]:
            await step(connection)
        if target > found:
            await connection.execute(update(schema_version).values(version=target))
        return found
