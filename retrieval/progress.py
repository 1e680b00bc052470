"""Progress over a long start-up: a bar on a terminal, a log line every tenth otherwise, nothing when quick."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from typing import TypeVar

from tqdm import tqdm

logger = logging.getLogger(__name__)
Item = TypeVar("Item")
# Below this many items indexing takes about a second, not worth a bar.
QUIET_BELOW = 5_000


def progress(items: Sequence[Item], description: str) -> Iterator[Item]:
    """Yield `items`, showing how far along the work is."""
    total = len(items)
    if total < QUIET_BELOW:
        yield from items
    elif sys.stderr.isatty():
        yield from tqdm(items, desc=description, unit=" passages", file=sys.stderr)
    else:
        step = total // 10
        for number, item in enumerate(items, start=1):
            yield item
            if number % step == 0 or number == total:
                logger.info("%s: %d/%d passages (%d%%)", description, number, total, 100 * number // total)
