"""From Telegram to the handlers: journal each update, queue it (bounded), answer it with a few workers.

Polling and the webhook both hand raw updates to `accept`. An update python-telegram-bot cannot
parse is skipped (counted, and logged by its update_id only: raw updates hold readers' names and
messages). A parsed one is journaled before `accept` returns, which is what lets the caller
confirm it to Telegram. The queue holds at most `capacity` updates: polling asks Telegram for no
more than there is room for, and a webhook POST waits for room, so a flood waits at Telegram,
not in memory. Updates of one chat are answered in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.ops.metrics import Metrics
from bot.telegram.intake_journal import JournaledUpdate, UpdateJournal

logger = logging.getLogger(__name__)
# Updates answered at once (they mostly wait on Telegram; engine work has its own pool of one thread per core).
WORKERS = 8
# Updates fetched ahead of the workers.
CAPACITY = 16


@dataclass(frozen=True, slots=True)
class _Work:
    journaled: JournaledUpdate
    update: Update


class UpdateIntake:
    """The journal, the bounded queue in front of the handlers, and the workers that empty it."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        journal: UpdateJournal,
        metrics: Metrics,
        record_ids: dict[int, str],
        workers: int = WORKERS,
        capacity: int = CAPACITY,
    ) -> None:
        self._application = application
        self._journal = journal
        self._metrics = metrics
        self._record_ids = record_ids
        self._queue: asyncio.Queue[_Work] = asyncio.Queue(maxsize=capacity)
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._stopping = asyncio.Event()
        self.replayed = asyncio.Event()
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._workers = [asyncio.create_task(self._work_forever(), name=f"quotebot-worker-{n}") for n in range(workers)]
        self._busy: set[asyncio.Task[None]] = set()
        self._replaying = asyncio.create_task(self._replay(journal.pending))

    def room(self) -> int:
        """How many more updates may be fetched now."""
        return 0 if self._stopping.is_set() or not self.replayed.is_set() else self._queue.maxsize - self._queue.qsize()

    async def wait_for_room(self) -> None:
        await self.replayed.wait()
        while self.room() == 0 and not self._stopping.is_set():
            self._has_room.clear()
            await self._has_room.wait()

    async def accept(self, raw: dict[str, Any]) -> None:
        """Journal and queue one update, waiting for room; once it returns, Telegram may forget it.

        When the bot is stopping, a journaled update is left in the journal for the next start.
        """
        work = self._journaled(raw)
        if work is None:
            return
        if not self._queue.full():
            self._queue.put_nowait(work)
            return
        putting = asyncio.ensure_future(self._queue.put(work))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({putting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (putting, stopping):
            waiter.cancel()

    async def stop(self, grace: float) -> int:
        """Take no more work; give the updates in hand `grace` seconds; return how many stay journaled."""
        self._stopping.set()
        self._has_room.set()
        self._replaying.cancel()
        for worker in self._workers:
            if worker not in self._busy:
                worker.cancel()
        if self._busy:
            _, late = await asyncio.wait(set(self._busy), timeout=grace)
            for worker in late:
                worker.cancel()
        await asyncio.gather(self._replaying, *self._workers, return_exceptions=True)
        return len(self._journal.pending)

    def _journaled(self, raw: dict[str, Any]) -> _Work | None:
        update_id = raw.get("update_id")
        if not isinstance(update_id, int):
            self._metrics.observe_skipped_update("malformed")
            logger.warning("skipping an update without an update_id")
            return None
        try:
            update = Update.de_json(raw, self._application.bot)
        except Exception as error:
            self._metrics.observe_skipped_update("unparseable")
            logger.warning(
                "skipping update %d: python-telegram-bot cannot read it (%s)", update_id, type(error).__name__
            )
            return None
        journaled = self._journal.receive(raw)
        if journaled is None:
            self._metrics.observe_skipped_update("duplicate")
            return None
        return _Work(journaled, update)

    async def _replay(self, pending: Iterable[JournaledUpdate]) -> None:
        """Queue the updates a stopped process received and did not finish, before anything new."""
        for journaled in pending:
            try:
                update = Update.de_json(journaled.raw, self._application.bot)
            except Exception as error:
                logger.warning(
                    "dropping journaled update %d: unreadable (%s)", journaled.update_id, type(error).__name__
                )
                self._journal.done(journaled.update_id)
                continue
            await self._queue.put(_Work(journaled, update))
        self.replayed.set()
        self._has_room.set()

    async def _work_forever(self) -> None:
        worker = asyncio.current_task()
        assert worker is not None
        while not self._stopping.is_set():
            work = await self._queue.get()
            self._busy.add(worker)
            self._has_room.set()
            try:
                await self._answer(work)
            finally:
                self._busy.discard(worker)

    async def _answer(self, work: _Work) -> None:
        update_id = work.journaled.update_id
        self._record_ids[update_id] = work.journaled.record_id
        try:
            async with self._chat_lock(_order_key(work.update)):
                await self._application.process_update(work.update)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("update %d could not be processed", update_id)
        finally:
            self._record_ids.pop(update_id, None)
        self._journal.done(update_id)

    @contextlib.asynccontextmanager
    async def _chat_lock(self, key: int) -> AsyncIterator[None]:
        """One update of a chat at a time, in arrival order (asyncio.Lock wakes its waiters first come,
        first served); the lock is dropped once no update of that chat is in hand."""
        lock, users = self._chat_locks.get(key, (asyncio.Lock(), 0))
        self._chat_locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chat_locks[key]
            if users == 1:
                del self._chat_locks[key]
            else:
                self._chat_locks[key] = (lock, users - 1)


def _order_key(update: Update) -> int:
    """Updates with the same key are answered one after the other: same chat, else same user."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return update.update_id
