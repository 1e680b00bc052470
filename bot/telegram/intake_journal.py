"""The intake journal: every update is on disk before Telegram is told the bot received it.

Telegram forgets an update once the bot confirms it (the next getUpdates offset, or a 200 to the
webhook POST), so an update only in memory dies with the process. Each update is appended here
first, with one `os.write` of a JSON line carrying the raw update and the record id its question
will get in the query log; a second line marks it done once it has been answered and logged. At
the next start, updates received but not done are answered first, with the same record ids, so a
replay never logs a question twice; the ids of recently finished updates are kept too, so an
update Telegram delivers again (the last batch before a crash was never confirmed) is not
answered twice.

Each process owns a directory under `<data dir>/telegram-updates/`, held with flock like the
query log's journal; a directory whose lock is free belonged to a process that stopped, and its
unfinished updates are adopted. A raw update holds the reader's name and message, so the file is
rewritten with only what is still needed as soon as nothing is pending (and at the latest when it
grows past a megabyte, under constant load), and at a stop. Lines reach the page cache, not the
disk: they survive the process being killed at any point; the file is fsynced at start and stop.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.querylog import new_record_id

logger = logging.getLogger(__name__)

INTAKE_DIR_NAME = "telegram-updates"
_FILE = "updates.jsonl"
_LOCK = "lock"
# Finished update ids kept for spotting redeliveries: far more than one getUpdates batch (100).
REMEMBERED_DONE = 1024
COMPACT_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class JournaledUpdate:
    """An update as Telegram sent it, and the query-log record id its question gets."""

    update_id: int
    raw: dict[str, Any]
    record_id: str


class UpdateJournal:
    """The received-but-not-done updates of this process, and the ids it finished lately."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._directory = root / "unopened"
        self._lock_fd = -1
        self._fd = -1
        self._written = 0
        self._pending: dict[int, JournaledUpdate] = {}
        self._done: deque[int] = deque(maxlen=REMEMBERED_DONE)
        self._done_set: set[int] = set()

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def pending(self) -> list[JournaledUpdate]:
        """Updates received and not done, oldest first: what a start answers before anything new."""
        return sorted(self._pending.values(), key=lambda update: update.update_id)

    def pending_count(self) -> int:
        return len(self._pending)

    def open(self) -> None:
        """Lock a directory of our own, adopt what stopped processes left, and write it down as ours."""
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = self._root / f".new-{new_record_id()}"
        staging.mkdir(mode=0o700)
        self._lock_fd = os.open(staging / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._directory = self._root / staging.name.removeprefix(".new-")
        staging.rename(self._directory)
        adopted = [(other, lock) for other in sorted(self._root.iterdir()) if (lock := self._adopt(other)) >= 0]
        self._rewrite()
        for other, lock in adopted:
            _remove_directory(other)
            os.close(lock)
        if self._pending:
            logger.info("%d update(s) received before the last stop are answered first", len(self._pending))

    def receive(self, raw: dict[str, Any]) -> JournaledUpdate | None:
        """Journal a new update; None when it is one this journal already has (a redelivery)."""
        update_id = raw["update_id"]
        if update_id in self._pending or update_id in self._done_set:
            return None
        update = JournaledUpdate(update_id, raw, new_record_id())
        self._append({"u": raw, "r": update.record_id})
        self._pending[update_id] = update
        return update

    def done(self, update_id: int) -> None:
        """Mark an update answered and logged; it will not be answered again."""
        if self._pending.pop(update_id, None) is None:
            return
        self._remember_done(update_id)
        try:
            self._append({"d": update_id})
            if not self._pending or self._written > COMPACT_BYTES:
                self._rewrite(sync=False)
        except OSError as error:
            logger.error(
                "cannot mark update %d done in the intake journal (%s); a restart may answer it again", update_id, error
            )

    def close(self) -> None:
        """Flush to disk and release the lock; the next start adopts what is left."""
        if self._fd < 0:
            return
        self._rewrite()
        os.close(self._fd)
        self._fd = -1
        os.close(self._lock_fd)

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view) :]
        self._written += len(line)

    def _remember_done(self, update_id: int) -> None:
        if len(self._done) == self._done.maxlen:
            self._done_set.discard(self._done[0])
        self._done.append(update_id)
        self._done_set.add(update_id)

    def _adopt(self, other: Path) -> int:
        """Read a stopped process's journal into ours and return its lock, held until it is removed;
        -1 when its owner still runs (or it is ours)."""
        if other == self._directory or other.name.startswith("."):
            return -1
        try:
            lock_fd = os.open(other / _LOCK, os.O_RDWR)
        except (FileNotFoundError, NotADirectoryError):
            return -1
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            return -1
        try:
            self._read(other / _FILE)
        except BaseException:
            os.close(lock_fd)
            raise
        return lock_fd

    def _read(self, path: Path) -> None:
        """Replay one journal file; a torn last line (a power cut) is skipped, never logged."""
        try:
            lines = path.read_bytes().splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            try:
                entry = json.loads(line)
                if "u" in entry:
                    update = JournaledUpdate(int(entry["u"]["update_id"]), entry["u"], str(entry["r"]))
                    if update.update_id not in self._done_set:
                        self._pending.setdefault(update.update_id, update)
                elif "d" in entry:
                    self._pending.pop(int(entry["d"]), None)
                    self._remember_done(int(entry["d"]))
                else:
                    for update_id in entry["s"]:
                        self._remember_done(int(update_id))
            except (ValueError, KeyError, TypeError):
                logger.warning("skipping an unreadable line (%d bytes) in %s", len(line), path)

    def _rewrite(self, sync: bool = True) -> None:
        """Replace our file with what is still needed: the finished ids to remember, the pending updates."""
        entries = [{"s": list(self._done)}, *({"u": u.raw, "r": u.record_id} for u in self.pending)]
        content = b"".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for e in entries)
        staging = self._directory / f".{_FILE}.rewrite"
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(descriptor, view) :]
            if sync:
                os.fsync(descriptor)
        finally:
            os.close(descriptor)
        staging.replace(self._directory / _FILE)
        if sync:
            _fsync_directory(self._directory)
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = os.open(self._directory / _FILE, os.O_WRONLY | os.O_APPEND)
        self._written = len(content)


def _remove_directory(directory: Path) -> None:
    for path in directory.iterdir():
        path.unlink()
    directory.rmdir()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
