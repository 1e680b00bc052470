"""Building the python-telegram-bot Application and running it with long polling until a stop signal."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.answers import wording
from bot.ops.metrics import Metrics
from bot.ops.settings import Settings
from bot.querylog import QueryLog
from bot.telegram import handlers, moderation, source_intake
from bot.telegram.conversations import ConversationStore
from bot.telegram.ratelimit import ReaderRateLimit
from bot.telegram.services import SERVICES_KEY, BotServices
from retrieval.engine import AnswerEngine

logger = logging.getLogger(__name__)
# The Application as ApplicationBuilder().build() makes it: PTB's default bot, context and data types.
QuotebotApplication: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"

COMMANDS = {
    "ask": wording.COMMAND_ASK,
    "sources": wording.COMMAND_SOURCES,
    "help": wording.COMMAND_HELP,
    "start": wording.COMMAND_START,
    "new": wording.COMMAND_NEW,
    "forget": wording.COMMAND_FORGET,
}
MODERATOR_COMMANDS = {
    "recent": moderation.recent,
    "unanswered": moderation.unanswered,
    "flagged": moderation.flagged,
    "stats": moderation.stats,
    "export": moderation.export,
    "review": moderation.review,
    "web": moderation.web_login,
    "reload": source_intake.reload_command,
    "add": source_intake.add_command,
}
# Updates handled at once: one slow question must not hold up every other chat.
CONCURRENT_UPDATES = 16
# Long-poll for this many seconds per getUpdates call; stop() interrupts it.
POLL_TIMEOUT = 10
MAX_START_DELAY = 30.0


class PollingConflict(Exception):
    """Another process is polling with the same token; Telegram allows exactly one."""


def build_application(
    settings: Settings, engine: AnswerEngine, query_log: QueryLog, metrics: Metrics
) -> QuotebotApplication:
    """The Application with every handler registered; nothing is sent to Telegram until it starts."""
    application = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.base_url)
        .base_file_url(file_url(settings.base_url))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(CONCURRENT_UPDATES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .build()
    )
    application.bot_data[SERVICES_KEY] = BotServices(
        engine=engine,
        query_log=query_log,
        metrics=metrics,
        rate_limit=ReaderRateLimit(settings.rate_limit_per_minute),
        conversations=ConversationStore(query_log.pseudonyms, query_log.engine),
        moderator_ids=settings.moderator_ids,
        web_url=settings.web_url,
    )
    add_handlers(application)
    return application


def file_url(base_url: str) -> str:
    """Where files are downloaded from: `…/file/bot` beside the Bot API's `…/bot` (Telegram's or a local one)."""
    return base_url.removesuffix("/bot") + "/file/bot" if base_url.endswith("/bot") else base_url


def add_handlers(application: QuotebotApplication) -> None:
    """Commands first, then free text by chat type, then buttons and inline queries."""
    not_channel = ~filters.UpdateType.CHANNEL_POSTS
    private = filters.ChatType.PRIVATE & not_channel
    groups = filters.ChatType.GROUPS & not_channel
    application.add_handler(CommandHandler("start", handlers.start, filters=not_channel))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=not_channel))
    application.add_handler(CommandHandler("sources", handlers.sources, filters=not_channel))
    application.add_handler(CommandHandler("ask", handlers.ask_command, filters=not_channel))
    application.add_handler(CommandHandler("new", handlers.new_conversation, filters=not_channel))
    application.add_handler(CommandHandler("forget", handlers.forget, filters=not_channel))
    for name, handler in MODERATOR_COMMANDS.items():
        application.add_handler(CommandHandler(name, handler, filters=not_channel))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    text = filters.TEXT | filters.CAPTION
    application.add_handler(MessageHandler(private & filters.Document.ALL, source_intake.document))
    application.add_handler(MessageHandler(private & text, handlers.private_text))
    application.add_handler(MessageHandler(groups & text & ~filters.COMMAND, handlers.group_text))
    application.add_handler(MessageHandler(private & ~text & ~filters.StatusUpdate.ALL, handlers.not_text))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline_query))
    application.add_error_handler(handlers.error_handler)


async def register_commands(application: QuotebotApplication) -> None:
    """The command menu readers see next to the message box: English for everyone, and each catalogue's
    language for readers whose app uses it."""
    for language in wording.LANGUAGES:
        words = wording.wording_for(language)
        commands = [BotCommand(name, words.text(description)) for name, description in COMMANDS.items()]
        await application.bot.set_my_commands(commands, language_code=None if language == "en" else language)


async def initialize_with_retry(application: QuotebotApplication, stop: asyncio.Event) -> bool:
    """Connect to the Bot API, waiting out network failures until it answers or a stop is requested."""
    delay = 1.0
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except NetworkError as error:
            logger.warning("Cannot reach the Telegram Bot API (%s); retrying in %.0f s", error, delay)
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            delay = min(delay * 2, MAX_START_DELAY)
    return False


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates (the public URL) and where this process listens for them."""

    url: str
    secret: str
    port: int
    listen: str = "0.0.0.0"

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


async def serve_until_stopped(
    application: QuotebotApplication, stop: asyncio.Event, webhook: Webhook | None = None
) -> None:
    """Receive updates (long polling, or a webhook when given) and answer them until `stop` is set.

    A second long poller on the same token raises PollingConflict instead of fighting it forever.
    """
    conflict: list[Conflict] = []

    def on_polling_error(error: TelegramError) -> None:
        application.bot_data[SERVICES_KEY].metrics.observe_telegram_error(error)
        if isinstance(error, Conflict):
            conflict.append(error)
            stop.set()
        else:
            logger.warning("Polling failed (%s); python-telegram-bot retries with backoff", error)

    updater = application.updater
    if updater is None:
        raise RuntimeError("the Application was built without an Updater")
    if not await initialize_with_retry(application, stop):
        return
    try:
        await register_commands(application)
        if webhook:
            await updater.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=Update.ALL_TYPES,
            )
            logger.info("quotebot receives updates for @%s on port %d", application.bot.username, webhook.port)
        else:
            await updater.start_polling(
                timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES, error_callback=on_polling_error
            )
            logger.info("quotebot is polling as @%s", application.bot.username)
        await application.start()
        await stop.wait()
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        application.bot_data[SERVICES_KEY].pool.shutdown(wait=False, cancel_futures=True)
    if conflict:
        raise PollingConflict(
            "another quotebot (or another program) is already polling with this token; Telegram allows one "
            "poller per bot — stop the other one, or use webhook mode to run several workers"
        )
