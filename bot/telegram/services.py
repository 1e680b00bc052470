"""What the handlers share: the engine and the per-reader state, kept in the Application's bot_data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.telegram.memory import RecentQuestions
from bot.telegram.ratelimit import ReaderRateLimit
from retrieval.engine import AnswerEngine

SERVICES_KEY = "quotebot"


@dataclass(slots=True)
class BotServices:
    """One instance per running bot."""

    engine: AnswerEngine
    rate_limit: ReaderRateLimit
    questions: RecentQuestions = field(default_factory=RecentQuestions)

    def new_record_id(self) -> str:
        """A short id for one asked question, carried in its buttons' callback data."""
        return secrets.token_urlsafe(9)


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The services stored by build_application."""
    return context.bot_data[SERVICES_KEY]
