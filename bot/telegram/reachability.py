"""Whether the Telegram Bot API answers, as the health endpoint reports it."""

from __future__ import annotations

import time
from collections.abc import Callable


class TelegramReachability:
    """Reachable until a request fails for the network's sake; unreachable since that first failure
    until the next request Telegram answers (an error answer counts: Telegram was there)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.unreachable_since: float | None = None

    def now(self) -> float:
        """When a request starts, to hand to `answered` once it is answered."""
        return self._clock()

    def answered(self, started: float) -> None:
        """A request started at `started` was answered; one sent before the latest failure proves nothing."""
        if self.unreachable_since is None or started >= self.unreachable_since:
            self.unreachable_since = None

    def failed(self) -> None:
        if self.unreachable_since is None:
            self.unreachable_since = self._clock()

    def unreachable_for(self) -> float:
        """Seconds since the Bot API stopped answering, 0 while it answers."""
        return 0.0 if self.unreachable_since is None else self._clock() - self.unreachable_since
