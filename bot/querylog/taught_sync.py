"""Keep a worker's engine taught what the database holds, on SQLite and PostgreSQL alike.

Every worker (and the web inbox) checks the lessons' revision once a second: one tiny query, the same on
both databases, and it survives a database outage with no listener connection to re-establish. Only
when the revision changed are the lessons read and handed to the engine. The engine is asked for
through a callable, so an engine swapped after a corpus reload is taught too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

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

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self._check()

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
