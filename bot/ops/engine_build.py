"""Making the answer engine for a corpus, sharing one saved index among every process that reads the folder.

When the corpus has a saved index folder (`quotebot index` made it), the build runs under an exclusive
lock on a file in that folder: the first process to take it reads the changed files, builds and saves,
and every other worker, waiting on the same lock, then finds the saved build matching the folder and
maps it without reading a file. N workers on one folder build once. The semantic stage's passage
vectors are kept in the same folder (retrieval/passage_vectors.py), so a rebuild embeds only new and
changed passages; a corpus without the folder keeps them in the shared store of the user's cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from corpus import Corpus
from retrieval.engine import AnswerEngine
from retrieval.passage_vectors import shared_store_directory
from retrieval.saved_corpus import passage_texts, saved_sentences
from retrieval.search_index import index_directory, load_or_build
from retrieval.semantic_stage import stage_for

LOCK_FILE = ".build.lock"


def build_engine(root: Path, previous: Corpus | None = None) -> AnswerEngine:
    """The engine over the corpus at `root`: the saved build when it matches, else read and built (and saved).

    `previous` is the corpus the caller had, so only files changed since are read again. CorpusError
    when nothing in the folder can be loaded.
    """
    directory = index_directory(root)
    if not directory.is_dir():
        corpus, index = load_or_build(root, save=False, previous=previous)
        semantic = stage_for(
            passage_texts(corpus.passages), shared_store_directory(), sentences=saved_sentences(corpus.passages)
        )
        return AnswerEngine(corpus, index=index, semantic=semantic)
    with build_lock(directory):
        corpus, index = load_or_build(root, save=True, previous=previous)
    semantic = stage_for(
        passage_texts(corpus.passages), directory, keep_only=True, sentences=saved_sentences(corpus.passages)
    )
    return AnswerEngine(corpus, index=index, semantic=semantic)


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
