"""Running quotebot's real Application against the emulator, the way `quotebot run` does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application

from bot.settings import Settings
from bot.telegram.app import build_application, poll_until_stopped
from retrieval.engine import AnswerEngine
from tests.conftest import SEEDS
from tests.telegram_emulator import TelegramEmulator


@asynccontextmanager
async def polling_quotebot(
    emulator: TelegramEmulator, engine: AnswerEngine, rate_limit: int = 20
) -> AsyncIterator[Application]:
    """Start polling, wait until the bot is listening, and stop it cleanly afterwards."""
    settings = Settings(
        corpus=SEEDS, token=emulator.token, base_url=emulator.base_url, rate_limit_per_minute=rate_limit
    )
    application = build_application(settings, engine)
    stop = asyncio.Event()
    task = asyncio.create_task(poll_until_stopped(application, stop))
    await emulator.wait_for("setMyCommands")
    await emulator.wait_for_long_poll()
    try:
        yield application
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
