"""Running the bot as a service: query log, health and metrics port, Telegram updates, and clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime

from bot.ops.engine_build import build_engine
from bot.ops.health import HealthReport, start_health_server
from bot.ops.metrics import Metrics
from bot.ops.reload import CorpusReloader
from bot.ops.settings import Settings
from bot.querylog import LogSettings, QueryLog
from bot.querylog.pseudonym import load_or_create_secret
from bot.querylog.taught_sync import TaughtSync
from bot.telegram.app import Webhook, build_application, serve_until_stopped
from bot.telegram.reachability import TelegramReachability
from bot.telegram.services import SERVICES_KEY, BotServices
from corpus.manifest import CorpusManifest
from retrieval.engine import AnswerEngine

logger = logging.getLogger(__name__)
# With the intake's grace (3 s), a stop stays well inside Docker's 10 s; unwritten records wait on disk.
LOG_CLOSE_SECONDS = 3.0


def run_bot(
    settings: Settings,
    log_settings: LogSettings,
    engine: AnswerEngine,
    webhook: Webhook | None,
    baseline: CorpusManifest | None = None,
) -> None:
    """Block until SIGINT or SIGTERM, then stop Telegram, flush the query log and return.

    `baseline` is the corpus folder as scanned before `engine` was built (bot.ops.reload.baseline_scan).
    """
    asyncio.run(_serve(settings, log_settings, engine, webhook, baseline))


async def _serve(
    settings: Settings,
    log_settings: LogSettings,
    engine: AnswerEngine,
    webhook: Webhook | None,
    baseline: CorpusManifest | None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    metrics = Metrics()
    metrics.corpus_passages.set(len(engine.corpus.passages))
    query_log = await QueryLog.start(log_settings)
    metrics.log_buffer.set_function(query_log.pending_ops)
    application = build_application(settings, engine, query_log, metrics)
    bot_services: BotServices = application.bot_data[SERVICES_KEY]
    lessons = TaughtSync(query_log.engine, lambda: bot_services.engine)
    await lessons.start()

    def swap(new: AnswerEngine) -> None:
        """The new engine knows the lessons before it answers its first question (and its example question,
        decided before them, is one it answers itself)."""
        bot_services.examples.over(new)
        new.teach(lessons.current_lessons)
        bot_services.engine = new
        metrics.corpus_passages.set(len(new.corpus.passages))

    bot_services.reloader = CorpusReloader(engine, build_engine, on_swap=swap, baseline=baseline)
    bot_services.reloader.start(watch=settings.watch_corpus)
    loop.add_signal_handler(signal.SIGHUP, bot_services.reloader.request, "SIGHUP")
    health = None
    try:
        if settings.metrics_port:
            health = start_health_server(
                metrics,
                lambda: health_report(
                    bot_services.engine, query_log, bot_services.reachability, settings.telegram_grace_seconds
                ),
                settings.metrics_port,
                settings.metrics_host,
            )
            logger.info("health and metrics on %s (/healthz, /metrics)", settings.metrics_url)
        await serve_until_stopped(application, stop, log_settings.data_dir, webhook)
    finally:
        if health:
            health.stop()
        bot_services.reloader.stop()
        await lessons.stop()
        await query_log.close(timeout=LOG_CLOSE_SECONDS)


def held_secrets(settings: Settings, log_settings: LogSettings) -> list[str]:
    """Every secret this process holds, for the log formatter to blank out wherever it appears.

    The log secret is read (or generated) here, as the query log will, so a generated one is on
    the list too.
    """
    url = log_settings.database_url
    query_password = url.query.get("password")
    held = [
        settings.token,
        (settings.token or "").partition(":")[2],
        settings.webhook_secret,
        load_or_create_secret(log_settings.data_dir, log_settings.secret).decode(),
        url.password,
        query_password if isinstance(query_password, str) else None,
    ]
    return [secret for secret in held if secret]


def health_report(
    engine: AnswerEngine,
    query_log: QueryLog,
    reachability: TelegramReachability,
    telegram_grace_seconds: float,
) -> HealthReport:
    """Healthy while the corpus is indexed and the query log still accepts records; degraded once
    the Telegram Bot API has been unreachable for longer than the grace period."""
    passages = len(engine.corpus.passages)
    accepting = query_log.accepting()
    details: dict[str, object] = {
        "passages": passages,
        "log_pending": query_log.pending_ops(),
        "log_accepting": accepting,
        "semantic": engine.semantic_status,
    }
    since = reachability.unreachable_since
    details["telegram"] = "ok" if since is None else f"unreachable since {_iso(since)}"
    degraded = reachability.unreachable_for() > telegram_grace_seconds
    status = "unhealthy" if not (passages > 0 and accepting) else "degraded" if degraded else "ok"
    return HealthReport(status == "ok", details, status)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
