"""The searchable form of a corpus — BM25 index plus the corpus vocabulary — built once, saved, reloaded.

Saved next to the corpus in `.quotebot-index/` (hidden, so the corpus loader never reads it): `bm25.npz`
(BM25Index's own versioned format) and `words.json` (word counts for query expansion, and in how many
passages each character gram occurs, for the second stage's gram weights). Both carry a
fingerprint of the passages and the tokeniser settings; a file with another fingerprint is stale and
rebuilt, a damaged one is rebuilt with a warning. Nothing here ever stops the bot from starting.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.model import Passage
from retrieval.bm25_index import BM25Index, IndexFileError
from retrieval.char_grams import passage_grams
from retrieval.progress import progress
from retrieval.tokens import STOPWORDS, TOKENIZER_VERSION, stem, words

logger = logging.getLogger(__name__)

FORMAT_VERSION = "2"
INDEX_DIRECTORY = ".quotebot-index"
K1, B, EPSILON = 1.5, 0.75, 0.25


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """BM25 over the passages' terms, how often each content word occurs, and how many passages hold each gram."""

    bm25: BM25Index
    word_counts: Mapping[str, int]
    gram_counts: Mapping[str, int]

    @classmethod
    def build(cls, texts: Sequence[str]) -> SearchIndex:
        """Tokenise every passage once: its stems feed BM25, its words the vocabulary, its grams their counts."""
        tokenized: list[list[str]] = []
        word_counts: Counter[str] = Counter()
        gram_counts: Counter[str] = Counter()
        for text in progress(texts, "indexing"):
            content = [word for word in words(text) if word not in STOPWORDS]
            word_counts.update(content)
            gram_counts.update(passage_grams(text))
            tokenized.append([stem(word) for word in content])
        return cls(BM25Index(tokenized, k1=K1, b=B, epsilon=EPSILON), word_counts, gram_counts)

    def save(self, directory: Path, fingerprint: str) -> None:
        """Write both files, each replaced only once complete."""
        directory.mkdir(parents=True, exist_ok=True)
        self.bm25.save(directory / "bm25.npz", fingerprint)
        payload = json.dumps(
            {"fingerprint": fingerprint, "words": self.word_counts, "grams": self.gram_counts}, ensure_ascii=False
        )
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".words-")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(payload)
        os.replace(temporary, directory / "words.json")

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> SearchIndex | None:
        """The saved index when it matches `fingerprint`; None when missing or stale; IndexFileError if damaged."""
        if not (directory / "bm25.npz").exists():
            return None
        bm25 = BM25Index.load(directory / "bm25.npz")
        if bm25.fingerprint != fingerprint:
            return None
        try:
            saved = json.loads((directory / "words.json").read_text(encoding="utf-8"))
            if saved["fingerprint"] != fingerprint:
                return None
            word_counts, gram_counts = saved["words"], saved["grams"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexFileError(f"words.json is unreadable ({error})") from error
        for counts in (word_counts, gram_counts):
            if not isinstance(counts, dict) or not all(isinstance(n, int) for n in counts.values()):
                raise IndexFileError("words.json does not hold word and gram counts")
        return cls(bm25, word_counts, gram_counts)


def index_directory(corpus_root: Path) -> Path:
    """`.quotebot-index/` inside a corpus folder, or beside a single-file corpus."""
    if corpus_root.is_dir():
        return corpus_root / INDEX_DIRECTORY
    return corpus_root.parent / f"{INDEX_DIRECTORY}-{corpus_root.name}"


def fingerprint(passages: Sequence[Passage]) -> str:
    """Changes whenever a passage, its id, the tokeniser or the BM25 parameters change."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}|{TOKENIZER_VERSION}|{K1}|{B}|{EPSILON}".encode())
    for passage in passages:
        digest.update(f"\x1e{passage.passage_id}\x1f{passage.text}".encode())
    return digest.hexdigest()


def load_or_build(passages: Sequence[Passage], directory: Path, save: bool = True) -> SearchIndex:
    """Reuse the saved index when it matches the passages; otherwise build it (and save it when allowed)."""
    expected = fingerprint(passages)
    try:
        index = SearchIndex.load(directory, expected)
    except IndexFileError as error:
        logger.warning("the saved index in %s is damaged (%s); rebuilding it", directory, error)
        index = None
    if index is not None:
        return index
    index = SearchIndex.build([passage.text for passage in passages])
    if save:
        try:
            index.save(directory, expected)
        except OSError as error:
            logger.warning("could not save the index to %s (%s); it is rebuilt at every start", directory, error)
    return index
