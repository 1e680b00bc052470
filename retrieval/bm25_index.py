"""BM25Okapi scores identical to rank-bm25 0.2.2, from a sparse matrix so queries stay fast at a million passages.

rank-bm25 walks every passage's term dictionary for every query term. Here each term's contribution to each
passage that holds it is computed once at build time, in the same floating-point steps rank-bm25 uses, and
stored column by column (CSC: one column per term). A query is then the sum of a few stored columns, added in
query order, which reproduces rank-bm25's scores bit for bit. The terms that most passages hold are also kept
as dense rows, because adding a dense row is an order of magnitude faster than scattering a long sparse one.

rank-bm25 quirks kept on purpose: a term whose idf is negative (it is in more than half the passages) gets
`epsilon * average_idf` instead, where the average is over every term's raw idf, negative ones included, so
the floor is itself negative when that average is; an idf of exactly 0 stays 0; a query term counts once per
repetition; terms never seen in the corpus add 0; empty passages count towards the corpus size and the
average length. Where rank-bm25 divides 0 by 0 (k1 == 0, or b == 1 with empty passages) and scores NaN, or
raises ZeroDivisionError for a corpus without a single token, this index scores 0.
"""

from __future__ import annotations

import math
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

# Bump when the saved arrays change meaning, so files written by an older layout are refused, not misread.
FORMAT_VERSION = 1

# A term held by at least this share of the passages is also kept as a dense row of weights.
DENSE_MIN_SHARE = 1 / 8

# What reading a damaged .npz can raise; zipfile reports a damaged central directory as an unsupported
# version (NotImplementedError) or an encrypted member (RuntimeError).
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError)

# Ranking this many scores or fewer is quicker with one full sort than with any narrowing first.
SORT_ALL_AT_MOST = 256


class IndexFileError(Exception):
    """A saved index that is missing, truncated, corrupt or of another format version: rebuild it."""


class BM25Index:
    """BM25Okapi over tokenised passages; build once, then score or rank many queries."""

    def __init__(
        self,
        tokenized_passages: Sequence[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> None:
        if not tokenized_passages:
            raise ValueError("BM25Index needs at least one passage")
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon
        # Token ids in order of first appearance: rank-bm25 sums idf in that order for its average.
        vocabulary = list(dict.fromkeys(chain.from_iterable(tokenized_passages)))
        term_ids = {term: term_id for term_id, term in enumerate(vocabulary)}
        passage_lengths = np.fromiter(map(len, tokenized_passages), dtype=np.int64, count=len(tokenized_passages))
        token_count = int(passage_lengths.sum())
        tokens = np.fromiter(
            map(term_ids.__getitem__, chain.from_iterable(tokenized_passages)), dtype=np.int32, count=token_count
        )
        term_counts = _term_counts(tokens, passage_lengths, len(vocabulary))
        del tokens
        weights = _okapi_weights(term_counts, passage_lengths, k1, b, epsilon)
        self._set_index(
            vocabulary,
            len(tokenized_passages),
            term_counts.indptr.astype(np.int64),
            term_counts.indices.astype(np.int32, copy=False),
            weights,
        )
        self.fingerprint: str | None = None

    def __len__(self) -> int:
        return self._passage_count

    def get_scores(self, query_tokens: Iterable[str]) -> np.ndarray:
        """The score of every passage, in passage order, as rank-bm25's BM25Okapi.get_scores returns it."""
        scores = np.zeros(self._passage_count)
        for term in query_tokens:
            term_id = self._term_ids.get(term)
            if term_id is None:
                continue
            dense_row = self._dense_rows.get(term_id)
            if dense_row is not None:
                scores += dense_row
            else:
                start, end = self._indptr[term_id], self._indptr[term_id + 1]
                np.add.at(scores, self._indices[start:end], self._weights[start:end])
        return scores

    def postings(self, term: str) -> np.ndarray:
        """Indexes of the passages that contain `term`, ascending (empty for an unknown term)."""
        term_id = self._term_ids.get(term)
        if term_id is None:
            return np.empty(0, dtype=np.int32)
        return self._indices[self._indptr[term_id] : self._indptr[term_id + 1]]

    def document_frequency(self, term: str) -> int:
        """How many passages contain `term`."""
        term_id = self._term_ids.get(term)
        return 0 if term_id is None else int(self._indptr[term_id + 1] - self._indptr[term_id])

    def top_k(self, query_tokens: Iterable[str], k: int) -> list[tuple[int, float]]:
        """The `k` best (passage index, score) pairs, best first; equal scores go to the lower index.

        Every passage can be returned, those sharing no term with the query too (score 0), as rank-bm25 ranks them.
        """
        scores = self.get_scores(query_tokens)
        return [(int(i), float(scores[i])) for i in _best_first(scores, k)]

    def save(self, path: str | os.PathLike[str], fingerprint: str) -> None:
        """Write the index to one .npz file, replacing any old one only once the new one is complete.

        `fingerprint` is stored as given and comes back as `.fingerprint` after `load`, so the caller can
        tell whether the file was built from the corpus and tokeniser it has now.
        """
        path = Path(path)
        vocabulary_utf8 = [term.encode("utf-8") for term in self._vocabulary]
        vocabulary_ends = np.cumsum([len(term) for term in vocabulary_utf8], dtype=np.int64)
        arrays: dict[str, Any] = {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "fingerprint": np.frombuffer(fingerprint.encode("utf-8"), dtype=np.uint8),
            "parameters": np.array([self.k1, self.b, self.epsilon], dtype=np.float64),
            "passage_count": np.array(self._passage_count, dtype=np.int64),
            "vocabulary_utf8": np.frombuffer(b"".join(vocabulary_utf8), dtype=np.uint8),
            "vocabulary_ends": vocabulary_ends,
            "indptr": self._indptr,
            "indices": self._indices,
            "weights": self._weights,
        }
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as file:
            try:
                np.savez(file, **arrays)
            except BaseException:
                os.unlink(file.name)
                raise
        os.replace(file.name, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BM25Index:
        """Read a file written by `save`; any file that is not a complete, valid index raises IndexFileError."""
        try:
            # The CRC of every member is checked first, so damage anywhere is reported, not half read.
            with zipfile.ZipFile(path) as archive:
                damaged_member = archive.testzip()
            if damaged_member is not None:
                raise IndexFileError(f"BM25 index file {os.fspath(path)!r} is damaged in {damaged_member!r}")
            with np.load(path, allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in _SAVED_ARRAYS}
        except _READ_ERRORS as error:
            raise IndexFileError(f"cannot read BM25 index file {os.fspath(path)!r}: {error}") from error
        _check_arrays(arrays)
        try:
            fingerprint = arrays["fingerprint"].tobytes().decode("utf-8")
            vocabulary_utf8 = arrays["vocabulary_utf8"].tobytes()
            starts = chain((0,), arrays["vocabulary_ends"][:-1].tolist())
            vocabulary = [
                vocabulary_utf8[start:end].decode("utf-8")
                for start, end in zip(starts, arrays["vocabulary_ends"].tolist(), strict=True)
            ]
        except UnicodeDecodeError as error:
            raise IndexFileError(f"BM25 index file {os.fspath(path)!r} holds invalid text: {error}") from error
        if len(set(vocabulary)) != len(vocabulary):
            raise IndexFileError(f"BM25 index file {os.fspath(path)!r} repeats a vocabulary term")
        index = cls.__new__(cls)
        index.k1, index.b, index.epsilon = arrays["parameters"].tolist()
        index._set_index(
            vocabulary, int(arrays["passage_count"]), arrays["indptr"], arrays["indices"], arrays["weights"]
        )
        index.fingerprint = fingerprint
        return index

    def _set_index(
        self,
        vocabulary: list[str],
        passage_count: int,
        indptr: np.ndarray,
        indices: np.ndarray,
        weights: np.ndarray,
    ) -> None:
        self._vocabulary = vocabulary
        self._term_ids = {term: term_id for term_id, term in enumerate(vocabulary)}
        self._passage_count = passage_count
        self._indptr = indptr
        self._indices = indices
        self._weights = weights
        self._dense_rows = _dense_rows(indptr, indices, weights, passage_count)


def _best_first(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` highest scores, highest first, equal scores by lower index.

    np.argpartition slows twentyfold when nearly all scores are equal (most passages share no query
    term and score 0), so the candidates are narrowed with a threshold instead: the k-th best score of
    an evenly spaced sample is met by at least k passages, hence no better than the k-th best overall.
    """
    k = max(0, min(k, len(scores)))
    if k == 0:
        return np.empty(0, dtype=np.intp)
    if len(scores) <= SORT_ALL_AT_MOST or 4 * k >= len(scores):
        return np.argsort(-scores, kind="stable")[:k]
    stride = len(scores) // max(k, math.isqrt(k * len(scores)))
    sample = np.partition(scores[::stride], -k)
    threshold = sample[-k]
    above = np.flatnonzero(scores > threshold)
    if len(above) >= k:
        best: np.ndarray = above[_best_first(scores[above], k)]
        return best
    tied = np.flatnonzero(scores == threshold)[: k - len(above)]
    return np.concatenate((above[np.argsort(-scores[above], kind="stable")], tied))


class _TermCounts(NamedTuple):
    """Compressed columns: for term t, passages indices[indptr[t]:indptr[t+1]] (ascending) hold it data times."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


def _term_counts(tokens: np.ndarray, passage_lengths: np.ndarray, vocabulary_size: int) -> _TermCounts:
    """How often each term occurs in each passage, one column per term with passages in ascending order.

    Plain numpy (one sort of term-major keys), not scipy.sparse: importing scipy next to nltk makes nltk
    load scipy.stats, which alone added over a second to every `quotebot` start.
    """
    passage_count = len(passage_lengths)
    passages = np.repeat(np.arange(passage_count, dtype=np.int64), passage_lengths)
    keys = tokens.astype(np.int64) * passage_count + passages
    del passages
    keys, counts = np.unique(keys, return_counts=True)
    terms = keys // passage_count
    indptr = np.zeros(vocabulary_size + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=vocabulary_size), out=indptr[1:])
    del terms
    indices = (keys % passage_count).astype(np.int32)
    return _TermCounts(indptr, indices, counts.astype(np.int32))


def _okapi_weights(
    term_counts: _TermCounts, passage_lengths: np.ndarray, k1: float, b: float, epsilon: float
) -> np.ndarray:
    """Each stored (passage, term) pair's share of the score, in rank-bm25's own order of float operations."""
    passage_count = len(passage_lengths)
    document_frequencies = np.diff(term_counts.indptr).tolist()
    idf = [math.log(passage_count - df + 0.5) - math.log(df + 0.5) for df in document_frequencies]
    idf_sum = 0.0
    for value in idf:
        idf_sum += value
    floor = epsilon * (idf_sum / len(idf)) if idf else 0.0
    idf_per_term = np.array([value if value >= 0 else floor for value in idf], dtype=np.float64)

    total_length = int(passage_lengths.sum())
    average_length = total_length / passage_count if total_length else 1.0
    length_norm = k1 * (1 - b + b * passage_lengths / average_length)
    weights = term_counts.data.astype(np.float64)
    denominator = length_norm[term_counts.indices]
    denominator += weights
    weights *= k1 + 1
    weights /= denominator
    del denominator
    weights *= np.repeat(idf_per_term, document_frequencies)
    return weights


def _dense_rows(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, passage_count: int
) -> dict[int, np.ndarray]:
    """Dense weight rows for the commonest terms, never more cells than the sparse weights themselves hold."""
    document_frequencies = np.diff(indptr)
    common = np.flatnonzero(document_frequencies >= passage_count * DENSE_MIN_SHARE)
    most_common_first = common[np.argsort(-document_frequencies[common], kind="stable")]
    budget = len(weights) // passage_count
    rows = {}
    for term_id in most_common_first[:budget].tolist():
        row = np.zeros(passage_count)
        start, end = indptr[term_id], indptr[term_id + 1]
        row[indices[start:end]] = weights[start:end]
        rows[term_id] = row
    return rows


# Every saved array's dtype and number of dimensions.
_SAVED_ARRAYS = {
    "format_version": (np.int64, 0),
    "fingerprint": (np.uint8, 1),
    "parameters": (np.float64, 1),
    "passage_count": (np.int64, 0),
    "vocabulary_utf8": (np.uint8, 1),
    "vocabulary_ends": (np.int64, 1),
    "indptr": (np.int64, 1),
    "indices": (np.int32, 1),
    "weights": (np.float64, 1),
}


def _check_arrays(arrays: dict[str, np.ndarray]) -> None:
    """Refuse arrays that could not have come from `save`, before they can index out of bounds."""
    for name, (dtype, dimensions) in _SAVED_ARRAYS.items():
        if arrays[name].dtype != dtype or arrays[name].ndim != dimensions:
            raise IndexFileError(f"BM25 index array {name!r} is not a {dimensions}-d {np.dtype(dtype)} array")
    if int(arrays["format_version"]) != FORMAT_VERSION:
        raise IndexFileError(f"BM25 index format version {int(arrays['format_version'])}, expected {FORMAT_VERSION}")
    passage_count = int(arrays["passage_count"])
    ends, indptr, indices = arrays["vocabulary_ends"], arrays["indptr"], arrays["indices"]
    if (
        len(arrays["parameters"]) != 3
        or passage_count < 1
        or np.any(np.diff(ends, prepend=0) < 0)
        or (len(ends) and ends[-1] != len(arrays["vocabulary_utf8"]))
        or len(indptr) != len(ends) + 1
        or indptr[0] != 0
        or np.any(np.diff(indptr) < 0)
        or indptr[-1] != len(indices)
        or len(indices) != len(arrays["weights"])
        or (len(indices) and (indices.min() < 0 or indices.max() >= passage_count))
    ):
        raise IndexFileError("BM25 index arrays do not fit together")
