"""The moderators' views of the log: recent, unanswered and flagged questions, and full export."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.querylog.engine import reading
from bot.querylog.record import Channel, LoggedQuery, ReviewStatus, Vote, candidates_from_json
from bot.querylog.schema import query_log

_c = query_log.c

EVERYTHING: ColumnElement[bool] = true()
UNANSWERED: ColumnElement[bool] = _c.answered.is_(False)
# A 👎 stays in the moderators' queue until someone reviews it; a review of "ok" clears it.
FLAGGED: ColumnElement[bool] = or_(
    _c.review_status == ReviewStatus.FLAGGED.value,
    and_(_c.feedback == Vote.DOWN.value, _c.review_status == ReviewStatus.NEW.value),
)


def to_logged_query(row: RowMapping) -> LoggedQuery:
    return LoggedQuery(
        id=row["id"],
        created_at=row["created_at"],
        channel=Channel(row["channel"]),
        reader=row["reader"],
        chat_type=row["chat_type"],
        question=row["question"],
        answered=row["answered"],
        passage_id=row["passage_id"],
        score=row["score"],
        quote=row["quote"],
        latency_ms=row["latency_ms"],
        feedback=None if row["feedback"] is None else Vote(row["feedback"]),
        review_status=ReviewStatus(row["review_status"]),
        review_note=row["review_note"],
        coverage=row["coverage"],
        candidates=candidates_from_json(row["candidates"]),
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
    )


def _newest_first(condition: ColumnElement[bool], since: datetime | None) -> Select[Any]:
    statement = select(query_log).where(condition)
    if since is not None:
        statement = statement.where(_c.created_at >= since)
    return statement.order_by(_c.created_at.desc(), _c.id.desc())


async def newest(
    engine: AsyncEngine, condition: ColumnElement[bool], limit: int, since: datetime | None
) -> list[LoggedQuery]:
    """Return up to `limit` records matching `condition`, newest first."""
    async with reading(engine).connect() as connection:
        result = await connection.execute(_newest_first(condition, since).limit(limit))
        return [to_logged_query(row) for row in result.mappings()]


async def export(engine: AsyncEngine, since: datetime | None, limit: int | None = None) -> AsyncIterator[LoggedQuery]:
    """Stream records newest first without loading the whole log into memory."""
    statement = _newest_first(EVERYTHING, since)
    if limit is not None:
        statement = statement.limit(limit)
    async with reading(engine).connect() as connection:
        result = await connection.stream(statement)
        async for row in result.mappings():
            yield to_logged_query(row)


async def question_of(engine: AsyncEngine, record_id: str) -> str | None:
    """The question of one record, or None when there is no such record."""
    async with reading(engine).connect() as connection:
        return (await connection.execute(select(_c.question).where(_c.id == record_id))).scalar_one_or_none()
