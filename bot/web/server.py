"""`quotebot web`: serve the moderators' inbox with uvicorn from its own process, on the bot's database."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn

from bot.ops.engine_build import build_engine
from bot.ops.reload import CorpusReloader
from bot.ops.settings import Settings
from bot.querylog.database_url import describe, describe_error
from bot.querylog.engine import create_log_engine
from bot.querylog.migrations import migrate
from bot.querylog.pseudonym import ReaderPseudonyms, load_or_create_secret
from bot.querylog.settings import LogSettings
from bot.querylog.taught_sync import TaughtSync
from bot.web.app import create_app
from bot.web.state import WebState
from corpus.manifest import CorpusManifest
from retrieval.engine import AnswerEngine

logger = logging.getLogger(__name__)


class WebStartError(Exception):
    """The inbox cannot start (its database does not answer); the message is safe to print."""


async def serve_web(
    settings: Settings, log_settings: LogSettings, engine: AnswerEngine, baseline: CorpusManifest | None = None
) -> None:
    """Run until SIGINT or SIGTERM (uvicorn handles both), then stop polling lessons and close the database.

    The inbox follows the corpus folder as the bot does (watchfiles, SIGHUP): a source a moderator adds
    shows on the corpus pages, and can be taught, without restarting the inbox. `baseline` is the folder as
    scanned before `engine` was built (bot.ops.reload.baseline_scan).
    """
    database = create_log_engine(log_settings.database_url)
    try:
        await migrate(database)
    except Exception as error:
        await database.dispose()
        raise WebStartError(
            f"cannot open the query log at {describe(log_settings.database_url)}: {describe_error(error)}"
        ) from None
    pseudonyms = ReaderPseudonyms(load_or_create_secret(log_settings.data_dir, log_settings.secret))
    if not settings.moderator_ids:
        logger.warning("MODERATOR_IDS is empty: nobody can log in to the inbox")
    lessons = TaughtSync(database, lambda: state.engine)
    state = WebState(
        database=database,
        engine=engine,
        pseudonyms=pseudonyms,
        moderators=frozenset(pseudonyms.of(user_id) for user_id in settings.moderator_ids),
        session_hours=settings.web_session_hours,
        secure_cookies=settings.web_url.startswith("https://"),
        lessons=lessons,
    )
    await lessons.start()

    def swap(new: AnswerEngine) -> None:
        """The new engine knows the lessons before the inbox shows what it would answer."""
        new.teach(lessons.current_lessons)
        state.engine = new

    reloader = CorpusReloader(engine, build_engine, on_swap=swap, baseline=baseline)
    reloader.start(watch=settings.watch_corpus)
    # No access log: the login URL carries a one-time token, and the pages' URLs readers' words.
    config = uvicorn.Config(
        create_app(state), host=settings.web_host, port=settings.web_port, log_config=None, access_log=False
    )
    logger.info(
        "moderators' inbox on http://%s:%d (links point to %s)", settings.web_host, settings.web_port, settings.web_url
    )
    # uvicorn stops gracefully on SIGINT and SIGTERM, then re-raises the signal into the handler it found;
    # an ignored one lets `quotebot web` exit 0 after a clean stop, like `quotebot run`.
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reloader.request, "SIGHUP")
    try:
        await uvicorn.Server(config).serve()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        reloader.stop()
        await lessons.stop()
        await database.dispose()


def run_web(
    settings: Settings, log_settings: LogSettings, engine: AnswerEngine, baseline: CorpusManifest | None = None
) -> None:
    """Block serving the inbox."""
    asyncio.run(serve_web(settings, log_settings, engine, baseline))
