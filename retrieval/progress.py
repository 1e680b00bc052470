"""Progress over a long start-up: a bar on a terminal, a log line every tenth otherwise, nothing when quick."""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

logger = logging.getLogger(__name__)
# Below this many items indexing takes about a second, not worth a bar.
QUIET_BELOW = 5_000


class Progress:
    """How far along `total` passages the work is, told as parts of it are done."""

    def __init__(self, total: int, description: str) -> None:
        self._total = total
        self._description = description
        self._done = 0
        self._logged = 0
        self._bar = (
            tqdm(total=total, desc=description, unit=" passages", file=sys.stderr)
            if total >= QUIET_BELOW and sys.stderr.isatty()
            else None
        )

    @property
    def step(self) -> int:
        """A tenth of the work: the size of the parts worth reporting."""
        return max(1, self._total // 10)

    def advance(self, count: int) -> None:
        """`count` more passages are done."""
        self._done += count
        if self._bar is not None:
            self._bar.update(count)
            if self._done >= self._total:
                self._bar.close()
        elif self._total >= QUIET_BELOW and (self._done - self._logged >= self.step or self._done == self._total):
            self._logged = self._done
            percent = 100 * self._done // self._total
            logger.info("%s: %d/%d passages (%d%%)", self._description, self._done, self._total, percent)
