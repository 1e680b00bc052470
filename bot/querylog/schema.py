"""The current (version 4) tables of the query log database; migrations.py brings older databases here.

Beside the log itself: the moderators' taught answers, the web inbox's login links and sessions, and the
readers' conversations (so every webhook worker knows what a follow-up question follows).
"""

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

SCHEMA_VERSION = 4
PSEUDONYM_MAX = 64
TOKEN_HASH_MAX = 64


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
    Column("coverage", Float()),
    Column("candidates", Text()),
    Column("reviewed_by", String(PSEUDONYM_MAX)),
    Column("reviewed_at", UTCDateTime()),
    Index("ix_query_log_created_at", "created_at"),
    Index("ix_query_log_reader", "reader"),
)

# A moderator's correction: questions like `question` get `passage_id` first, or are refused when it is NULL.
# Rows are never deleted: undo sets removed_at, so the (rows, removed) counts change with every edit.
taught_answers = Table(
    "taught_answers",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("question", Text(), nullable=False),
    Column("passage_id", String(PASSAGE_ID_MAX)),
    Column("passage_text", Text()),
    Column("record_id", String(26)),
    Column("moderator", String(PSEUDONYM_MAX), nullable=False),
    Column("removed_at", UTCDateTime()),
    Column("removed_by", String(PSEUDONYM_MAX)),
)

# One-time login links the bot's /web command hands out; only a hash of each link's nonce is kept.
web_login_links = Table(
    "web_login_links",
    metadata,
    Column("nonce_hash", String(TOKEN_HASH_MAX), primary_key=True),
    Column("moderator", String(PSEUDONYM_MAX), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
)

# Web inbox sessions; the cookie holds the session id, the table only its hash.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(TOKEN_HASH_MAX), primary_key=True),
    Column("moderator", String(PSEUDONYM_MAX), nullable=False),
    Column("csrf_token", String(TOKEN_HASH_MAX), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# A conversation's state (bot/answers/conversation.py) under a keyed hash of its chat or thread; `reader` is
# the pseudonym of the reader who started it, so /forget can delete it. Rows older than the conversations'
# idle time are purged.
conversations = Table(
    "conversations",
    metadata,
    Column("key", String(PSEUDONYM_MAX), primary_key=True),
    Column("reader", String(PSEUDONYM_MAX), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("state", Text(), nullable=False),
    Index("ix_conversations_reader", "reader"),
)

# Names under which a conversation is found (keyed hashes of a chat's message, or of a reader in a group).
conversation_links = Table(
    "conversation_links",
    metadata,
    Column("link", String(PSEUDONYM_MAX), primary_key=True),
    Column("conversation", String(PSEUDONYM_MAX), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
