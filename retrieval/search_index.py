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
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from itertools import chain, count
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from corpus.loader import Corpus, load_corpus
from corpus.manifest import CorpusManifest
from retrieval.array_store import IndexFileError, open_arrays, read_meta, write_arrays
from retrieval.bm25_index import FORMAT_VERSION as BM25_FORMAT_VERSION
from retrieval.bm25_index import BM25Index
from retrieval.gram_counts import GramCounts, GramTally, passage_gram_counts
from retrieval.parallel import PARALLEL_FROM, parallel_imap
from retrieval.progress import Progress
from retrieval.saved_corpus import SentenceSpans, corpus_arrays, passage_sentences, passage_texts, saved_corpus
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
_CODE = ("tokens.py", "char_grams.py", "gram_counts.py", "saved_corpus.py", "data/stopwords_en.txt")
# Passages tokenised by one task: enough tasks for the worker pool to start (so a corpus of more than
# PARALLEL_FROM * MIN_PART passages is tokenised on every core), each large enough that sending its
# counts back costs little beside tokenising it.
MIN_PART, MAX_PART = 512, 4096


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """BM25 over the passages' terms, how often each content word occurs, and how many passages hold each gram."""

    bm25: BM25Index
    word_counts: CountTable
    gram_counts: CountTable

    @classmethod
    def build(cls, texts: Sequence[str]) -> SearchIndex:
        """The index of the passages `texts`."""
        return _build(texts)[0]

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


def _build(texts: Sequence[str]) -> tuple[SearchIndex, SentenceSpans]:
    """Tokenise every passage once, a run of passages at a time on every core: stems feed BM25, words the
    vocabulary, grams their counts; each passage's sentences, found there too, come back with them."""
    progress = Progress(len(texts), "indexing")
    size = min(MAX_PART, max(MIN_PART, -(-len(texts) // PARALLEL_FROM)))
    parts = [range(start, min(start + size, len(texts))) for start in range(0, len(texts), size)]
    # Term ids in order of first appearance over the whole corpus, as BM25Index numbers them.
    first_seen: defaultdict[str, int] = defaultdict(count().__next__)
    tokens: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    word_counts: Counter[str] = Counter()
    sentence_counts: list[np.ndarray] = []
    spans: list[np.ndarray] = []
    grams = GramTally()
    for part in parallel_imap(partial(_tokenise, texts), parts):
        ids = np.fromiter(map(first_seen.__getitem__, part.terms), dtype=np.int32, count=len(part.terms))
        tokens.append(ids[part.tokens])
        lengths.append(part.lengths)
        word_counts.update(part.word_counts)
        grams.add(part.gram_counts)
        sentence_counts.append(part.sentence_counts)
        spans.append(part.sentences)
        progress.advance(len(part.lengths))
    if not tokens:
        raise ValueError("an index needs at least one passage")
    bm25 = BM25Index.from_term_ids(list(first_seen), tokens, np.concatenate(lengths), k1=K1, b=B, epsilon=EPSILON)
    index = SearchIndex(bm25, CountTable.build(word_counts), CountTable.build(grams.counts()))
    return index, SentenceSpans(np.concatenate(sentence_counts), np.concatenate(spans))


class _TokenisedPart(NamedTuple):
    """A run of passages tokenised: its stems as ids into its own `terms`, its word and gram counts, and
    each passage's sentence spans (how many, then all of them one after another)."""

    terms: list[str]
    tokens: np.ndarray
    lengths: np.ndarray
    word_counts: Counter[str]
    gram_counts: GramCounts
    sentence_counts: np.ndarray
    sentences: np.ndarray


def _tokenise(texts: Sequence[str], part: range) -> _TokenisedPart:
    """The stems of each passage in `part` (terms numbered in order of first appearance), the counts of their
    content words, and in how many of them each gram occurs.

    Each passage's words become numbers in one dictionary look-up each; stop words are dropped, words
    counted and stemmed once per distinct word, for the whole run at once.
    """
    numbering: defaultdict[str, int] = defaultdict(count().__next__)
    numbers: list[int] = []
    word_lengths: list[int] = []
    passage_lines: list[list[str]] = []
    found: list[list[tuple[int, int]]] = []
    for number in part:
        text = texts[number]
        spans = passage_sentences(text)
        found.append(spans)
        sentence_words = [words(text[start:end]) for start, end in spans]
        passage_words = list(chain.from_iterable(sentence_words)) if _words_split_at(text, spans) else words(text)
        numbers += map(numbering.__getitem__, passage_words)
        word_lengths.append(len(passage_words))
        passage_lines.append([" ".join(sentence) for sentence in sentence_words])
    vocabulary = list(numbering)
    # Distinct words in order of first appearance, so their stems are too, as the passages' terms run.
    terms: defaultdict[str, int] = defaultdict(count().__next__)
    word_terms = np.array([-1 if word in STOPWORDS else terms[stem(word)] for word in vocabulary], dtype=np.int32)
    word_numbers = np.array(numbers, dtype=np.int32)
    content = word_terms[word_numbers] >= 0
    passage_of_word = np.repeat(np.arange(len(part)), word_lengths)
    occurrences = np.bincount(word_numbers[content], minlength=len(vocabulary)).tolist()
    return _TokenisedPart(
        list(terms),
        word_terms[word_numbers[content]],
        np.bincount(passage_of_word[content], minlength=len(part)).astype(np.int64),
        Counter({word: n for word, n in zip(vocabulary, occurrences, strict=True) if n}),
        passage_gram_counts(passage_lines),
        *SentenceSpans.of(found),
    )


def _words_split_at(text: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the words of `text` are its sentences' words one after another: for ASCII text (where folding
    case keeps every character in place) whose sentences are separated only by whitespace, no word or
    possessive can reach across a gap, so the passage need not be split into words a second time."""
    if not text.isascii():
        return False
    end = 0
    for number, (start, stop) in enumerate(spans):
        gap = text[end:start]
        if start < end or stop < start or (gap and not gap.isspace()) or (number and not gap):
            return False
        end = stop
    tail = text[end:]
    return not tail or tail.isspace()


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
    index, sentences = _build(passage_texts(corpus.passages))
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
    index, sentences = _build(passage_texts(corpus.passages))
    build = save_index(index_directory(corpus_root), corpus, index, sentences, manifest)
    return corpus, index, build


def save_index(
    directory: Path,
    corpus: Corpus,
    index: SearchIndex,
    sentences: SentenceSpans,
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
