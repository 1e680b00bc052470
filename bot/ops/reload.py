"""Keeping the engine in step with the corpus folder while the bot or the console runs.

A change in the folder (seen by watchfiles within about a second), SIGHUP or a moderator's /reload asks
for a reload. One background thread does it: a scan of the folder (sizes and mtimes; content hashes only
for files that moved, corpus.manifest) says whether anything changed; if so, only new and changed files
are read and split again, the index is rebuilt (or, when another worker already saved a build of this
folder, mapped), and the new engine replaces the old one in a single assignment. Until then the old
engine answers every question; a question already being answered finishes on the engine it started
with. Requests that arrive during a reload are folded into one more reload afterwards. A reload that
fails — the folder emptied, say — keeps the current engine and logs why: the bot never answers from a
half-built or empty index.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus import Corpus, CorpusError
from corpus.manifest import CorpusManifest
from retrieval.array_store import IndexFileError
from retrieval.engine import AnswerEngine
from retrieval.search_index import index_directory, open_index

logger = logging.getLogger(__name__)
# watchfiles waits this long for more changes before reporting a batch (a copy of many files is one reload).
DEBOUNCE_MS = 300
Build = Callable[[Path, Corpus], AnswerEngine]


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """What one reload did, in words a moderator or an operator can read."""

    changed: bool
    documents: int
    passages: int
    seconds: float
    added: int = 0
    updated: int = 0
    removed: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    # The new index was the one another worker on the folder had just built and saved, mapped, not built.
    shared: bool = False

    def summary(self) -> str:
        if self.error:
            return f"reload failed, still answering from the previous index: {self.error}"
        if not self.changed:
            return f"nothing changed: {self.documents} documents, {self.passages} passages"
        shared = " (the index another worker saved)" if self.shared else ""
        return (
            f"reloaded in {self.seconds:.1f} s{shared}: {self.documents} documents, {self.passages} passages "
            f"({self.added} files added, {self.updated} changed, {self.removed} removed)"
        )


class CorpusReloader:
    """Owns the current engine of one corpus and replaces it when the folder changes."""

    def __init__(
        self,
        engine: AnswerEngine,
        build: Build,
        on_swap: Callable[[AnswerEngine], None] = lambda engine: None,
        baseline: CorpusManifest | None = None,
    ) -> None:
        """`build(root, previous)` makes an engine; `on_swap` runs with each new engine before it answers.

        `baseline` is the folder as `baseline_scan` saw it just before `engine` was built, so a file that
        changed while it was being built (or since) is reloaded. Without one the folder is scanned here,
        and a change made between the build and now goes unseen until the next change.
        """
        self._engine = engine
        self._build = build
        self._on_swap = on_swap
        self._manifest = baseline if baseline is not None else baseline_scan(engine.corpus.root)
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._reloading = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def engine(self) -> AnswerEngine:
        """The engine to answer with now; read it once per question."""
        return self._engine

    def request(self, reason: str) -> None:
        """Ask for a reload soon (any thread, or a signal handler); requests made meanwhile are folded into one."""
        logger.debug("corpus reload requested: %s", reason)
        self._wanted.set()

    def start(self, watch: bool = True) -> None:
        """Reload when asked and, with `watch`, whenever the folder changes."""
        self._threads = [threading.Thread(target=self._reload_when_asked, name="corpus-reload", daemon=True)]
        if watch:
            self._threads.append(threading.Thread(target=self._watch, name="corpus-watch", daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wanted.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def reload_now(self) -> ReloadOutcome:
        """Reload at once in this thread (waiting for a reload in progress), and say what it did."""
        with self._reloading:
            self._wanted.clear()
            return self._reload()

    def _reload_when_asked(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping.is_set():
                return
            outcome = self.reload_now()
            if outcome.error:
                logger.warning("corpus: %s", outcome.summary())
            elif outcome.changed:
                logger.info("corpus %s", outcome.summary())

    def _reload(self) -> ReloadOutcome:
        started = time.perf_counter()
        current = self._engine.corpus
        after = CorpusManifest.scan(current.root, previous=self._manifest)
        changes = self._manifest.changes(after)
        if changes.unchanged:
            self._manifest = after
            return ReloadOutcome(False, len(current.documents), len(current.passages), _since(started))
        try:
            engine = self._build(current.root, current)
            self._on_swap(engine)
        except CorpusError as error:
            return self._failed(current, started, str(error))
        except Exception as error:
            logger.exception("corpus: building the new index failed")
            return self._failed(current, started, f"{type(error).__name__}: {error}")
        self._engine, self._manifest = engine, after
        known = set(current.warnings)
        fresh = tuple(warning for warning in engine.corpus.warnings if warning not in known)
        for warning in fresh:
            logger.warning("corpus: %s", warning)
        corpus = engine.corpus
        counts = len(changes.added), len(changes.modified), len(changes.removed)
        # A corpus read from the files knows what each file gave; one mapped from a saved build does not.
        shared = not corpus.files
        return ReloadOutcome(
            True, len(corpus.documents), len(corpus.passages), _since(started), *counts, fresh, shared=shared
        )

    def _failed(self, current: Corpus, started: float, error: str) -> ReloadOutcome:
        return ReloadOutcome(False, len(current.documents), len(current.passages), _since(started), error=error)

    def _watch(self) -> None:
        import watchfiles

        root = self._engine.corpus.root
        folder = root if root.is_dir() else root.parent
        only = None if root.is_dir() else root.name
        try:
            for changes in watchfiles.watch(
                folder,
                watch_filter=lambda change, path: _is_source_path(Path(path), folder, only),
                debounce=DEBOUNCE_MS,
                stop_event=self._stopping,
                raise_interrupt=False,
            ):
                self.request(f"{len(changes)} change(s) in {folder}")
        except (OSError, RuntimeError) as error:
            logger.warning("cannot watch %s for changes (%s); send SIGHUP or /reload after changing it", folder, error)


def baseline_scan(root: Path) -> CorpusManifest:
    """The folder now (hashing only files that moved since the saved build, if any): taken before an engine
    is built, what that engine's first reload compares with."""
    try:
        saved = open_index(index_directory(root), root)
    except IndexFileError:
        saved = None
    return CorpusManifest.scan(root, previous=saved.manifest if saved else None)


def _is_source_path(path: Path, folder: Path, only: str | None) -> bool:
    """Hidden files and folders (the saved index, half-written files) are not the corpus's business."""
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        return False
    if only is not None:
        return parts == (only,)
    return bool(parts) and not any(part.startswith(".") for part in parts)


def _since(started: float) -> float:
    return time.perf_counter() - started
