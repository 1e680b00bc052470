"""Running quotebot's real Application against the emulator, the way `quotebot run` does."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from telegram.ext import Application

from bot.ops.metrics import Metrics
from bot.ops.settings import Settings
from bot.querylog import QueryLog
from bot.telegram.app import Webhook, build_application, serve_until_stopped
from retrieval.engine import AnswerEngine
from tests.conftest import SEEDS
from tests.telegram_emulator import TelegramEmulator


def bot_settings(emulator: TelegramEmulator, **changes: object) -> Settings:
    """Settings pointing at the emulator; keyword arguments override single fields."""
    return replace(Settings(corpus=SEEDS, token=emulator.token, base_url=emulator.base_url), **changes)


async def _port_open(port: int, timeout: float = 10) -> None:
    """python-telegram-bot calls setWebhook before its server listens; wait for the server too."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            writer.close()
            return


@asynccontextmanager
async def running_quotebot(
    emulator: TelegramEmulator,
    engine: AnswerEngine,
    query_log: QueryLog,
    settings: Settings | None = None,
    webhook: Webhook | None = None,
    data_dir: Path | None = None,
) -> AsyncIterator[Application]:
    """Start the bot, wait until it listens for updates, and stop it cleanly afterwards.

    Its intake journal goes in `data_dir`, else in a folder of its own that goes with it. The
    check for another poller (a second of waiting) is skipped: tests of it run `quotebot run`.
    """
    with contextlib.ExitStack() as cleanup:
        intake_dir = data_dir or Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        async with _serving(emulator, engine, query_log, settings, webhook, intake_dir) as application:
            yield application


@asynccontextmanager
async def _serving(
    emulator: TelegramEmulator,
    engine: AnswerEngine,
    query_log: QueryLog,
    settings: Settings | None,
    webhook: Webhook | None,
    data_dir: Path,
) -> AsyncIterator[Application]:
    application = build_application(settings or bot_settings(emulator), engine, query_log, Metrics())
    stop = asyncio.Event()
    task = asyncio.create_task(serve_until_stopped(application, stop, data_dir, webhook, check_alone=False))
    await emulator.wait_for("setMyCommands")
    if webhook is None:
        await emulator.wait_for_long_poll()
    else:
        await _port_open(webhook.port)
    try:
        yield application
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
