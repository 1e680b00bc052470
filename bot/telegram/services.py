"""What the handlers share: the engine, the query log, metrics and per-reader state, kept in bot_data."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from telegram.ext import ContextTypes

from bot.answers.example import ExampleChoice
from bot.answers.wording import Example
from bot.ops.metrics import Metrics
from bot.ops.reload import CorpusReloader
from bot.querylog import QueryLog
from bot.telegram.conversations import ConversationStore
from bot.telegram.ratelimit import ReaderRateLimit
from bot.telegram.reachability import TelegramReachability
from retrieval.engine import AnswerEngine

SERVICES_KEY = "quotebot"
# How long a reader or moderator waits on the log database before being told the change happens later.
LOG_WAIT_SECONDS = 5.0
T = TypeVar("T")


def engine_pool() -> ThreadPoolExecutor:
    """One thread per core for engine work, so a slow question never stalls the event loop."""
    return ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0)), thread_name_prefix="quotebot-engine")


@dataclass(slots=True)
class BotServices:
    """One instance per running bot.

    The engine may be replaced while the bot runs (a corpus reload), so handlers read
    `engine` when they use it and never keep it.
    """

    engine: AnswerEngine
    query_log: QueryLog
    metrics: Metrics
    rate_limit: ReaderRateLimit
    # Every chat's and reply thread's conversation; More presses find their question there too.
    conversations: ConversationStore
    moderator_ids: frozenset[int] = frozenset()
    reachability: TelegramReachability = field(default_factory=TelegramReachability)
    # The example question offered over each engine (the operator's, or the seed's when the corpus answers it).
    examples: ExampleChoice = field(default_factory=ExampleChoice)
    # Where the moderators' web inbox is served; /web links point there.
    web_url: str = "http://127.0.0.1:8090"
    # Replaces `engine` when the corpus folder changes; None when nothing reloads (tests, benchmarks).
    reloader: CorpusReloader | None = None
    pool: ThreadPoolExecutor = field(default_factory=engine_pool)
    # The query-log record id of each update in hand, fixed when it was journaled, so a replay logs it once.
    update_record_ids: dict[int, str] = field(default_factory=dict)

    def reader(self, sender: int) -> str:
        """The sender's pseudonym: the only form in which a Telegram id reaches the log."""
        return self.query_log.pseudonyms.of(sender)

    def example(self) -> Example | None:
        """The example question to offer readers of the engine answering now."""
        return self.examples.over(self.engine)

    async def off_loop(self, work: Callable[..., T], *args: object) -> T:
        """Run engine work (asking, More) in the pool, so the event loop keeps serving other chats."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, work, *args)


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The services stored by build_application."""
    bot_services: BotServices = context.bot_data[SERVICES_KEY]
    return bot_services
