"""The web dashboard's figures over a chosen run of UTC days: per-day volume, answered share and votes,
the most asked and most asked unanswered questions, and median and 90th-percentile latency."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog.engine import reading
from bot.querylog.record import Vote
from bot.querylog.schema import query_log
from bot.querylog.stats import top_questions

_c = query_log.c


@dataclass(frozen=True, slots=True)
class Day:
    """One UTC day's figures."""

    day: date
    questions: int = 0
    answered: int = 0
    liked: int = 0
    disliked: int = 0

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard page shows for the days from `since` to `until` (both included)."""

    since: date
    until: date
    days: list[Day]
    top_asked: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]
    median_latency_ms: float | None
    p90_latency_ms: float | None

    @property
    def questions(self) -> int:
        return sum(day.questions for day in self.days)

    @property
    def answered(self) -> int:
        return sum(day.answered for day in self.days)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _days(connection: AsyncConnection, where: Sequence[ColumnElement[bool]]) -> dict[date, Day]:
    """Grouped by the database (date() is the same function on SQLite and PostgreSQL)."""
    day = func.date(_c.created_at)
    result = await connection.execute(
        select(
            day,
            func.count(),
            _count(_c.answered.is_(True)),
            _count(_c.feedback == Vote.UP.value),
            _count(_c.feedback == Vote.DOWN.value),
        )
        .where(*where)
        .group_by(day)
    )
    figures = {}
    for value, questions, answered, liked, disliked in result:
        when = value if isinstance(value, date) else date.fromisoformat(str(value))
        figures[when] = Day(when, int(questions), int(answered), int(liked), int(disliked))
    return figures


async def _latency_percentile(
    connection: AsyncConnection, where: Sequence[ColumnElement[bool]], fraction: float
) -> float | None:
    """Interpolated between the two nearest ranks (numpy's default), reading at most two rows."""
    timed = (*where, _c.latency_ms.is_not(None))
    count = (await connection.execute(select(func.count()).where(*timed))).scalar_one()
    if count == 0:
        return None
    position = (count - 1) * fraction
    lower = math.floor(position)
    rows = await connection.execute(select(_c.latency_ms).where(*timed).order_by(_c.latency_ms).offset(lower).limit(2))
    values = [float(value) for value in rows.scalars()]
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (position - lower)


async def compute_dashboard(engine: AsyncEngine, since: date, until: date, top: int = 10) -> Dashboard:
    """The figures for the UTC days `since` through `until`; days without questions are listed as zeros."""
    start = datetime.combine(since, time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC)
    where = (_c.created_at >= start, _c.created_at < end)
    async with reading(engine).connect() as connection:
        by_day = await _days(connection, where)
        days = [
            by_day.get(since + timedelta(days=n), Day(since + timedelta(days=n)))
            for n in range((until - since).days + 1)
        ]
        return Dashboard(
            since=since,
            until=until,
            days=days,
            top_asked=await top_questions(connection, where, top),
            top_unanswered=await top_questions(connection, (*where, _c.answered.is_(False)), top),
            median_latency_ms=await _latency_percentile(connection, where, 0.5),
            p90_latency_ms=await _latency_percentile(connection, where, 0.9),
        )
