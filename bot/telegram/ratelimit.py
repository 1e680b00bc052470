"""A per-reader sliding-window limit, so one reader cannot monopolise the bot."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class ReaderRateLimit:
    """Allows `per_minute` questions per reader in any 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def allow(self, reader_id: int) -> bool:
        """Record a question and say whether it may be answered."""
        now = self._clock()
        times = self._asked.setdefault(reader_id, deque())
        while times and now - times[0] >= WINDOW_SECONDS:
            times.popleft()
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        self._warned.discard(reader_id)
        if len(self._asked) > 10_000:
            self._forget_idle(now)
        return True

    def should_warn(self, reader_id: int) -> bool:
        """True once per limited stretch, so a reader hammering the bot is not answered with spam."""
        if reader_id in self._warned:
            return False
        self._warned.add(reader_id)
        return True

    def retry_after(self, reader_id: int) -> int:
        """Whole seconds until the reader's oldest question leaves the window."""
        times = self._asked.get(reader_id)
        if not times:
            return 0
        return max(1, round(WINDOW_SECONDS - (self._clock() - times[0])))

    def _forget_idle(self, now: float) -> None:
        idle = [reader for reader, times in self._asked.items() if not times or now - times[-1] >= WINDOW_SECONDS]
        for reader in idle:
            del self._asked[reader]
            self._warned.discard(reader)
