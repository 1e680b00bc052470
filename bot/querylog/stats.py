"""Usage figures for moderators: volume, answered share, top questions and median latency.

Days are UTC days; "last 7 days" is the 168 hours before `now`.
"""

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog.engine import reading
from bot.querylog.schema import query_log

_c = query_log.c


@dataclass(frozen=True, slots=True)
class PeriodStats:
    """How many questions came in over a period and how many got a quotation."""

    questions: int
    answered: int

    @property
    def answered_share(self) -> float | None:
        """Answered questions as a fraction of all, None when there were none."""
        return self.answered / self.questions if self.questions else None


@dataclass(frozen=True, slots=True)
class LogStats:
    """The figures `quotebot log stats` prints."""

    now: datetime
    today: PeriodStats
    last_7_days: PeriodStats
    top_questions: list[tuple[str, int]]
    median_latency_ms: float | None


def normalise_question(question: str) -> str:
    """Fold case, spacing and surrounding punctuation so that re-typed questions count together."""
    folded = " ".join(question.casefold().split())
    start, end = 0, len(folded)
    while start < end and unicodedata.category(folded[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(folded[end - 1])[0] in "PZ":
        end -= 1
    return folded[start:end]


def _within(since: datetime, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (_c.created_at >= since, _c.created_at <= now)


async def _period(connection: AsyncConnection, since: datetime, now: datetime) -> PeriodStats:
    answered = func.coalesce(func.sum(case((_c.answered.is_(True), 1), else_=0)), 0)
    row = (await connection.execute(select(func.count(), answered).where(*_within(since, now)))).one()
    return PeriodStats(questions=row[0], answered=int(row[1]))


async def top_questions(
    connection: AsyncConnection, where: Sequence[ColumnElement[bool]], top: int
) -> list[tuple[str, int]]:
    """The most asked questions among the records matching `where`, re-typed ones counted together.

    Exact texts are grouped in SQL (few rows cross the wire), then their normalised forms merged here.
    """
    result = await connection.execute(select(_c.question, func.count()).where(*where).group_by(_c.question))
    counts: Counter[str] = Counter()
    for question, count in result:
        counts[normalise_question(question)] += count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


async def _median_latency(connection: AsyncConnection, since: datetime, now: datetime) -> float | None:
    """Median by counting and an offset, which works the same on SQLite and PostgreSQL."""
    timed = (*_within(since, now), _c.latency_ms.is_not(None))
    count = (await connection.execute(select(func.count()).where(*timed))).scalar_one()
    if count == 0:
        return None
    middle = await connection.execute(
        select(_c.latency_ms).where(*timed).order_by(_c.latency_ms).offset((count - 1) // 2).limit(2 - count % 2)
    )
    values = [float(value) for value in middle.scalars()]
    return sum(values) / len(values)


async def compute_stats(engine: AsyncEngine, now: datetime, top: int = 10) -> LogStats:
    """Compute today's and the last 7 days' figures as of `now`."""
    now = now.astimezone(UTC)
    today_start = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    week_start = now - timedelta(days=7)
    async with reading(engine).connect() as connection:
        return LogStats(
            now=now,
            today=await _period(connection, today_start, now),
            last_7_days=await _period(connection, week_start, now),
            top_questions=await top_questions(connection, _within(week_start, now), top),
            median_latency_ms=await _median_latency(connection, week_start, now),
        )
