"""Passage vectors kept on disk by the hash of the passage's text, so each text is embedded once per model.

Embedding costs 30-170 ms a passage, far more than indexing it, so a vector is never computed twice: a
store is one `.npy` file of (text hash, float16 vector) rows sorted by hash, named after the model and
its version (another model's vectors are another file, and never read for this one). A re-index finds
the vectors of unchanged passages by hash and embeds only new and changed ones. The saved index keeps
its store in its own folder (pruned to the passages it has); a corpus without a saved index, and the
evaluation sets, use one shared store in the user's cache folder. The file is replaced atomically, so a
reader never sees half of one; a damaged or foreign file counts as empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import platformdirs

from retrieval.semantic import Embedder

logger = logging.getLogger(__name__)

HASH_BYTES = 16
# Passages embedded per call, so progress can be told and a stop loses little.
CHUNK = 64


def text_hashes(texts: Sequence[str]) -> np.ndarray:
    """Each text's BLAKE2b digest, as the store's keys."""
    return np.array(
        [hashlib.blake2b(text.encode("utf-8"), digest_size=HASH_BYTES).digest() for text in texts],
        dtype=f"S{HASH_BYTES}",
    )


class VectorStore:
    """The vectors one model made, by text hash, in one file of `directory`.

    `questions`: a store of question vectors instead (made with the model's question prefix), so that
    evaluations asking the same questions again, in every configuration of the ablation, embed each once.
    """

    def __init__(self, directory: Path, embedder: Embedder, questions: bool = False) -> None:
        self.embedder = embedder
        self._embed = embedder.embed_questions if questions else embedder.embed_passages
        slug = re.sub(r"[^A-Za-z0-9.]+", "-", f"{embedder.name}-{embedder.version}")
        self.path = directory / f"{'questions' if questions else 'vectors'}-{slug}.npy"
        self._rows = self._read()

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, vectors): whether each hash is stored, and its float32 vector (zeros where not found)."""
        dim = self._rows.dtype["vector"].shape[0] if len(self._rows) else 0
        keys = self._rows["hash"]
        where = np.searchsorted(keys, hashes) if len(keys) else np.zeros(len(hashes), dtype=np.int64)
        found = (where < len(keys)) & (keys[np.minimum(where, len(keys) - 1)] == hashes) if len(keys) else where < 0
        vectors = np.zeros((len(hashes), dim), dtype=np.float32)
        if found.any():
            vectors[found] = self._rows["vector"][where[found]]
        return found, vectors

    def vectors_for(
        self,
        texts: Sequence[str],
        keep_only: bool = False,
        on_progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> np.ndarray:
        """Every text's vector (float32, one row per text), embedding and storing the ones not yet stored.

        With `keep_only`, the file is left holding these texts' vectors alone (a saved index's store).
        Progress is reported as (embedded so far, to embed) after each chunk.
        """
        hashes = text_hashes(texts)
        found, _ = self.lookup(hashes)
        missing = np.flatnonzero(~found)
        for start in range(0, len(missing), CHUNK):
            part = missing[start : start + CHUNK]
            self._add(hashes[part], self._embed([texts[i] for i in part]))
            on_progress(min(start + CHUNK, len(missing)), len(missing))
            self._save_quietly()
        if keep_only and len(self._rows) > len(np.unique(hashes)):
            self._rows = self._rows[np.isin(self._rows["hash"], hashes)]
            self._save_quietly()
        return self.lookup(hashes)[1]

    def _add(self, hashes: np.ndarray, vectors: np.ndarray) -> None:
        rows = np.zeros(len(hashes), dtype=_row_type(vectors.shape[1]))
        rows["hash"], rows["vector"] = hashes, vectors
        merged = np.concatenate([self._rows, rows]) if len(self._rows) else rows
        _, first = np.unique(merged["hash"], return_index=True)
        self._rows = merged[first]

    def _read(self) -> np.ndarray:
        empty = np.zeros(0, dtype=_row_type(0))
        try:
            rows: np.ndarray = np.load(self.path, allow_pickle=False)
        except FileNotFoundError:
            return empty
        except (OSError, ValueError, EOFError) as error:
            logger.warning("the saved passage vectors in %s are unreadable (%s); embedding again", self.path, error)
            return empty
        if rows.dtype.names != ("hash", "vector") or rows.dtype["hash"] != np.dtype(f"S{HASH_BYTES}"):
            logger.warning("%s holds no passage vectors; embedding again", self.path)
            return empty
        return rows

    def _save_quietly(self) -> None:
        """Write the store; a folder that refuses it only costs embedding again next time."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with temporary.open("wb") as file:
                np.save(file, self._rows, allow_pickle=False)
            os.replace(temporary, self.path)
        except OSError as error:
            logger.warning("could not save passage vectors to %s (%s)", self.path, error)
            with contextlib.suppress(OSError, UnboundLocalError):
                temporary.unlink()


def _row_type(dim: int) -> np.dtype:
    return np.dtype([("hash", f"S{HASH_BYTES}"), ("vector", np.float16, (dim,))])


def shared_store_directory() -> Path:
    """The user's cache folder (under XDG_CACHE_HOME): where corpora without a saved index keep their vectors."""
    return Path(platformdirs.user_cache_dir("quotebot", appauthor=False))
