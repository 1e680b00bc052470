"""The web inbox's queries: one filter (what to show, reviewed or not, channel, days, words), its page,
the count of every view within it, and the whole filtered set for export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.querylog import reads
from bot.querylog.engine import reading
from bot.querylog.record import Channel, LoggedQuery, ReviewStatus, Vote
from bot.querylog.schema import query_log

_c = query_log.c
# An answered question whose best passage holds less than this share of the question's weight is shown as
# low confidence: the engine's fitted refusal rule answered it on little shared wording, which is where a
# wrong answer hides (answerable seed dev questions hold 0.35-1.00).
LOW_COVERAGE = 0.4


class View(StrEnum):
    """The inbox's tabs."""

    ALL = "all"
    UNANSWERED = "unanswered"
    LOW_CONFIDENCE = "low"
    DISLIKED = "disliked"
    FLAGGED = "flagged"


_VIEWS: dict[View, ColumnElement[bool]] = {
    View.ALL: true(),
    View.UNANSWERED: reads.UNANSWERED,
    View.LOW_CONFIDENCE: and_(_c.answered.is_(True), _c.coverage < LOW_COVERAGE),
    View.DISLIKED: _c.feedback == Vote.DOWN.value,
    View.FLAGGED: reads.FLAGGED,
}


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What a moderator asked to see; `until` is the last day included (UTC days)."""

    view: View = View.ALL
    reviewed: bool | None = None
    channel: Channel | None = None
    since: date | None = None
    until: date | None = None
    search: str = ""

    def scope(self) -> list[ColumnElement[bool]]:
        """Every condition but the view, so the tabs can count within it."""
        conditions: list[ColumnElement[bool]] = []
        if self.reviewed is not None:
            new = _c.review_status == ReviewStatus.NEW.value
            conditions.append(~new if self.reviewed else new)
        if self.channel is not None:
            conditions.append(_c.channel == self.channel.value)
        if self.since is not None:
            conditions.append(_c.created_at >= _start_of(self.since))
        if self.until is not None:
            conditions.append(_c.created_at < _start_of(self.until + timedelta(days=1)))
        if self.search.strip():
            conditions.append(_c.question.icontains(self.search.strip(), autoescape=True))
        return conditions

    def conditions(self) -> list[ColumnElement[bool]]:
        return [*self.scope(), _VIEWS[self.view]]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _newest_first(where: list[ColumnElement[bool]]) -> Select[Any]:
    return select(query_log).where(*where).order_by(_c.created_at.desc(), _c.id.desc())


async def page(engine: AsyncEngine, wanted: InboxFilter, offset: int, limit: int) -> list[LoggedQuery]:
    """One page of the filtered records, newest first."""
    async with reading(engine).connect() as connection:
        result = await connection.execute(_newest_first(wanted.conditions()).offset(offset).limit(limit))
        return [reads.to_logged_query(row) for row in result.mappings()]


async def counts(engine: AsyncEngine, wanted: InboxFilter) -> dict[View, int]:
    """How many records each view holds within the filter's other conditions, in one pass."""
    columns = [func.coalesce(func.sum(case((condition, 1), else_=0)), 0) for condition in _VIEWS.values()]
    async with reading(engine).connect() as connection:
        row = (await connection.execute(select(*columns).where(*wanted.scope()))).one()
    return {view: int(count) for view, count in zip(_VIEWS, row, strict=True)}


async def stream(engine: AsyncEngine, wanted: InboxFilter) -> AsyncIterator[LoggedQuery]:
    """Every filtered record, newest first, without loading them all into memory."""
    async with reading(engine).connect() as connection:
        result = await connection.stream(_newest_first(wanted.conditions()))
        async for row in result.mappings():
            yield reads.to_logged_query(row)


async def record(engine: AsyncEngine, record_id: str) -> LoggedQuery | None:
    """One record by id."""
    async with reading(engine).connect() as connection:
        row = (await connection.execute(select(query_log).where(_c.id == record_id))).mappings().one_or_none()
    return None if row is None else reads.to_logged_query(row)
