"""The moderators' taught answers in the log database: teach, undo, list, and a cheap check for changes.

Rows are never deleted: undo marks a row removed (who and when), so the page can show the history and
`revision` changes with every edit, which is all a worker needs to poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog.engine import reading
from bot.querylog.record import PASSAGE_ID_MAX, check_pseudonym, clean_text, utc_now
from bot.querylog.record_id import is_record_id, new_record_id
from bot.querylog.schema import taught_answers
from retrieval.taught import Lesson

_c = taught_answers.c
_NAMES = tuple(column.name for column in taught_answers.columns)
Revision = tuple[int, int]
# PostgreSQL NOTIFY channel: every worker LISTENs on it (bot/querylog/taught_sync.py).
CHANNEL = "quotebot_taught"


@dataclass(frozen=True, slots=True)
class TaughtAnswer:
    """One stored lesson; `passage_id` None is "the sources do not answer this"."""

    id: str
    created_at: datetime
    question: str
    passage_id: str | None
    passage_text: str | None
    record_id: str | None
    moderator: str
    removed_at: datetime | None
    removed_by: str | None

    @property
    def lesson(self) -> Lesson:
        return Lesson(self.question, self.passage_id, self.passage_text)


def _taught(row: RowMapping) -> TaughtAnswer:
    return TaughtAnswer(**{name: row[name] for name in _NAMES})


async def teach(
    engine: AsyncEngine,
    question: str,
    passage_id: str | None,
    passage_text: str | None,
    moderator: str,
    record_id: str | None = None,
) -> TaughtAnswer:
    """Store a lesson; the engines of every worker pick it up at their next check."""
    check_pseudonym(moderator)
    question = clean_text(question).strip()
    if not question:
        raise ValueError("a lesson needs a question")
    if passage_id is not None and (not passage_id or len(passage_id) > PASSAGE_ID_MAX):
        raise ValueError(f"passage_id must be 1 to {PASSAGE_ID_MAX} characters")
    if record_id is not None and not is_record_id(record_id):
        raise ValueError("record_id must come from new_record_id()")
    stored = TaughtAnswer(
        id=new_record_id(),
        created_at=utc_now(),
        question=question,
        passage_id=passage_id,
        passage_text=None if passage_text is None else clean_text(passage_text),
        record_id=record_id,
        moderator=moderator,
        removed_at=None,
        removed_by=None,
    )
    async with engine.begin() as connection:
        await connection.execute(insert(taught_answers).values(**{name: getattr(stored, name) for name in _NAMES}))
        await _notify(connection)
    return stored


async def undo(engine: AsyncEngine, taught_id: str, moderator: str) -> bool:
    """Remove a lesson (kept as history); False when there is no such active lesson."""
    check_pseudonym(moderator)
    async with engine.begin() as connection:
        result = await connection.execute(
            update(taught_answers)
            .where(_c.id == taught_id, _c.removed_at.is_(None))
            .values(removed_at=utc_now(), removed_by=moderator)
        )
        await _notify(connection)
    return result.rowcount == 1


async def _notify(connection: AsyncConnection) -> None:
    """Tell the listening workers at commit (PostgreSQL); SQLite workers find out at their next poll."""
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_notify(CHANNEL, "")))


async def listing(engine: AsyncEngine, include_removed: bool = False) -> list[TaughtAnswer]:
    """Lessons newest first; removed ones too when asked."""
    statement = select(taught_answers).order_by(_c.created_at.desc(), _c.id.desc())
    if not include_removed:
        statement = statement.where(_c.removed_at.is_(None))
    async with reading(engine).connect() as connection:
        return [_taught(row) for row in (await connection.execute(statement)).mappings()]


async def for_record(engine: AsyncEngine, record_id: str) -> list[TaughtAnswer]:
    """Lessons taught from one logged question, newest first, removed ones included."""
    statement = select(taught_answers).where(_c.record_id == record_id).order_by(_c.created_at.desc())
    async with reading(engine).connect() as connection:
        return [_taught(row) for row in (await connection.execute(statement)).mappings()]


async def active_lessons(engine: AsyncEngine) -> tuple[Revision, list[Lesson]]:
    """The lessons in force, oldest first (so a later lesson wins a tie), with the revision they belong to."""
    async with reading(engine).connect() as connection:
        revision = await _revision(connection)
        rows = await connection.execute(
            select(_c.question, _c.passage_id, _c.passage_text)
            .where(_c.removed_at.is_(None))
            .order_by(_c.created_at, _c.id)
        )
        return revision, [Lesson(row.question, row.passage_id, row.passage_text) for row in rows]


async def revision(engine: AsyncEngine) -> Revision:
    """Changes whenever a lesson is taught or undone: (rows, removed rows)."""
    async with reading(engine).connect() as connection:
        return await _revision(connection)


async def _revision(connection: AsyncConnection) -> Revision:
    row = (await connection.execute(select(func.count(), func.count(_c.removed_at)))).one()
    return int(row[0]), int(row[1])
