"""Making the answer engine for a corpus, sharing one saved index among every process that reads the folder.

When the corpus has a saved index folder (`quotebot index` made it), the build runs under an exclusive
lock on a file in that folder: the first process to take it reads the changed files, builds and saves,
and every other worker, waiting on the same lock, then finds the saved build matching the folder and
maps it without reading a file. N workers on one folder build once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from corpus import Corpus
from retrieval.engine import AnswerEngine
from retrieval.search_index import index_directory, load_or_build

LOCK_FILE = ".build.lock"


def build_engine(root: Path, previous: Corpus | None = None) -> AnswerEngine:
    """The engine over the corpus at `root`: the saved build when it matches, else read and built (and saved).

    `previous` is the corpus the caller had, so only files changed since are read again. CorpusError
    when nothing in the folder can be loaded.
    """
    directory = index_directory(root)
    if not directory.is_dir():
        corpus, index = load_or_build(root, save=False, previous=previous)
        return AnswerEngine(corpus, index=index)
    with build_lock(directory):
        corpus, index = load_or_build(root, save=True, previous=previous)
    return AnswerEngine(corpus, index=index)


@contextlib.contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """Hold the folder's build lock (waiting for another process that holds it); without write access, no lock."""
    try:
        handle = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
