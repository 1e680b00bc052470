"""QueryLog, the bot's handle on the log: record every question without ever delaying a reply.

`submit` appends the record to the write-ahead journal (journal.py) and returns; that one write
is what makes a record survive the process being killed right after the reply went out. A
background writer commits the journal to the database in batches. While the database is down
it retries with capped exponential backoff and the records wait on disk, for as long as it
takes; at the next start, journals left by a stopped process are replayed. Feedback, reviews
and forget requests travel the same way, in order. Only if the disk refuses a write does an op
wait in a bounded in-memory queue instead (ordering against journaled ops is then best-effort,
and such ops die with the process).
"""

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.querylog import reads
from bot.querylog.database_url import describe_error
from bot.querylog.engine import create_log_engine, create_private_sqlite_file
from bot.querylog.journal import JOURNAL_DIR_NAME, Journal, read_ops
from bot.querylog.migrations import SchemaTooNew, migrate
from bot.querylog.ops import (
    Forget,
    Insert,
    Op,
    Review,
    SetFeedback,
    concerns_reader,
    encode,
)
from bot.querylog.pseudonym import ReaderPseudonyms, load_or_create_secret
from bot.querylog.record import (
    LoggedQuery,
    QueryRecord,
    ReviewStatus,
    Vote,
    check_pseudonym,
    clean_text,
    utc_now,
)
from bot.querylog.record_id import is_record_id, new_record_id
from bot.querylog.settings import LogSettings, settings_from_env
from bot.querylog.stats import LogStats, compute_stats
from bot.querylog.writes import OpResult, apply_ops, delete_older_than

logger = logging.getLogger(__name__)

_VERDICTS = {"ok": ReviewStatus.OK, "flag": ReviewStatus.FLAGGED}


@dataclass(frozen=True, slots=True)
class WriterTuning:
    """Knobs of the background writer; the defaults suit the bot, tests shorten the waits."""

    batch_size: int = 500
    batch_delay: float = 0.05
    first_retry_delay: float = 0.2
    max_retry_delay: float = 30.0
    memory_limit: int = 10_000
    purge_interval: float = 24 * 3600.0
    purge_retry_delay: float = 3600.0


class QueryLog:
    """Records questions, feedback and reviews, and answers the moderators' queries."""

    def __init__(
        self,
        engine: AsyncEngine,
        journal: Journal,
        pseudonyms: ReaderPseudonyms,
        retention_days: int,
        tuning: WriterTuning,
    ) -> None:
        self.engine = engine
        self.pseudonyms = pseudonyms
        self._journal = journal
        self._retention_days = retention_days
        self._tuning = tuning
        self._seq = 0
        self._unjournaled: deque[tuple[int, Op]] = deque()
        self._in_flight_seq: int | None = None
        self._waiters: dict[str, asyncio.Future[OpResult]] = {}
        self._wakeup = asyncio.Event()
        self._progress = asyncio.Condition()
        self._schema_ready = False
        self._closed = False
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    async def start(cls, settings: LogSettings | None = None, tuning: WriterTuning = WriterTuning()) -> "QueryLog":
        """Open the journal, migrate the schema if the database answers, and start the writer.

        An unreachable database does not stop the bot from starting: records wait in the journal.
        """
        settings = settings or settings_from_env()
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        create_private_sqlite_file(settings.database_url)
        pseudonyms = ReaderPseudonyms(load_or_create_secret(settings.data_dir, settings.secret))
        journal = Journal(settings.data_dir / JOURNAL_DIR_NAME)
        journal.open()
        log = cls(create_log_engine(settings.database_url), journal, pseudonyms, settings.retention_days, tuning)
        try:
            await log._ensure_schema()
        except SchemaTooNew:
            journal.close()
            await log.engine.dispose()
            raise
        except Exception as error:
            logger.warning(
                "query log: database unavailable at start (%s); records wait in %s",
                describe_error(error),
                journal.directory,
            )
        log._tasks = [asyncio.create_task(log._write_forever()), asyncio.create_task(log._purge_regularly())]
        if journal.segments:
            log._wakeup.set()
        return log

    def submit(self, record: QueryRecord) -> str:
        """Queue a record for the database and return its id; never blocks on the database."""
        self._enqueue(Insert(record))
        return record.id

    def set_feedback(self, record_id: str, reader: str, vote: Vote) -> "asyncio.Future[OpResult]":
        """Queue a reader's vote; the future says whether it landed (only on the reader's own record)."""
        if not is_record_id(record_id):
            raise ValueError("record_id must come from new_record_id()")
        check_pseudonym(reader)
        return self._enqueue_awaited(SetFeedback(new_record_id(), record_id, reader, Vote(vote)))

    def review(
        self,
        record_id: str,
        verdict: Literal["ok", "flag"],
        note: str | None = None,
        moderator: str | None = None,
    ) -> "asyncio.Future[OpResult]":
        """Queue a moderator's verdict (`moderator`: their pseudonym); the future says whether the record exists."""
        if verdict not in _VERDICTS:
            raise ValueError(f"verdict must be 'ok' or 'flag', not {verdict!r}")
        if not is_record_id(record_id):
            raise ValueError("record_id must come from new_record_id()")
        if moderator is not None:
            check_pseudonym(moderator)
        note = None if note is None else clean_text(note)
        return self._enqueue_awaited(Review(new_record_id(), record_id, _VERDICTS[verdict], note, moderator, utc_now()))

    def forget(self, reader: str) -> "asyncio.Task[int]":
        """Delete every record of a reader, also those still waiting for the database.

        The waiting ones go at once; the task's result counts all records deleted.
        """
        check_pseudonym(reader)

        def unwanted(op: Op) -> bool:
            return concerns_reader(op, reader)

        removed = self._journal.remove_ops(unwanted)
        removed += [op for _, op in self._unjournaled if unwanted(op)]
        self._unjournaled = deque(item for item in self._unjournaled if not unwanted(item[1]))
        self._resolve({op.key: False for op in removed if isinstance(op, SetFeedback)})
        waiting_ids = {op.record.id for op in removed if isinstance(op, Insert)}
        deleted = self._enqueue_awaited(Forget(new_record_id(), reader))
        return asyncio.ensure_future(_count_forgotten(waiting_ids, deleted))

    def pending_ops(self) -> int:
        """Ops this process has queued that are not in the database yet (the backlog operators watch)."""
        oldest = self._oldest_pending_seq()
        return 0 if oldest == math.inf else int(self._seq - oldest + 1)

    def accepting(self) -> bool:
        """False only when the journal refuses writes and the memory queue is full: records would be lost."""
        return len(self._unjournaled) < self._tuning.memory_limit

    async def question_of(self, record_id: str) -> str | None:
        """The question text of a stored record, so another worker can serve a More press."""
        await self._ensure_schema()
        return await reads.question_of(self.engine, record_id)

    async def purge_older_than(self, days: int) -> int:
        """Delete records older than `days` days and return how many went."""
        await self._ensure_schema()
        return await delete_older_than(self.engine, utc_now() - timedelta(days=days))

    async def recent(self, limit: int = 20, since: datetime | None = None) -> list[LoggedQuery]:
        """Return the newest records."""
        await self._ensure_schema()
        return await reads.newest(self.engine, reads.EVERYTHING, limit, since)

    async def unanswered(self, limit: int = 20, since: datetime | None = None) -> list[LoggedQuery]:
        """Return the newest questions the bot found no quotation for."""
        await self._ensure_schema()
        return await reads.newest(self.engine, reads.UNANSWERED, limit, since)

    async def flagged(self, limit: int = 20, since: datetime | None = None) -> list[LoggedQuery]:
        """Return the newest records with an unreviewed 👎 or flagged by a moderator."""
        await self._ensure_schema()
        return await reads.newest(self.engine, reads.FLAGGED, limit, since)

    async def stats(self, now: datetime | None = None, top: int = 10) -> LogStats:
        """Return today's and the last 7 days' figures."""
        await self._ensure_schema()
        return await compute_stats(self.engine, now or utc_now(), top)

    async def export(self, since: datetime | None = None) -> AsyncIterator[LoggedQuery]:
        """Stream every record (newest first) for export."""
        await self._ensure_schema()
        async for record in reads.export(self.engine, since):
            yield record

    async def flush(self) -> None:
        """Wait until every op queued before this call is in the database (as long as that takes)."""
        target = self._seq
        self._wakeup.set()
        async with self._progress:
            await self._progress.wait_for(lambda: self._oldest_pending_seq() > target)

    async def close(self, timeout: float = 5.0) -> None:
        """Give the writer `timeout` seconds to empty the journal, then stop; what is left waits on disk."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wait_for(self.flush(), timeout)
        except TimeoutError:
            logger.warning(
                "query log: stopping with records not yet in the database; they wait in %s",
                self._journal.directory,
            )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._journal.close()
        await self.engine.dispose()

    async def _ensure_schema(self) -> None:
        if not self._schema_ready:
            await migrate(self.engine)
            self._schema_ready = True

    def _enqueue(self, op: Op) -> bool:
        """Journal the op (or, if the disk refuses, keep it in memory); False if it had to be dropped."""
        if self._closed:
            raise RuntimeError("the query log is closed")
        self._seq += 1
        self._wakeup.set()
        try:
            self._journal.append(encode(op), self._seq)
            return True
        except OSError as error:
            if len(self._unjournaled) < self._tuning.memory_limit:
                logger.error("query log: journal write failed (%s); keeping the op in memory", error)
                self._unjournaled.append((self._seq, op))
                return True
            logger.error("query log: journal write failed (%s) and the memory queue is full; op dropped", error)
            return False

    def _enqueue_awaited(self, op: SetFeedback | Review | Forget) -> "asyncio.Future[OpResult]":
        waiter: asyncio.Future[OpResult] = asyncio.get_running_loop().create_future()
        self._waiters[op.key] = waiter
        if not self._enqueue(op):
            del self._waiters[op.key]
            waiter.set_exception(OSError("the query log could not store this change"))
        return waiter

    def _resolve(self, outcomes: dict[str, OpResult]) -> None:
        for key, outcome in outcomes.items():
            waiter = self._waiters.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(outcome)

    def _oldest_pending_seq(self) -> float:
        pending = [segment.first_seq for segment in self._journal.segments]
        if self._journal.active_first_seq is not None:
            pending.append(self._journal.active_first_seq)
        if self._unjournaled:
            pending.append(self._unjournaled[0][0])
        if self._in_flight_seq is not None:
            pending.append(self._in_flight_seq)
        return min(pending, default=math.inf)

    async def _write_forever(self) -> None:
        while True:
            await self._wakeup.wait()
            if not self._closed:
                await asyncio.sleep(self._tuning.batch_delay)
            self._wakeup.clear()
            await self._drain()

    async def _drain(self) -> None:
        """Commit batches until nothing is pending, waiting out database outages."""
        delay = self._tuning.first_retry_delay
        while True:
            try:
                committed = await self._commit_next_batch()
            except Exception as error:
                logger.warning(
                    "query log: database unavailable (%s); retrying in %.1fs, records wait in %s",
                    describe_error(error),
                    delay,
                    self._journal.directory,
                )
                await asyncio.sleep(delay)
                delay = min(2 * delay, self._tuning.max_retry_delay)
                continue
            if not committed:
                return
            delay = self._tuning.first_retry_delay
            async with self._progress:
                self._progress.notify_all()

    async def _commit_next_batch(self) -> bool:
        """Commit the oldest batch of pending ops; False when there was nothing to commit."""
        await self._ensure_schema()
        self._journal.seal()
        if self._journal.segments:
            segment = self._journal.segments[0]
            if not segment.synced:
                await asyncio.to_thread(self._journal.sync, segment)
            generation = segment.generation
            ops, next_offset, at_end = read_ops(segment.path, segment.offset, self._tuning.batch_size)
            if ops:
                self._resolve(await apply_ops(self.engine, ops))
            if segment.generation == generation:
                segment.offset = next_offset
                if at_end:
                    self._journal.finish(segment)
            return True
        if self._unjournaled:
            batch = [self._unjournaled.popleft() for _ in range(min(self._tuning.batch_size, len(self._unjournaled)))]
            self._in_flight_seq = batch[0][0]
            try:
                self._resolve(await apply_ops(self.engine, [op for _, op in batch]))
            except BaseException:
                self._unjournaled.extendleft(reversed(batch))
                raise
            finally:
                self._in_flight_seq = None
            return True
        return False

    async def _purge_regularly(self) -> None:
        """Apply the retention period at start and then once per interval."""
        while True:
            try:
                deleted = await self.purge_older_than(self._retention_days)
            except Exception as error:
                logger.warning("query log: retention purge failed (%s); will retry", describe_error(error))
                await asyncio.sleep(self._tuning.purge_retry_delay)
                continue
            if deleted:
                logger.info("query log: deleted %d records older than %d days", deleted, self._retention_days)
            await asyncio.sleep(self._tuning.purge_interval)


async def _count_forgotten(waiting_ids: set[str], deleted: "asyncio.Future[OpResult]") -> int:
    stored_ids = await deleted
    return len(waiting_ids | (stored_ids if isinstance(stored_ids, set) else set()))
