"""Apply queued ops to the database in one transaction, and purge old records."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog.ops import Forget, Insert, Op, Review, SetFeedback, record_fields
from bot.querylog.schema import query_log

OpResult = bool | set[str] | None


async def _insert_ignoring_duplicates(connection: AsyncConnection, inserts: list[Insert]) -> None:
    """Insert-or-ignore by id, so replaying a journal after a crash never duplicates a record."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(query_log).on_conflict_do_nothing(index_elements=[query_log.c.id])
    await connection.execute(statement, [record_fields(insert.record) for insert in inserts])


async def _apply_one(connection: AsyncConnection, op: SetFeedback | Review | Forget) -> OpResult:
    if isinstance(op, SetFeedback):
        result = await connection.execute(
            update(query_log)
            .where(query_log.c.id == op.record_id, query_log.c.reader == op.reader)
            .values(feedback=op.vote.value)
        )
        return result.rowcount == 1
    if isinstance(op, Review):
        result = await connection.execute(
            update(query_log)
            .where(query_log.c.id == op.record_id)
            .values(review_status=op.status.value, review_note=op.note, reviewed_by=op.moderator, reviewed_at=op.at)
        )
        return result.rowcount == 1
    deleted = await connection.execute(
        delete(query_log).where(query_log.c.reader == op.reader).returning(query_log.c.id)
    )
    return set(deleted.scalars())


async def apply_ops(engine: AsyncEngine, ops: list[Op]) -> dict[str, OpResult]:
    """Apply `ops` in order in one transaction; return each non-insert op's outcome by key.

    Feedback only lands on a record of the same reader (False otherwise, or when the record is
    gone); a review reports whether the record exists; a forget returns the ids it deleted.
    """
    outcomes: dict[str, OpResult] = {}
    async with engine.begin() as connection:
        pending_inserts: list[Insert] = []
        for op in ops:
            if isinstance(op, Insert):
                pending_inserts.append(op)
                continue
            if pending_inserts:
                await _insert_ignoring_duplicates(connection, pending_inserts)
                pending_inserts = []
            outcomes[op.key] = await _apply_one(connection, op)
        if pending_inserts:
            await _insert_ignoring_duplicates(connection, pending_inserts)
    return outcomes


async def delete_older_than(engine: AsyncEngine, cutoff: datetime) -> int:
    """Delete records created before `cutoff` and return how many went."""
    async with engine.begin() as connection:
        result = await connection.execute(delete(query_log).where(query_log.c.created_at < cutoff))
    return result.rowcount
