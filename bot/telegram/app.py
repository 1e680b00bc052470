"""Building the python-telegram-bot Application and serving it, by long polling or a webhook, until a stop.

python-telegram-bot's Updater confirms updates to Telegram as soon as it has fetched them and
queues them without bound; quotebot fetches them itself (polling.py, webhook.py) into a journaled,
bounded intake (intake.py) and hands each to `Application.process_update`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
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
from bot.answers.example import ExampleChoice
from bot.ops.metrics import Metrics
from bot.ops.settings import Settings
from bot.querylog import QueryLog
from bot.telegram import handlers, moderation, source_intake
from bot.telegram.conversations import ConversationStore
from bot.telegram.intake import UpdateIntake
from bot.telegram.intake_journal import INTAKE_DIR_NAME, UpdateJournal
from bot.telegram.polling import Poller, PollingConflict
from bot.telegram.ratelimit import ReaderRateLimit
from bot.telegram.reachability import TelegramReachability
from bot.telegram.retries import RetryingRateLimiter
from bot.telegram.services import SERVICES_KEY, BotServices
from bot.telegram.webhook import MAX_CONNECTIONS, Webhook, start_webhook_server
from retrieval.engine import AnswerEngine

__all__ = ["PollingConflict", "Webhook", "build_application", "serve_until_stopped"]

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
MAX_START_DELAY = 30.0
# At a stop, the updates in hand get this long to be answered; the rest wait in the journal.
STOP_GRACE_SECONDS = 3.0
# Conversation writes still on their way get this long at a stop (a database outage must not hold up the exit).
CONVERSATIONS_CLOSE_SECONDS = 1.0
# In webhook mode nothing else asks Telegram anything while readers are quiet, so this keeps reachability fresh.
WEBHOOK_HEARTBEAT_SECONDS = 30.0


def build_application(
    settings: Settings,
    engine: AnswerEngine,
    query_log: QueryLog,
    metrics: Metrics,
) -> QuotebotApplication:
    """The Application with every handler registered; nothing is sent to Telegram until it starts."""
    reachability = TelegramReachability()
    application = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.base_url)
        .base_file_url(file_url(settings.base_url))
        .rate_limiter(RetryingRateLimiter(reachability, settings.send_rate))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .updater(None)
        .build()
    )
    bot_services = BotServices(
        engine=engine,
        query_log=query_log,
        metrics=metrics,
        rate_limit=ReaderRateLimit(settings.rate_limit_per_minute),
        conversations=ConversationStore(query_log.pseudonyms, query_log.engine),
        moderator_ids=settings.moderator_ids,
        web_url=settings.web_url,
        reachability=reachability,
        examples=ExampleChoice(settings.example_question),
    )
    # Decided now, before the moderators' lessons are taught: the example is one the engine answers itself.
    bot_services.example()
    application.bot_data[SERVICES_KEY] = bot_services
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
    reachability = application.bot_data[SERVICES_KEY].reachability
    delay = 1.0
    while not stop.is_set():
        started = reachability.now()
        try:
            await application.initialize()
            reachability.answered(started)
            return True
        except NetworkError as error:
            reachability.failed()
            logger.warning("Cannot reach the Telegram Bot API (%s); retrying in %.0f s", error, delay)
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            delay = min(delay * 2, MAX_START_DELAY)
    return False


async def serve_until_stopped(
    application: QuotebotApplication,
    stop: asyncio.Event,
    data_dir: Path,
    webhook: Webhook | None = None,
    check_alone: bool = True,
) -> None:
    """Receive updates (long polling, or a webhook when given) and answer them until `stop` is set.

    Updates are journaled under `data_dir` before Telegram learns they arrived; those a stop
    leaves unanswered are answered at the next start. A long poller that finds another one
    already running on the token raises PollingConflict (`check_alone=False` skips that second
    of checking, for tests).
    """
    bot_services: BotServices = application.bot_data[SERVICES_KEY]
    if not await initialize_with_retry(application, stop):
        return
    journal = UpdateJournal(data_dir / INTAKE_DIR_NAME)
    journal.open()
    bot_services.metrics.journaled_updates.set_function(journal.pending_count)
    intake = UpdateIntake(application, journal, bot_services.metrics, bot_services.update_record_ids)
    poller = None if webhook else Poller(application.bot, intake, bot_services.reachability, bot_services.metrics)
    try:
        await application.start()
        receiving = asyncio.create_task(
            _receive_webhook(application, intake, webhook) if webhook else _poll(application, poller, check_alone)
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (receiving, stopping):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
        left = await intake.stop(STOP_GRACE_SECONDS)
        if poller is not None:
            await poller.confirm()
        _log_stop(bot_services.reachability, left, journal)
        with contextlib.suppress(asyncio.CancelledError):
            await receiving
    finally:
        journal.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot_services.conversations.close(), timeout=CONVERSATIONS_CLOSE_SECONDS)
        if application.running:
            await application.stop()
        await application.shutdown()
        bot_services.pool.shutdown(wait=False, cancel_futures=True)


async def _poll(application: QuotebotApplication, poller: Poller | None, check_alone: bool) -> None:
    assert poller is not None
    await application.bot.delete_webhook()
    if check_alone:
        await poller.check_alone()
    await register_commands(application)
    logger.info("quotebot is polling as @%s", application.bot.username)
    await poller.poll_forever()


async def _receive_webhook(application: QuotebotApplication, intake: UpdateIntake, webhook: Webhook) -> None:
    server = start_webhook_server(webhook, intake)
    try:
        await application.bot.set_webhook(
            url=webhook.url,
            secret_token=webhook.secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=MAX_CONNECTIONS,
        )
        await register_commands(application)
        logger.info("quotebot receives updates for @%s on port %d", application.bot.username, webhook.port)
        while True:
            await asyncio.sleep(WEBHOOK_HEARTBEAT_SECONDS)
            with contextlib.suppress(TelegramError):
                await application.bot.get_webhook_info()
    finally:
        server.stop()


def _log_stop(reachability: TelegramReachability, left: int, journal: UpdateJournal) -> None:
    """One line, whatever state Telegram and the journal are in."""
    waiting = f"; {left} update(s) wait in {journal.directory} for the next start" if left else ""
    if reachability.unreachable_since is not None:
        since = datetime.fromtimestamp(reachability.unreachable_since, UTC).isoformat(timespec="seconds")
        logger.warning("quotebot stopped while the Telegram Bot API was unreachable (since %s)%s", since, waiting)
    else:
        logger.info("quotebot stopped%s", waiting)
