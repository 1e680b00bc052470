"""Batches of independent queries on every core: forked workers share the parent's mapped index and its caches.

Answering is Python-heavy, so threads would queue on the GIL; forked processes do not, and a fork copies
nothing up front — the index is a read-only mapping every worker already shares. `parallel_imap`'s results come
back in input order, chunk by chunk, so a caller can stream the first answers while later ones are still being
worked out; `parallel_map`, for a batch of quick items (BM25 queries), gives each core one share of them.
"""

from __future__ import annotations

import os
import pickle
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
    """`function` of each item, in order, the items cut into one contiguous share per core: this process maps
    the first share while a forked worker maps each other one and sends its results back in one pickle.

    For items that take a fraction of a millisecond each (BM25 queries), a pool's hand-off of every chunk,
    and this process idling while its workers work, cost more than the items: one fork and one pickle per
    core do not.
    """
    workers = min(worker_count(processes), len(items))
    if workers == 1 or len(items) < PARALLEL_FROM or not hasattr(os, "fork"):
        return list(map(function, items))
    bounds = [len(items) * share // workers for share in range(workers + 1)]
    children: list[tuple[int, int]] = []
    try:
        for share in range(1, workers):
            children.append(_fork_share(function, items[bounds[share] : bounds[share + 1]]))
        results = list(map(function, items[: bounds[1]]))
        while children:
            results.extend(_collected(*children.pop(0)))
    finally:
        for pid, pipe in children:
            os.close(pipe)
            os.waitpid(pid, 0)
    return results


def _fork_share(function: Callable[[Item], Result], share: Sequence[Item]) -> tuple[int, int]:
    """(pid, read end of its pipe) of a forked worker that maps `share` and writes back the pickled outcome:
    (True, results) or (False, the exception)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)
    try:
        try:
            outcome: tuple[bool, Any] = (True, list(map(function, share)))
        except Exception as error:
            outcome = (False, error)
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        # Never back into the caller's code: the worker's only job was this share.
        os._exit(0)


def _collected(pid: int, pipe: int) -> list[Any]:
    """The results a worker of `_fork_share` sent; its exception raised here."""
    with os.fdopen(pipe, "rb") as stream:
        data = stream.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"a forked worker (pid {pid}) ended without sending its results")
    succeeded, value = pickle.loads(data)
    if not succeeded:
        raise value
    results: list[Any] = value
    return results


def _apply(item: Any) -> Any:
    assert _work is not None, "a worker started without its function"
    return _work(item)
