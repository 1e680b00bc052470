"""The searchable form of a corpus, saved once and mapped by every later start: no source file is read again.

Saved next to the corpus in `.quotebot-index/` (hidden, so the corpus loader never reads it). Each build is
a folder of plain arrays (`retrieval.array_store`) that is written once and never changed; the file
`CURRENT` names the build in use, and is replaced atomically when a new build is complete, so a worker
that still maps an older build keeps reading it undisturbed. A build holds:

- BM25 (`bm25.*`): postings, counts, idf and bounds, the stemmed vocabulary (which is also the query
  expander's vocabulary);
- the corpus (`corpus.*`): documents with their metadata and text, passages, sentence spans;
- content words with their counts (`words.*`, for typo correction) and in how many passages each
  character gram occurs (`grams.*`, for the second stage's gram weights);
- in its manifest: the settings fingerprint (format, tokeniser, BM25 parameters and the code that reads
  and splits the corpus), the per-file corpus manifest (`corpus.manifest`) and the load warnings.

Start-up reuses the build when the settings match and a scan of the corpus (sizes and mtimes, content
hashes only for files that differ) finds no change; otherwise it reads the corpus, builds, and saves when
the index folder exists. A damaged build is rebuilt with a warning; nothing here ever stops the bot.
Other files in the folder (such as a semantic stage's vectors) are left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from corpus.loader import Corpus, load_corpus
from corpus.manifest import CorpusManifest
from retrieval.array_store import IndexFileError, open_arrays, read_meta, write_arrays
from retrieval.bm25_index import FORMAT_VERSION as BM25_FORMAT_VERSION
from retrieval.bm25_index import BM25Index
from retrieval.char_grams import passage_grams
from retrieval.parallel import parallel_imap
from retrieval.progress import Progress
from retrieval.saved_corpus import corpus_arrays, passage_sentences, passage_texts, saved_corpus
from retrieval.string_table import CountTable
from retrieval.tokens import STOPWORDS, TOKENIZER_VERSION, stem, words

logger = logging.getLogger(__name__)

FORMAT_VERSION = "4"
INDEX_DIRECTORY = ".quotebot-index"
CURRENT = "CURRENT"
BUILD_PREFIX = "build-"
K1, B, EPSILON = 1.5, 0.75, 0.25
# What earlier versions saved; found, they are removed and the index rebuilt.
_OLD_FORMAT_FILES = ("bm25.npz", "words.json")
# Besides every module of `corpus`, the files of `retrieval` whose code or data decide what is saved: a
# change to any of them makes saved builds stale.
_CODE = ("tokens.py", "char_grams.py", "saved_corpus.py", "data/stopwords_en.txt")


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """BM25 over the passages' terms, how often each content word occurs, and how many passages hold each gram."""

    bm25: BM25Index
    word_counts: CountTable
    gram_counts: CountTable

    @classmethod
    def build(cls, texts: Sequence[str], sentences: Sequence[Sequence[tuple[int, int]]] | None = None) -> SearchIndex:
        """Tokenise every passage once, a tenth of them at a time on every core: stems feed BM25, words the
        vocabulary, grams their counts."""
        progress = Progress(len(texts), "indexing")
        parts = [range(start, min(start + progress.step, len(texts))) for start in range(0, len(texts), progress.step)]
        tokenized: list[list[str]] = []
        word_counts: Counter[str] = Counter()
        gram_counts: Counter[str] = Counter()
        for part_tokens, part_words, part_grams in parallel_imap(partial(_tokenise, texts, sentences), parts):
            tokenized += part_tokens
            word_counts.update(part_words)
            gram_counts.update(part_grams)
            progress.advance(len(part_tokens))
        bm25 = BM25Index(tokenized, k1=K1, b=B, epsilon=EPSILON)
        return cls(bm25, CountTable.build(word_counts), CountTable.build(gram_counts))

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.bm25.arrays(), **self.word_counts.arrays("words"), **self.gram_counts.arrays("grams")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> SearchIndex:
        """The index saved by `arrays()`; IndexFileError when the arrays do not fit together."""
        bm25 = BM25Index.from_arrays(arrays, meta)
        try:
            return cls(bm25, CountTable.from_arrays(arrays, "words"), CountTable.from_arrays(arrays, "grams"))
        except (KeyError, ValueError) as error:
            raise IndexFileError(f"the saved word and gram counts do not fit together: {error}") from error


def _tokenise(
    texts: Sequence[str], sentences: Sequence[Sequence[tuple[int, int]]] | None, part: range
) -> tuple[list[list[str]], Counter[str], Counter[str]]:
    """The stems of each passage in `part`, and the counts of their content words and grams."""
    tokenized: list[list[str]] = []
    word_counts: Counter[str] = Counter()
    gram_counts: Counter[str] = Counter()
    for number in part:
        content = [word for word in words(texts[number]) if word not in STOPWORDS]
        word_counts.update(content)
        gram_counts.update(passage_grams(texts[number], sentences[number] if sentences is not None else None))
        tokenized.append([stem(word) for word in content])
    return tokenized, word_counts, gram_counts


@dataclass(frozen=True, slots=True)
class SavedIndex:
    """A build opened from disk: the corpus and index it holds, and the corpus manifest it was built from."""

    corpus: Corpus
    index: SearchIndex
    manifest: CorpusManifest
    build: Path


def index_directory(corpus_root: Path) -> Path:
    """`.quotebot-index/` inside a corpus folder, or beside a single-file corpus."""
    if corpus_root.is_dir():
        return corpus_root / INDEX_DIRECTORY
    return corpus_root.parent / f"{INDEX_DIRECTORY}-{corpus_root.name}"


def load_or_build(corpus_root: Path, save: bool = True, previous: Corpus | None = None) -> tuple[Corpus, SearchIndex]:
    """The corpus and its index: the saved build when the corpus is unchanged, else read and built (and saved).

    A reload passes the corpus it had as `previous`, so only new and changed files are read again.
    Raises CorpusError when the corpus has to be read and nothing in it can be loaded.
    """
    directory = index_directory(corpus_root)
    try:
        saved = open_index(directory, corpus_root)
    except IndexFileError as error:
        logger.warning("the saved index in %s is damaged (%s); rebuilding it", directory, error)
        saved = None
    manifest = CorpusManifest.scan(corpus_root, previous=saved.manifest if saved else None)
    if saved is not None and saved.manifest.changes(manifest).unchanged:
        return saved.corpus, saved.index
    corpus = load_corpus(corpus_root, previous=previous)
    texts = passage_texts(corpus.passages)
    sentences = [passage_sentences(text) for text in texts]
    index = SearchIndex.build(texts, sentences)
    if save:
        try:
            save_index(directory, corpus, index, sentences, manifest)
        except OSError as error:
            logger.warning("could not save the index to %s (%s); it is rebuilt at every start", directory, error)
    return corpus, index


def build_and_save(corpus_root: Path) -> tuple[Corpus, SearchIndex, Path]:
    """Read the corpus, build its index and save it (`quotebot index`); OSError when it cannot be saved."""
    manifest = CorpusManifest.scan(corpus_root)
    corpus = load_corpus(corpus_root)
    texts = passage_texts(corpus.passages)
    sentences = [passage_sentences(text) for text in texts]
    index = SearchIndex.build(texts, sentences)
    build = save_index(index_directory(corpus_root), corpus, index, sentences, manifest)
    return corpus, index, build


def save_index(
    directory: Path,
    corpus: Corpus,
    index: SearchIndex,
    sentences: Sequence[Sequence[tuple[int, int]]],
    manifest: CorpusManifest,
) -> Path:
    """Write a new build, point CURRENT at it, and remove the builds before it; the new build's folder."""
    directory.mkdir(parents=True, exist_ok=True)
    _remove_old_format(directory)
    build = directory / f"{BUILD_PREFIX}{time.time_ns():020d}-{os.getpid()}"
    meta = {
        **index.bm25.meta(settings_fingerprint()),
        "format": FORMAT_VERSION,
        "corpus.manifest": manifest.to_json(),
        "corpus.warnings": list(corpus.warnings),
    }
    try:
        write_arrays(build, {**index.arrays(), **corpus_arrays(corpus, sentences)}, meta)
        pointer = directory / f".{CURRENT}.{os.getpid()}.tmp"
        pointer.write_text(build.name + "\n", encoding="utf-8")
        os.replace(pointer, directory / CURRENT)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    for older in directory.glob(f"{BUILD_PREFIX}*"):
        if older.name < build.name:
            shutil.rmtree(older, ignore_errors=True)
    return build


def open_index(directory: Path, corpus_root: Path) -> SavedIndex | None:
    """The current build, mapped; None when there is none or it was made with other settings or code.

    An index in an older format is removed with one log line (and None returned). IndexFileError when the
    build is damaged.
    """
    if _remove_old_format(directory):
        logger.warning("the saved index in %s is in an older format; rebuilding it", directory)
    try:
        name = (directory / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise IndexFileError(f"cannot read {directory / CURRENT}: {error}") from error
    if not name.startswith(BUILD_PREFIX) or "/" in name:
        raise IndexFileError(f"{directory / CURRENT} does not name a build")
    build = directory / name
    meta = read_meta(build)
    if meta.get("format") != FORMAT_VERSION or meta.get("fingerprint") != settings_fingerprint():
        return None
    arrays = open_arrays(build)
    try:
        manifest = CorpusManifest.from_json(meta["corpus.manifest"])
        warnings = meta["corpus.warnings"]
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise ValueError("the load warnings are not a list of lines")
        corpus = saved_corpus(corpus_root, arrays, warnings)
    except (KeyError, ValueError) as error:
        raise IndexFileError(f"the saved corpus in {build} does not fit together: {error}") from error
    index = SearchIndex.from_arrays(arrays, meta)
    if len(index.bm25) != len(corpus.passages):
        raise IndexFileError(f"the saved index in {build} has {len(index.bm25)} BM25 rows for {len(corpus.passages)}")
    return SavedIndex(corpus, index, manifest, build)


@cache
def settings_fingerprint() -> str:
    """Changes whenever the format, the tokeniser, the BM25 parameters or the corpus-reading code change."""
    versions = f"{FORMAT_VERSION}|{BM25_FORMAT_VERSION}|{TOKENIZER_VERSION}|{K1}|{B}|{EPSILON}"
    digest = hashlib.sha256(versions.encode())
    package = resources.files("corpus")
    corpus_code = sorted(
        (entry for folder in (package, package.joinpath("formats")) for entry in folder.iterdir()),
        key=lambda entry: str(entry),
    )
    retrieval = resources.files("retrieval")
    for file in [*(e for e in corpus_code if e.name.endswith(".py")), *(retrieval.joinpath(n) for n in _CODE)]:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _remove_old_format(directory: Path) -> bool:
    """Delete the files an older version saved here; whether there were any."""
    found = False
    for name in _OLD_FORMAT_FILES:
        path = directory / name
        if path.exists():
            found = True
            with contextlib.suppress(OSError):
                path.unlink()
    return found
