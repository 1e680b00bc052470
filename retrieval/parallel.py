"""Batches of independent queries on every core: forked workers share the parent's mapped index and its caches.

Answering is Python-heavy, so threads would queue on the GIL; forked processes do not, and a fork copies
nothing up front — the index is a read-only mapping every worker already shares. Results come back in input
order, chunk by chunk, so a caller can stream the first answers while later ones are still being worked out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Fewer items than this are answered in this process: starting workers would cost more than it saves.
PARALLEL_FROM = 64
# Items handed to a worker at a time: large enough to amortise the pickling, small enough to stream.
CHUNK = 16

# The function the forked workers apply; set just before the pool starts, inherited through fork.
_work: Callable[[Any], Any] | None = None


def worker_count(processes: int | None = None) -> int:
    """The cores this process may use, or `processes` when given."""
    if processes is not None:
        return max(1, processes)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parallel_imap(
    function: Callable[[Item], Result], items: Sequence[Item], processes: int | None = None
) -> Iterator[Result]:
    """`function` of each item, in order, computed by one forked worker per core when the batch is large enough."""
    import multiprocessing  # here: a process that never answers a batch starts without it

    workers = worker_count(processes)
    if workers == 1 or len(items) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, items)
        return
    # The first item is answered here, before the fork: it comes back at once, and whatever it loaded on
    # first use (word lists, caches) is inherited by every worker instead of loaded by each.
    yield function(items[0])
    global _work
    _work = function
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_apply, items[1:], chunksize=CHUNK)
    finally:
        _work = None


def parallel_map(
    function: Callable[[Item], Result], items: Sequence[Item], processes: int | None = None
) -> list[Result]:
    """`parallel_imap` collected into a list."""
    return list(parallel_imap(function, items, processes))


def _apply(item: Any) -> Any:
    assert _work is not None, "a worker started without its function"
    return _work(item)
