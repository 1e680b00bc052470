"""What the handlers share: the engine, the query log, metrics and per-reader state, kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import ContextTypes

from bot.ops.metrics import Metrics
from bot.ops.reload import CorpusReloader
from bot.querylog import QueryLog
from bot.telegram.conversations import ConversationStore
from bot.telegram.ratelimit import ReaderRateLimit
from retrieval.engine import AnswerEngine

SERVICES_KEY = "quotebot"
# How long a reader or moderator waits on the log database before being told the change happens later.
LOG_WAIT_SECONDS = 5.0


@dataclass(slots=True)
class BotServices:
    """One instance per running bot."""

    engine: AnswerEngine
    query_log: QueryLog
    metrics: Metrics
    rate_limit: ReaderRateLimit
    # Every chat's and reply thread's conversation; More presses find their question there too.
    conversations: ConversationStore
    moderator_ids: frozenset[int] = frozenset()
    # Where the moderators' web inbox is served; /web links point there.
    web_url: str = "http://127.0.0.1:8090"
    # Replaces `engine` when the corpus folder changes; None when nothing reloads (tests, benchmarks).
    reloader: CorpusReloader | None = None

    def reader(self, user_id: int) -> str:
        """The reader's pseudonym: the only form in which a Telegram user id reaches the log."""
        return self.query_log.pseudonyms.of(user_id)


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The services stored by build_application."""
    bot_services: BotServices = context.bot_data[SERVICES_KEY]
    return bot_services
