"""Keep a worker's engine taught what the database holds, on SQLite and PostgreSQL alike.

Every worker (and the web inbox) checks the lessons' revision once a second: one tiny query, the same on
both databases, which needs nothing re-established after an outage. On PostgreSQL each worker also
LISTENs on the channel that teaching and undo NOTIFY, and checks at once when told, so a lesson reaches
it within milliseconds; the poll stays as the fallback whenever that connection is down. Only when the
revision changed are the lessons read and handed to the engine. The engine is asked for through a
callable, so an engine swapped after a corpus reload is taught too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog import taught
from bot.querylog.database_url import describe_error
from retrieval.engine import AnswerEngine
from retrieval.taught import Lesson

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0


class TaughtSync:
    """Polls the lessons' revision and re-teaches the engine when it changes."""

    def __init__(
        self, database: AsyncEngine, answer_engine: Callable[[], AnswerEngine], interval: float = POLL_SECONDS
    ) -> None:
        self._database = database
        self._answer_engine = answer_engine
        self._interval = interval
        self._revision: taught.Revision | None = None
        self._lessons: list[Lesson] = []
        self._taught_engine: AnswerEngine | None = None
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._told = asyncio.Event()
        self._listening: AsyncConnection | None = None
        self._listener: Any = None

    @property
    def current_lessons(self) -> list[Lesson]:
        """The lessons last read, to teach an engine made after a corpus reload before it answers."""
        return list(self._lessons)

    @property
    def lessons(self) -> int:
        """How many lessons the engine was last taught."""
        return len(self._lessons)

    async def refresh(self) -> None:
        """Read the lessons if they changed since the last look, and teach the engine if it lacks them."""
        if self._revision is None or await taught.revision(self._database) != self._revision:
            self._revision, self._lessons = await taught.active_lessons(self._database)
            self._taught_engine = None
        engine = self._answer_engine()
        if engine is not self._taught_engine:
            engine.teach(self._lessons)
            self._taught_engine = engine

    async def start(self) -> None:
        """Teach the engine now (a database outage is logged, not raised), then check in the background."""
        await self._check()
        self._task = asyncio.create_task(self._poll_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._stop_listening()

    async def _poll_forever(self) -> None:
        while True:
            await self._listen()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._told.wait(), timeout=self._interval)
            self._told.clear()
            await self._check()

    async def _listen(self) -> None:
        """On PostgreSQL, (re)open the LISTEN connection if it is not open; a failure leaves the poll alone."""
        if self._database.dialect.name != "postgresql":
            return
        if self._listening is not None:
            if not self._listener.is_closed():
                return
            await self._stop_listening()
        connection: AsyncConnection | None = None
        try:
            connection = await self._database.connect()
            # The asyncpg connection under SQLAlchemy's is what holds a listener.
            listener = (await connection.get_raw_connection()).driver_connection
            if listener is None:
                raise ConnectionError("the pool handed out a closed connection")
            await listener.add_listener(taught.CHANNEL, self._on_notify)
        except Exception as error:
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.invalidate()
            logger.debug("taught answers: cannot LISTEN (%s); polling", describe_error(error))
            return
        self._listening, self._listener = connection, listener

    def _on_notify(self, *_: object) -> None:
        self._told.set()

    async def _stop_listening(self) -> None:
        """Discard the connection rather than pool it: its listener must not live on in another user's hands."""
        if self._listening is not None:
            with contextlib.suppress(Exception):
                await self._listening.invalidate()
                await self._listening.close()
            self._listening, self._listener = None, None

    async def _check(self) -> None:
        """refresh(), logging the first failure of a run of them and the recovery, and never raising."""
        try:
            await self.refresh()
        except Exception as error:
            if not self._failing:
                logger.warning("taught answers: cannot read them (%s); keeping the last ones", describe_error(error))
            self._failing = True
        else:
            if self._failing:
                logger.info("taught answers: reading them again")
            self._failing = False
