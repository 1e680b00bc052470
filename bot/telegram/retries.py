"""Requests to Telegram that survive a bad moment: flood limits, 5xx answers and dropped connections."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter

from bot.telegram.reachability import TelegramReachability

logger = logging.getLogger(__name__)
# A reply is tried this many times, waiting 0.5 s, 1 s, 2 s, ... up to 8 s in between (about 30 s in all).
ATTEMPTS = 7
FIRST_DELAY = 0.5
MAX_DELAY = 8.0


def retried(error: TelegramError) -> bool:
    """A 5xx answer or a connection that failed (refused, reset, dropped): Telegram never took the request.

    Timeouts are not retried: Telegram may have taken a request it answered too slowly, and a
    reply sent twice is worse than one sent late. Errors Telegram answered (400, 403, ...) are final.
    """
    return type(error) is NetworkError


class RetryingRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter (Telegram's flood limits, 429 retried after its retry_after),
    which also retries what `retried` allows with backoff and tells `reachability` how Telegram did."""

    def __init__(
        self, reachability: TelegramReachability, messages_per_second: float, attempts: int = ATTEMPTS
    ) -> None:
        super().__init__(overall_max_rate=messages_per_second, max_retries=3)
        self._reachability = reachability
        self._attempts = attempts

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        delay, attempt = FIRST_DELAY, 1
        while True:
            started = self._reachability.now()
            try:
                result = await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except TelegramError as error:
                if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
                    self._reachability.failed()
                else:
                    self._reachability.answered(started)
                if not retried(error) or attempt == self._attempts:
                    raise
                logger.warning("%s failed (%s); trying again in %.1f s", endpoint, error, delay)
                await asyncio.sleep(delay)
                delay, attempt = min(2 * delay, MAX_DELAY), attempt + 1
            else:
                self._reachability.answered(started)
                return result
