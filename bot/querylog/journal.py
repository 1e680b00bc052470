"""The write-ahead journal: every op is in a local JSONL file before `submit` returns.

One `write` into the page cache costs microseconds and survives the process being killed, so a
reply is never held up and never outlives its record. Each process owns a directory (held with
flock) under `<data dir>/querylog-journal/`: `active.jsonl` takes appends; the writer seals it
into numbered segments, commits them to the database in batches and deletes them. Segments are
fsynced before their first database attempt, which bounds what a power cut (not a crash) can
lose. A process that finds a directory whose lock is free adopts it: its owner died, and its
segments are replayed (ops are idempotent, so a partly committed segment replays safely).
"""

import fcntl
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.querylog.ops import Op, decode
from bot.querylog.record_id import new_record_id

logger = logging.getLogger(__name__)

JOURNAL_DIR_NAME = "querylog-journal"
_ACTIVE = "active.jsonl"
_LOCK = "lock"
_SEGMENT_SUFFIX = ".jsonl"


@dataclass(slots=True)
class Segment:
    """A sealed journal file awaiting commit; `generation` changes when forget() rewrites it."""

    path: Path
    first_seq: int
    offset: int = 0
    generation: int = 0
    synced: bool = False


def _segment_files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.stem.isdigit() and path.suffix == _SEGMENT_SUFFIX)


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_ops(path: Path, offset: int, limit: int) -> tuple[list[Op], int, bool]:
    """Read up to `limit` ops from `offset`; return them, the next offset and whether the file ended.

    A line that does not decode is a torn write from a power cut; it is skipped with a warning
    (its text is not logged: it may hold a reader's question).
    """
    ops: list[Op] = []
    with path.open("rb") as journal_file:
        journal_file.seek(offset)
        while len(ops) < limit:
            line = journal_file.readline()
            if not line:
                return ops, journal_file.tell(), True
            try:
                ops.append(decode(line))
            except (ValueError, KeyError, TypeError):
                logger.warning("skipping an unreadable line (%d bytes) in %s", len(line), path)
        next_offset = journal_file.tell()
        at_end = not journal_file.read(1)
    return ops, next_offset, at_end


class Journal:
    """The write-ahead files of one process, plus the segments it adopted from dead processes."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._directory = root / "unopened"
        self._lock_fd = -1
        self._active_fd = -1
        self._active_first_seq: int | None = None
        self._next_number = 1
        self.segments: list[Segment] = []

    @property
    def directory(self) -> Path:
        """The directory this process owns."""
        return self._directory

    @property
    def active_first_seq(self) -> int | None:
        """Sequence number of the oldest op appended since the last seal, None when there is none."""
        return self._active_first_seq

    def open(self) -> None:
        """Create and lock this process's directory, then adopt what dead processes left behind."""
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = new_record_id()
        staging = self._root / f".new-{name}"
        staging.mkdir(mode=0o700)
        self._lock_fd = os.open(staging / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._directory = self._root / name
        staging.rename(self._directory)
        for other in sorted(self._root.iterdir()):
            if other != self._directory and not other.name.startswith("."):
                self._adopt(other)
        self._open_active()

    def _adopt(self, other: Path) -> None:
        try:
            lock_fd = os.open(other / _LOCK, os.O_RDWR)
        except (FileNotFoundError, NotADirectoryError):
            return
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            return
        try:
            leftovers = _segment_files(other)
            if (other / _ACTIVE).exists():
                leftovers.append(other / _ACTIVE)
            for leftover in leftovers:
                if leftover.stat().st_size:
                    self.segments.append(Segment(self._rename_to_next_segment(leftover), first_seq=0))
                else:
                    leftover.unlink()
            (other / _LOCK).unlink()
            other.rmdir()
            if leftovers:
                logger.info("adopted %d journal file(s) left by a stopped process", len(leftovers))
        except FileNotFoundError:
            pass
        finally:
            os.close(lock_fd)

    def _rename_to_next_segment(self, source: Path) -> Path:
        target = self._directory / f"{self._next_number:010d}{_SEGMENT_SUFFIX}"
        self._next_number += 1
        source.rename(target)
        return target

    def _open_active(self) -> None:
        self._active_fd = os.open(self._directory / _ACTIVE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, line: bytes, seq: int) -> None:
        """Append one encoded op; raises OSError when the disk refuses."""
        view = memoryview(line)
        while view:
            view = view[os.write(self._active_fd, view) :]
        if self._active_first_seq is None:
            self._active_first_seq = seq

    def seal(self) -> None:
        """Turn what was appended so far into a segment the writer can commit."""
        if self._active_first_seq is None:
            return
        os.close(self._active_fd)
        path = self._rename_to_next_segment(self._directory / _ACTIVE)
        self.segments.append(Segment(path, first_seq=self._active_first_seq))
        self._active_first_seq = None
        self._open_active()

    def sync(self, segment: Segment) -> None:
        """Make a segment survive a power cut (blocking: run it in a thread)."""
        _fsync_path(segment.path)
        _fsync_path(self._directory)
        segment.synced = True

    def finish(self, segment: Segment) -> None:
        """Delete a segment whose ops are all committed."""
        self.segments.remove(segment)
        segment.path.unlink()

    def remove_ops(self, unwanted: Callable[[Op], bool]) -> list[Op]:
        """Rewrite every file without the ops `unwanted` selects, and return those ops."""
        removed: list[Op] = []
        for segment in self.segments:
            if self._rewrite(segment.path, unwanted, removed):
                segment.offset = 0
                segment.generation += 1
        os.close(self._active_fd)
        try:
            self._rewrite(self._directory / _ACTIVE, unwanted, removed)
        finally:
            self._open_active()
        return removed

    def _rewrite(self, path: Path, unwanted: Callable[[Op], bool], removed: list[Op]) -> bool:
        kept = path.with_name(f".{path.name}.rewrite")
        removed_before = len(removed)
        with path.open("rb") as source, kept.open("wb") as target:
            for line in source:
                try:
                    op = decode(line)
                except (ValueError, KeyError, TypeError):
                    target.write(line)
                    continue
                if unwanted(op):
                    removed.append(op)
                else:
                    target.write(line)
            target.flush()
            os.fsync(target.fileno())
        if len(removed) == removed_before:
            kept.unlink()
            return False
        kept.replace(path)
        return True

    def close(self) -> None:
        """Flush to disk and release the lock; an empty journal leaves no directory behind."""
        for segment in self.segments:
            if not segment.synced:
                self.sync(segment)
        os.fsync(self._active_fd)
        os.close(self._active_fd)
        if self._active_first_seq is None and not self.segments:
            (self._directory / _ACTIVE).unlink()
            (self._directory / _LOCK).unlink()
            self._directory.rmdir()
        os.close(self._lock_fd)
