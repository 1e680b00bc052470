"""Long polling that never loses an update: fetch only what there is room for, confirm only what is journaled.

Telegram forgets updates below the `offset` of the next getUpdates call, so each batch goes into
the intake journal before that call is made. Updates come back raw (python-telegram-bot's own
get_updates parses a whole batch at once and fails on one bad update, forever) and are parsed
one by one by the intake.

Telegram allows one poller per token: a newer getUpdates ends the older one with 409 Conflict.
A poller that has been running keeps polling when that happens; one that has just started
first long-polls for `ALONE_CHECK_SECONDS` without an offset, keeping nothing (so it confirms
nothing), and exits with PollingConflict if a running poller answers that with a Conflict.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.ops.metrics import Metrics
from bot.telegram.intake import UpdateIntake
from bot.telegram.reachability import TelegramReachability

logger = logging.getLogger(__name__)
# Long-poll for this many seconds per getUpdates call; a stop interrupts it.
POLL_TIMEOUT = 10
ALONE_CHECK_SECONDS = 1
MAX_BATCH = 100
FIRST_DELAY, MAX_DELAY = 1.0, 30.0
# How often a long-running outage or repeated conflict is logged again.
REPEAT_LOG_SECONDS = 60.0
ANOTHER_POLLER = (
    "another quotebot (or another program) is already polling with this token; Telegram allows one poller "
    "per bot — stop the other one, or use webhook mode to run several workers"
)
WEBHOOK_SET = "a webhook was set for this token while polling (another deployment in webhook mode?); stopping"
# Raw updates are fetched with do_api_request, which warns that get_updates exists; it parses too early for us.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


class PollingConflict(Exception):
    """Another process is polling with the same token (or a webhook took over); Telegram allows one."""


class Poller:
    """Fetches updates into the intake until stopped; `offset` confirms everything journaled so far."""

    def __init__(self, bot: Bot, intake: UpdateIntake, reachability: TelegramReachability, metrics: Metrics) -> None:
        self._bot = bot
        self._intake = intake
        self._reachability = reachability
        self._metrics = metrics
        self.offset: int | None = None
        self._last_logged = 0.0

    async def check_alone(self) -> None:
        """Raise PollingConflict if another poller answers our long poll with a Conflict.

        A flood limit is waited out (the check then goes on for its full time); any other failure
        leaves the question open and polling starts, which copes with failures itself.
        """
        deadline = time.monotonic() + ALONE_CHECK_SECONDS
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                found = await self._get_updates({"timeout": max(1, round(remaining)), "limit": 1})
            except Conflict as error:
                raise PollingConflict(_conflict_message(error)) from None
            except RetryAfter as error:
                self._metrics.observe_telegram_error(error)
                await asyncio.sleep(_seconds(error.retry_after))
                deadline += _seconds(error.retry_after)
                continue
            except InvalidToken:
                raise
            except TelegramError as error:
                self._metrics.observe_telegram_error(error)
                return
            if found:
                await asyncio.sleep(min(0.2, remaining))

    async def poll_forever(self) -> None:
        """Fetch, journal and queue updates, waiting out network failures with backoff."""
        delay = FIRST_DELAY
        while True:
            await self._intake.wait_for_room()
            limit = min(self._intake.room(), MAX_BATCH)
            if limit == 0:
                await asyncio.sleep(0.05)
                continue
            started = self._reachability.now()
            try:
                batch = await self._get_updates(
                    {
                        "offset": self.offset,
                        "limit": limit,
                        "timeout": POLL_TIMEOUT,
                        "allowed_updates": Update.ALL_TYPES,
                    }
                )
            except InvalidToken:
                raise
            except Conflict as error:
                self._metrics.observe_telegram_error(error)
                if "webhook" in str(error).lower():
                    raise PollingConflict(WEBHOOK_SET) from None
                self._log_now_and_then("another poller uses this token too (%s); polling on", error)
                await asyncio.sleep(0.1)
                continue
            except RetryAfter as error:
                self._metrics.observe_telegram_error(error)
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except TelegramError as error:
                self._metrics.observe_telegram_error(error)
                if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
                    self._reachability.failed()
                self._log_now_and_then("getUpdates failed (%s); retrying with backoff", error)
                await asyncio.sleep(delay)
                delay = min(2 * delay, MAX_DELAY)
                continue
            delay = FIRST_DELAY
            self._reachability.answered(started)
            try:
                for raw in batch:
                    await self._intake.accept(raw)
                    if isinstance(raw.get("update_id"), int):
                        self.offset = max(self.offset or 0, raw["update_id"] + 1)
            except OSError as error:
                self._log_now_and_then(
                    "cannot write the intake journal (%s); updates wait at Telegram until it can", error
                )
                await asyncio.sleep(delay)
                delay = min(2 * delay, MAX_DELAY)

    async def confirm(self) -> None:
        """Tell Telegram the last batch arrived (at a stop), so a restart does not fetch it again."""
        if self.offset is None or self._reachability.unreachable_since is not None:
            return
        try:
            await self._get_updates({"offset": self.offset, "limit": 1, "timeout": 0}, read_timeout=1.0)
        except TelegramError as error:
            logger.debug("could not confirm the last updates (%s); the next start skips them", error)

    async def _get_updates(self, parameters: dict[str, Any], read_timeout: float | None = None) -> list[Any]:
        wait = float(parameters.get("timeout", 0))
        result = await self._bot.do_api_request(
            "getUpdates",
            api_kwargs={key: value for key, value in parameters.items() if value is not None},
            read_timeout=read_timeout if read_timeout is not None else wait + 10.0,
        )
        return result if isinstance(result, list) else []

    def _log_now_and_then(self, message: str, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_logged >= REPEAT_LOG_SECONDS:
            self._last_logged = now
            logger.warning(message, error)


def _seconds(period: int | dt.timedelta) -> float:
    return period.total_seconds() if isinstance(period, dt.timedelta) else float(period)


def _conflict_message(error: Conflict) -> str:
    return WEBHOOK_SET if "webhook" in str(error).lower() else ANOTHER_POLLER
