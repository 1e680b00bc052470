"""BM25Okapi scores identical to rank-bm25 0.2.2, from mapped arrays, at a cost that follows the query, not the corpus.

What is stored, per term: its idf (after rank-bm25's floor), how many passages hold it, the largest weight it
gives any passage, and its postings — the passages that hold it (ascending uint32 ids) with how often (uint8,
uint16 when some passage repeats a term more). Per passage: rank-bm25's length normaliser
`k1 * (1 - b + b * length / average_length)`. A term's weight in a passage is recomputed from these with
rank-bm25's own float64 operations, so scores are rank-bm25's bit for bit while a posting costs 5 bytes on
disk instead of 12. The terms that at least an eighth of the passages hold are kept as dense rows of counts
(one byte per passage), because looking a passage up in a row is O(1).

Ranking the best k, exactly, by the cheapest of three ways (each one's cost estimated from the
query's postings, see the costs below). Sparse terms holding few passages: every posting is scored and the
dense terms are looked up in those passages, which stands when the dense terms' largest weights add up to
less than the k-th best (`_scanned_top_k`). Otherwise MaxScore (`_pruned_top_k`): the terms whose largest
weights add up to less than a threshold the k-th best reaches cannot lift a passage that has none of the
other terms into the top k, so only the passages of the other terms are candidates, and the rest are
looked up in them, dropping after each the candidates that can no longer reach it. When that would cost
more than scoring every passage (queries of common terms only), or a term's idf is not positive, every
passage is scored, in blocks that stay in the CPU cache: in float32 first, then exactly for the passages
that float32's rounding leaves near the top (`_exhaustive_top_k`). The scores returned are always the exact
ones. The per-thread buffers as large as the corpus are allocated once, not per query. Where the package was
installed with a C compiler at hand, the scan of every posting is one compiled loop (retrieval/_scan.c: the
same float64 operations in the same order, so the same scores to the bit, about four times faster than
numpy's dozen passes over the postings), and it is then tried first whenever it costs less than scoring
every passage.

rank-bm25 quirks kept on purpose: a term whose idf is negative (it is in more than half the passages) gets
`epsilon * average_idf` instead, where the average is over every term's raw idf, negative ones included, so
the floor is itself negative when that average is; an idf of exactly 0 stays 0; a query term counts once per
repetition; terms never seen in the corpus add 0; empty passages count towards the corpus size and the
average length. Where rank-bm25 divides 0 by 0 (k1 == 0, or b == 1 with empty passages) and scores NaN, or
raises ZeroDivisionError for a corpus without a single token, this index scores 0.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, count, islice
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from retrieval.array_store import IndexFileError, open_arrays, read_meta, write_arrays
from retrieval.parallel import parallel_map
from retrieval.string_table import StringTable

try:
    # The scan of every posting as one compiled loop (retrieval/_scan.c), built when the package is installed
    # with a C compiler at hand; without it numpy does the same, about four times slower.
    from retrieval import _scan
except ImportError:
    _scan = None  # type: ignore[assignment]

__all__ = ["BM25Index", "IndexFileError"]

# Bump when the saved arrays change meaning, so folders written by an older layout are refused, not misread.
FORMAT_VERSION = 3

# A term held by at least this share of the passages is kept as a dense row of counts.
DENSE_MIN_SHARE = 1 / 8

# Terms whose ids are remembered at most (about 100 bytes each), so the memory stays bounded.
TERM_MEMORY = 1 << 16

# For each dense term, the passages where it weighs most are kept, this many.
DENSE_TOP = 2048

# Ranking this many scores or fewer is quicker with one partition than with any narrowing first.
SORT_ALL_AT_MOST = 256

# Tokens (and postings) handled at a time while building: a few tens of MB of work arrays.
CHUNK = 1 << 22

# Passages scored together when every passage is scored: small enough for numpy's passes to stay in cache.
BLOCK = 65_536

# What the work costs, in passes of one term over one passage of a block when every passage is scored in
# float32 (about 0.5 ns on the 2-core EPYC of the benchmarks): scattering a posting into a block, and into a
# buffer of the whole corpus (its weight worked out first), looking a sparse term up in one candidate (a
# binary search in its postings), and a dense one (a gather from its row). Timed over zipf-100k and
# zipf-1m, where the whole-corpus buffers no longer fit in the CPU's cache and cost twice as much.
BLOCK_POSTING_COST = 20
POSTING_COST = 40
LOOKUP_COST = 40
DENSE_LOOKUP_COST = 10

# Scoring every posting of a query's sparse terms, per posting: its passage marked, its weight worked out,
# added into the whole-corpus buffer and read back. MaxScore gives up when it would cost more than that, and
# a query MaxScore cannot rank is scanned so when that costs less than scoring every passage. Chosen beside
# 30 and 150 on SQuAD×48, zipf-100k and zipf-1m (each query timed in turn with the code before).
SCAN_POSTING_COST = 60

# The same scan by the compiled loop (retrieval/_scan.c), per posting: about 2 ns while the corpus's buffers
# stay in the CPU's cache, more at a million passages. Chosen beside 8 and 16 on the three benchmark corpora.
COMPILED_POSTING_COST = 12

# A threshold comes from scoring in full this many of the candidates best over the terms taken (or k).
REFINE = 64

# Sparse terms holding this few passages in all are scored in one pass over their postings.
SCAN_ALL = 20_000

# Bounds are compared with this much slack, so float rounding in a sum can never prune a top-k passage.
_BOUND_SLACK = 1e-9


class BM25Index:
    """BM25Okapi over tokenised passages; build once (or open a saved one), then score or rank many queries."""

    k1: float
    b: float
    epsilon: float
    fingerprint: str | None

    def __init__(
        self,
        tokenized_passages: Sequence[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> None:
        if not tokenized_passages:
            raise ValueError("BM25Index needs at least one passage")
        # Token ids in order of first appearance (rank-bm25 sums idf in that order for its average), in one
        # pass; itemgetter looks a whole passage up in one call, a third quicker than a call per token.
        first_seen: defaultdict[str, int] = defaultdict(count().__next__)
        passage_lengths = np.fromiter(map(len, tokenized_passages), dtype=np.int64, count=len(tokenized_passages))
        tokens = np.fromiter(
            chain.from_iterable(
                itemgetter(*passage)(first_seen) if len(passage) > 1 else [first_seen[t] for t in passage]
                for passage in tokenized_passages
            ),
            dtype=np.int32,
            count=int(passage_lengths.sum()),
        )
        self._build(list(first_seen), tokens, passage_lengths, k1, b, epsilon)

    @classmethod
    def from_term_ids(
        cls,
        terms: Sequence[str],
        runs: list[np.ndarray],
        passage_lengths: np.ndarray,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> BM25Index:
        """The index of passages already tokenised into term ids: `runs` are int32 arrays of them, one passage
        after another, emptied here so that only one copy is ever held; term i is `terms[i]`, terms numbered
        in order of first appearance, as the constructor numbers them. Lets tokenising run in other
        processes without sending every passage's terms back as strings."""
        if not len(passage_lengths):
            raise ValueError("BM25Index needs at least one passage")
        index = cls.__new__(cls)
        # Passed on, not kept in a variable here, so that `_build` can let go of it.
        index._build(terms, _concatenated(runs), passage_lengths, k1, b, epsilon)
        return index

    def _build(
        self,
        terms: Sequence[str],
        tokens: np.ndarray,
        passage_lengths: np.ndarray,
        k1: float,
        b: float,
        epsilon: float,
    ) -> None:
        """Every array from the passages' term ids (`tokens`, overwritten and then let go of)."""
        vocabulary, table_positions = StringTable.build(terms)
        # Term ids are positions in the vocabulary's table.
        positions = table_positions.astype(np.int32)
        for start in range(0, len(tokens), CHUNK):
            tokens[start : start + CHUNK] = positions[tokens[start : start + CHUNK]]
        parts = _passage_term_counts(tokens, passage_lengths)
        del tokens
        arrays = _build_arrays(parts, passage_lengths, table_positions, k1, b, epsilon)
        arrays.update(vocabulary.arrays("bm25.vocabulary"))
        self._set_arrays(arrays, k1, b, epsilon)
        self.fingerprint = None

    def __len__(self) -> int:
        return self._passage_count

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._term_id(term) >= 0

    def document_frequency(self, term: str) -> int:
        """How many passages contain `term`."""
        term_id = self._term_id(term)
        return int(self._df[term_id]) if term_id >= 0 else 0

    def best_possible(self, query_tokens: Iterable[str]) -> float:
        """The score of a passage holding every known query term at its best weight in the corpus.

        A top score divided by this is a share that means the same in a corpus of ten passages or a million.
        """
        return float(sum(float(self._bound[term_id]) for term_id in self._query_terms(query_tokens)))

    def postings(self, term: str) -> np.ndarray:
        """Indexes of the passages that contain `term`, ascending (empty for an unknown term)."""
        term_id = self._term_id(term)
        if term_id < 0:
            return np.empty(0, dtype=np.uint32)
        slot = int(self._dense_slot[term_id])
        if slot >= 0:
            return np.flatnonzero(self._dense_counts[slot]).astype(np.uint32)
        return np.asarray(self._ids[self._indptr[term_id] : self._indptr[term_id + 1]])

    def get_scores(self, query_tokens: Iterable[str]) -> np.ndarray:
        """The score of every passage, in passage order, as rank-bm25's BM25Okapi.get_scores returns it."""
        return self._all_scores(self._query_terms(query_tokens))

    def top_k(self, query_tokens: Iterable[str], k: int) -> list[tuple[int, float]]:
        """The `k` best (passage index, score) pairs, best first; equal scores go to the lower index.

        Every passage can be returned, those sharing no term with the query too (score 0), as rank-bm25 ranks them.
        """
        return self._top_k_of_ids(self._query_terms(query_tokens), k)

    def _top_k_of_ids(self, terms: list[int], k: int) -> list[tuple[int, float]]:
        """`top_k` of the known query terms' ids."""
        k = max(0, min(k, self._passage_count))
        if k == 0:
            return []
        if not terms:
            return [(i, 0.0) for i in range(k)]
        if np.any(self._idf[terms] <= 0):
            # Only a tiny corpus has such terms; a passage holding one can score below those holding none.
            return self._exhaustive_top_k(terms, k)
        distinct = set(terms)
        dense = sum(1 for term in distinct if self._dense_slot[term] >= 0)
        sparse_postings = sum(int(self._df[term]) for term in distinct if self._dense_slot[term] < 0)
        # What scoring every passage costs: a block's zeroing and selection, each dense row, the postings;
        # and what scoring every posting costs (the dense terms then looked up in their passages).
        exhaustive = (dense + 2) * self._passage_count + sparse_postings * BLOCK_POSTING_COST
        per_posting = SCAN_POSTING_COST if _scan is None else COMPILED_POSTING_COST
        scan = sparse_postings * (per_posting + dense * DENSE_LOOKUP_COST) if dense < len(distinct) else math.inf
        scan_first = dense < len(distinct) and (
            sparse_postings <= SCAN_ALL or (_scan is not None and scan < exhaustive)
        )
        if scan_first:
            scanned = self._scanned_top_k(terms, k)
            if scanned is not None:
                return scanned
        pruned = self._pruned_top_k(terms, k, min(exhaustive, scan))
        if pruned is not None:
            return pruned
        if not scan_first and scan < exhaustive:
            scanned = self._scanned_top_k(terms, k)
            if scanned is not None:
                return scanned
        return self._exhaustive_top_k(terms, k)

    def matching_top_k(self, query_tokens: Iterable[str], k: int) -> dict[int, float]:
        """The best `k` passages holding at least one query term, best first, as {passage index: score}.

        Passages without any query term never appear, even when fewer than `k` hold one.
        """
        terms = self._query_terms(query_tokens)
        if not terms:
            return {}
        top = self._top_k_of_ids(terms, k)
        if all(self._idf[term] > 0 for term in terms):
            # Every weight is then positive: the passages scoring 0 are exactly those without a query term.
            return {passage: score for passage, score in top if score > 0}
        # Only a tiny corpus, where idf can be 0 or negative, gets here: rank every passage holding a term.
        scores = self._all_scores(terms)
        holding = np.unique(np.concatenate([self.postings(self._vocabulary[term]) for term in set(terms)]))
        order = np.lexsort((holding, -scores[holding]))[:k]
        return {int(i): float(scores[i]) for i in holding[order]}

    def scores_at(self, query_tokens: Iterable[str], passages: Sequence[int]) -> np.ndarray:
        """The scores of `passages` alone, as `get_scores` gives them, without scoring the rest."""
        terms = self._query_terms(query_tokens)
        wanted = np.asarray(passages, dtype=np.int64)
        scores = np.zeros(len(wanted), dtype=np.float64)
        if not terms or not len(wanted):
            return scores
        weights = self._weights_at(set(terms), wanted)
        for term in terms:
            scores += weights[term]
        return scores

    def top_k_batch(
        self, queries: Sequence[Sequence[str]], k: int, processes: int | None = None
    ) -> list[list[tuple[int, float]]]:
        """`top_k` of every query, on every core (forked workers share the mapped index); results in query order."""
        return parallel_map(lambda query: self.top_k(query, k), queries, processes)

    def save(self, directory: str | Path, fingerprint: str) -> None:
        """Write the index to a new folder (which must not exist yet); `fingerprint` comes back after `load`."""
        write_arrays(Path(directory), self.arrays(), self.meta(fingerprint))

    @classmethod
    def load(cls, directory: str | Path) -> BM25Index:
        """Map a folder written by `save`; anything that is not a complete, valid index raises IndexFileError."""
        directory = Path(directory)
        meta = read_meta(directory)
        index = cls.from_arrays(open_arrays(directory), meta)
        return index

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array to save, named `bm25.*`, for a caller that saves them beside others."""
        return dict(self._arrays)

    def meta(self, fingerprint: str) -> dict[str, Any]:
        """The small facts saved with the arrays."""
        return {
            "bm25_format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> BM25Index:
        """The index over arrays saved from `arrays()` with `meta(...)`; IndexFileError when they do not fit."""
        if meta.get("bm25_format") != FORMAT_VERSION:
            raise IndexFileError(f"BM25 index format {meta.get('bm25_format')!r}, expected {FORMAT_VERSION}")
        try:
            parameters = [float(meta[name]) for name in ("k1", "b", "epsilon")]
            fingerprint = meta["fingerprint"]
            if not isinstance(fingerprint, str):
                raise TypeError("the fingerprint is not a string")
            mine = {name: array for name, array in arrays.items() if name.startswith("bm25.")}
            _check_arrays(mine)
            index = cls.__new__(cls)
            index._set_arrays(mine, *parameters)
        except (KeyError, TypeError, ValueError) as error:
            raise IndexFileError(f"the saved BM25 index does not fit together: {error}") from error
        index.fingerprint = fingerprint
        return index

    def _set_arrays(self, arrays: dict[str, np.ndarray], k1: float, b: float, epsilon: float) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self._arrays = arrays
        self._vocabulary = StringTable.from_arrays(arrays, "bm25.vocabulary")
        self._idf = arrays["bm25.idf"]
        self._df = arrays["bm25.document_frequency"]
        self._bound = arrays["bm25.max_weight"]
        self._dense_slot = arrays["bm25.dense_slot"]
        self._dense_counts = arrays["bm25.dense_counts"]
        self._dense_top = arrays["bm25.dense_top"]
        self._dense_floor = arrays["bm25.dense_floor"]
        self._indptr = arrays["bm25.indptr"]
        self._ids = arrays["bm25.ids"]
        self._counts = arrays["bm25.counts"]
        self._norm = arrays["bm25.length_norm"]
        self._passage_count = len(self._norm)
        # Where k1 == 0 (or b == 1 beside an empty passage) a passage without the term would score 0 / 0.
        self._norm_positive = bool(np.all(self._norm > 0))
        self._scratch = threading.local()
        self._term_ids: dict[str, int] = {}

    def _term_id(self, term: str) -> int:
        """The term's id, or -1; remembered, since a question looks the same terms up again and again."""
        known = self._term_ids.get(term)
        if known is None:
            if len(self._term_ids) >= TERM_MEMORY:
                self._term_ids.clear()
            known = self._term_ids[term] = self._vocabulary.index_of(term)
        return known

    def _query_terms(self, query_tokens: Iterable[str]) -> list[int]:
        """The known query terms' ids in query order, repeats kept (those not remembered looked up at once)."""
        tokens = list(query_tokens)
        ids = [self._term_ids.get(term) for term in tokens]
        missing = list(dict.fromkeys(term for term, term_id in zip(tokens, ids, strict=True) if term_id is None))
        if missing:
            found = dict(zip(missing, self._vocabulary.indexes_of(missing), strict=True))
            if len(self._term_ids) + len(found) > TERM_MEMORY:
                self._term_ids.clear()
            self._term_ids.update(found)
            ids = [found[term] if term_id is None else term_id for term, term_id in zip(tokens, ids, strict=True)]
        return [term_id for term_id in ids if term_id is not None and term_id >= 0]

    # Weights, recomputed in rank-bm25's order: idf * (tf * (k1 + 1) / (tf + norm)).

    def _weights(self, term_id: int, counts: np.ndarray, norms: np.ndarray) -> np.ndarray:
        return _okapi(counts, norms, float(self._idf[term_id]), self.k1)

    def _weights_at(self, term_ids: set[int], passages: np.ndarray) -> dict[int, np.ndarray]:
        """Each term's weight in each of `passages` (0 where a passage lacks it); dense terms in one gather."""
        norms = self._norm[passages]
        dense = [term for term in term_ids if self._dense_slot[term] >= 0]
        weights: dict[int, np.ndarray] = {}
        if dense:
            counts = self._dense_counts[self._dense_slot[dense][:, None], passages[None, :]]
            rows = _okapi(counts, norms[None, :], self._idf[dense][:, None], self.k1)
            if not self._norm_positive:
                rows[counts == 0] = 0.0
            weights.update(zip(dense, rows, strict=True))
        wanted = passages.astype(np.uint32)
        for term_id in term_ids.difference(dense):
            start, end = int(self._indptr[term_id]), int(self._indptr[term_id + 1])
            ids = self._ids[start:end]
            found = np.minimum(np.searchsorted(ids, wanted), end - start - 1)
            hit = ids[found] == wanted
            counts = np.zeros(len(passages), dtype=self._counts.dtype)
            counts[hit] = self._counts[start:end][found[hit]]
            weights[term_id] = self._weights(term_id, counts, norms)
            if not self._norm_positive:
                weights[term_id][counts == 0] = 0.0
        return weights

    def _all_scores(self, terms: list[int]) -> np.ndarray:
        """Every passage's score, a cache-sized block of passages at a time."""
        return np.concatenate([block for _, block in self._blocks(terms)])

    def _exhaustive_top_k(self, terms: list[int], k: int) -> list[tuple[int, float]]:
        """The top k over every passage: each scored first in float32, which numpy does twice as fast, and
        the passages that could be among the best k by those scores then scored exactly.

        float32 keeps 24 bits: a weight takes at most 8 roundings and a sum one more per term, so a rough
        score is within `slack` of the exact one.
        """
        magnitude = sum(abs(float(self._idf[term])) for term in terms) * (abs(self.k1) + 1)
        slack = (len(terms) + 8) * 2.0**-22 * magnitude
        threshold = -math.inf
        kept_ids, kept_scores = [], []
        for start, block in self._blocks(terms, np.float32):
            threshold = max(threshold, _kth_largest(block, min(k, len(block))))
            chosen = np.flatnonzero(block >= threshold - 2 * slack)
            kept_ids.append(chosen + start)
            kept_scores.append(block[chosen])
        candidates, scores = np.concatenate(kept_ids), np.concatenate(kept_scores)
        return self._exact_top_k(terms, candidates[scores >= _kth_largest(scores, k) - 2 * slack], k)

    def _blocks(self, terms: list[int], dtype: type[np.floating[Any]] = np.float64) -> Iterator[tuple[int, np.ndarray]]:
        """(first passage, scores) of successive blocks of BLOCK passages, each term added in query order,
        computed in `dtype` (exactly as rank-bm25 in float64).

        numpy's passes over a block stay in the CPU cache; over the whole corpus each would go to memory.
        """
        sparse = {}
        for term_id in set(terms):
            if self._dense_slot[term_id] < 0:
                sparse[term_id] = self._postings(term_id)
        for start in range(0, self._passage_count, BLOCK):
            end = min(start + BLOCK, self._passage_count)
            norms = self._norm[start:end].astype(dtype)
            block = np.zeros(end - start, dtype=dtype)
            for term_id in terms:
                slot = int(self._dense_slot[term_id])
                if slot >= 0:
                    counts = self._dense_counts[slot, start:end]
                    weights = _okapi(counts, norms, float(self._idf[term_id]), self.k1, dtype)
                    if not self._norm_positive:
                        weights[counts == 0] = 0.0
                    block += weights
                else:
                    ids, weights = sparse[term_id]
                    first, last = np.searchsorted(ids, (start, end))
                    block[ids[first:last] - start] += weights[first:last]
            yield start, block

    def _pruned_top_k(self, terms: list[int], k: int, budget: float) -> list[tuple[int, float]] | None:
        """The exact top k from the passages that can reach it (MaxScore), or None when that would cost more
        than scoring every passage (or, for sparse terms, every posting).

        Terms are taken one by one, each bringing its list in as candidates — a sparse term its postings, a
        dense term the passages where it weighs most (`bm25.dense_top`) — those first that lower most, per
        passage brought in, what a passage outside the candidates could score: the bounds of the terms not
        taken and the floors of the dense ones taken. As soon as there are k candidates, the best of them
        (by the terms taken) are scored in full, and the k-th best of those is a threshold that the k-th best
        passage is not below. Lists are taken until what a passage outside them could score is below it;
        the other terms are then only looked up in the candidates, largest bound first, and after each the
        candidates that could no longer reach the threshold are dropped. The few left are scored exactly,
        in query order.
        """
        multiplicity = Counter(terms)
        bound = {term: count * float(self._bound[term]) for term, count in multiplicity.items()}
        floor = {
            term: count * float(self._dense_floor[self._dense_slot[term]])
            for term, count in multiplicity.items()
            if self._dense_slot[term] >= 0
        }
        # Lists are taken by what each lowers the bound outside the candidates, per passage it brings in.
        length = {term: self._dense_top.shape[1] if term in floor else int(self._df[term]) for term in multiplicity}
        order = sorted(multiplicity, key=lambda term: (bound[term] - floor.get(term, 0.0)) / length[term], reverse=True)
        scores, seen = self._buffers()
        found: list[np.ndarray] = []
        work, taken, threshold, refined = 0.0, 0, -math.inf, False

        def taken_scores(candidates: np.ndarray) -> np.ndarray:
            """The candidates' scores over the terms taken: sparse ones scattered, dense ones looked up."""
            total: np.ndarray = scores[candidates]
            for term, weights in self._weights_at(set(order[:taken]) & floor.keys(), candidates).items():
                total += weights * multiplicity[term]
            return total

        try:
            while taken < len(order) and not (refined and _below(_outside(order, taken, bound, floor), threshold)):
                term = order[taken]
                work += length[term] * POSTING_COST
                if work > budget:
                    return None
                slot = int(self._dense_slot[term])
                if slot >= 0:
                    ids = self._dense_top[slot].astype(np.intp)
                else:
                    ids, weights = self._postings(term)
                    scores[ids] += weights * multiplicity[term]
                found.append(ids[seen[ids] < 0])
                seen[found[-1]] = 0
                taken += 1
                # With k candidates, the best of them scored in full give the threshold that says how many
                # more lists are needed, and whether that costs less than scoring every passage.
                if sum(map(len, found)) >= k and not refined:
                    found = [np.concatenate(found)]
                    dense_taken = len(set(order[:taken]) & floor.keys())
                    work += self._lookup_cost(order[taken:], REFINE) + len(found[0]) * dense_taken * DENSE_LOOKUP_COST
                    if work > budget:
                        return None
                    refined_threshold = self._refined_threshold(
                        found[0], taken_scores(found[0]), order[taken:], multiplicity, k
                    )
                    threshold, refined = max(threshold, refined_threshold), True
                    # The dense terms' floors alone reaching it, nearly every passage could: score them all.
                    if not _below(sum(floor.values()), threshold):
                        return None
                    if work + self._predicted_cost(order, taken, length, bound, floor, threshold) > budget:
                        return None
            candidates = np.concatenate([np.empty(0, dtype=np.intp), *found])
            partial = taken_scores(candidates)
        finally:
            for ids in found:
                scores[ids] = 0.0
                seen[ids] = -1
        if len(candidates) < k or not _below(_outside(order, taken, bound, floor), threshold):
            if floor or taken < len(order):
                return None
            # Every term is sparse and taken: the passages outside the candidates score exactly 0.
            return self._exact_top_k(terms, candidates, k)
        rest = sorted(order[taken:], key=bound.__getitem__, reverse=True)
        for looked_up, term in enumerate(rest):
            remaining = sum(bound[term] for term in rest[looked_up:])
            candidates, partial = _reaching(candidates, partial, remaining, threshold)
            lookup = self._lookup_cost([term], len(candidates))
            scattered = term not in floor and self._df[term] * POSTING_COST < lookup
            work += self._df[term] * POSTING_COST + len(candidates) if scattered else lookup
            if work > budget:
                return None
            if scattered:
                # Fewer postings than lookups: scattered and gathered instead.
                ids, weights = self._postings(term)
                scores[ids] = weights
                partial += scores[candidates] * multiplicity[term]
                scores[ids] = 0.0
            else:
                partial += self._weights_at({term}, candidates)[term] * multiplicity[term]
        if len(candidates) >= k:
            threshold = max(threshold, _kth_largest(partial, k))
        return self._exact_top_k(terms, _reaching(candidates, partial, 0.0, threshold)[0], k)

    def _predicted_cost(
        self,
        order: list[int],
        taken: int,
        length: dict[int, int],
        bound: dict[int, float],
        floor: dict[int, float],
        threshold: float,
    ) -> float:
        """What the lists still to take and the first look-up in all their candidates would cost, given the
        threshold (infinite when no number of lists taken would do)."""
        more = taken
        while more < len(order) and not _below(_outside(order, more, bound, floor), threshold):
            more += 1
        if not _below(_outside(order, more, bound, floor), threshold):
            return math.inf
        scanned = sum(length[term] for term in order[taken:more])
        rest = sorted(order[more:], key=bound.__getitem__, reverse=True)[:1]
        candidates = sum(length[term] for term in order[:more])
        return scanned * POSTING_COST + self._lookup_cost(rest, candidates)

    def _lookup_cost(self, terms: list[int], passages: int) -> float:
        """What looking `terms` up in `passages` passages costs."""
        dense = sum(1 for term in terms if self._dense_slot[term] >= 0)
        return passages * (dense * DENSE_LOOKUP_COST + (len(terms) - dense) * LOOKUP_COST)

    def _refined_threshold(
        self, candidates: np.ndarray, partial: np.ndarray, rest: list[int], multiplicity: Counter[int], k: int
    ) -> float:
        """The k-th best full score among the candidates whose scores over the terms taken are best."""
        keep = max(REFINE, k)
        if len(candidates) > keep:
            best = np.argpartition(partial, len(partial) - keep)[len(partial) - keep :]
            candidates, partial = candidates[best], partial[best]
        full = partial.copy()
        for term, weights in self._weights_at(set(rest), candidates).items():
            full += weights * multiplicity[term]
        return _kth_largest(full, k)

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The passages holding a sparse term (ascending), and its weight in each."""
        start, end = int(self._indptr[term_id]), int(self._indptr[term_id + 1])
        ids = self._ids[start:end].astype(np.intp)
        return ids, self._weights(term_id, self._counts[start:end], self._norm[ids])

    def _scanned_top_k(self, terms: list[int], k: int) -> list[tuple[int, float]] | None:
        """The top k from every posting of the sparse terms, the dense ones looked up in those passages.

        None when a passage holding none of the sparse terms could, by the dense terms' bounds, reach the
        k-th best found; with sparse terms only, the passages holding none score 0 and fill in after them.
        """
        if _scan is not None:
            return self._compiled_top_k(terms, k)
        dense = {term for term in terms if self._dense_slot[term] >= 0}
        sparse = [term for term in terms if term not in dense]
        parts = [self._ids[self._indptr[term] : self._indptr[term + 1]].astype(np.intp) for term in sparse]
        ids = np.concatenate([np.empty(0, dtype=np.intp), *parts])
        scores, stamp = self._buffers()
        positions = np.arange(len(ids), dtype=np.int32)
        stamp[ids] = positions
        candidates = ids[stamp[ids] == positions]
        stamp[candidates] = -1
        counts = np.concatenate([self._counts[self._indptr[term] : self._indptr[term + 1]] for term in sparse])
        weights = _okapi(counts, self._norm[ids], np.repeat(self._idf[sparse], list(map(len, parts))), self.k1)
        if dense:
            looked_up = self._weights_at(dense, candidates)
            pieces, offsets = [], np.cumsum([0, *map(len, parts)]).tolist()
            for term in terms:
                if term in dense:
                    pieces.append((candidates, looked_up[term]))
                else:
                    n = sparse.index(term)
                    pieces.append((ids[offsets[n] : offsets[n + 1]], weights[offsets[n] : offsets[n + 1]]))
            ids, weights = np.concatenate([p for p, _ in pieces]), np.concatenate([w for _, w in pieces])
        # np.add.at adds in array order, so each passage sums its terms in query order, as rank-bm25 does.
        np.add.at(scores, ids, weights)
        found = scores[candidates]
        scores[candidates] = 0.0
        best = [(int(candidates[p]), float(found[p])) for p in _best_of(candidates, found, k)]
        if dense:
            outside = sum(float(self._bound[term]) for term in terms if term in dense)
            return best if len(best) == k and _below(outside, best[-1][1]) else None
        if len(best) < k:
            best += self._zero_scored(set(candidates.tolist()), k - len(best))
        return best

    def _compiled_top_k(self, terms: list[int], k: int) -> list[tuple[int, float]] | None:
        """`_scanned_top_k` by the compiled loop: the same operations, in the same order, on the same arrays."""
        assert _scan is not None, "called only where the compiled scan was built"
        term_ids = np.array(terms, dtype=np.int64)
        slots = self._dense_slot[term_ids].astype(np.int64)
        scores, _ = self._buffers()
        touched: np.ndarray | None = getattr(self._scratch, "touched", None)
        if touched is None:
            touched = self._scratch.touched = np.empty(self._passage_count, dtype=np.int32)
        best = _scan.scan_top_k(
            self._indptr[term_ids],
            self._indptr[term_ids + 1],
            slots,
            self._idf[term_ids],
            self._ids,
            self._counts,
            self._dense_counts,
            self._counts.itemsize,
            self._norm,
            self.k1,
            scores,
            touched,
            k,
        )
        dense = [term for term, slot in zip(terms, slots.tolist(), strict=True) if slot >= 0]
        if dense:
            outside = sum(float(self._bound[term]) for term in dense)
            return best if len(best) == k and _below(outside, best[-1][1]) else None
        if len(best) < k:
            # Fewer than k passages hold a term: all of them are in `best`.
            best += self._zero_scored({passage for passage, _ in best}, k - len(best))
        return best

    def _zero_scored(self, held: set[int], count: int) -> list[tuple[int, float]]:
        """The first `count` passages outside `held`, each with score 0."""
        return list(islice(((i, 0.0) for i in range(self._passage_count) if i not in held), count))

    def _exact_top_k(self, terms: list[int], candidates: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The best k of `candidates` by their exact scores (each term added in query order, as rank-bm25
        does), then passages scoring 0 by lowest index when fewer than k candidates are given."""
        weights = self._weights_at(set(terms), candidates)
        scores = np.zeros(len(candidates))
        for term in terms:
            scores += weights[term]
        best = [(int(candidates[p]), float(scores[p])) for p in _best_of(candidates, scores, k)]
        if len(best) < k:
            best += self._zero_scored(set(candidates.tolist()), k - len(best))
        return best

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's partial scores (0) and marks of passages seen (-1), one slot per passage, kept so
        between queries."""
        buffers: tuple[np.ndarray, np.ndarray] | None = getattr(self._scratch, "buffers", None)
        if buffers is None:
            stamp = np.full(self._passage_count, -1, dtype=np.int32)
            buffers = self._scratch.buffers = (np.zeros(self._passage_count), stamp)
        return buffers


def _below(total: float, threshold: float) -> bool:
    """`total` is below `threshold` by more than float rounding in either could account for."""
    return total * (1 + _BOUND_SLACK) + _BOUND_SLACK < threshold


def _outside(order: list[int], taken: int, bound: dict[int, float], floor: dict[int, float]) -> float:
    """The most a passage outside the lists of the first `taken` terms of `order` can score."""
    return sum(floor.get(term, 0.0) for term in order[:taken]) + sum(bound[term] for term in order[taken:])


def _reaching(
    candidates: np.ndarray, partial: np.ndarray, still: float, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates (and their partial scores) that `still` more could lift to `threshold`."""
    alive = (partial + still) * (1 + _BOUND_SLACK) + _BOUND_SLACK >= threshold
    return candidates[alive], partial[alive]


def _okapi(
    counts: np.ndarray,
    norms: np.ndarray,
    idf: np.ndarray | float,
    k1: float,
    dtype: type[np.floating[Any]] = np.float64,
) -> np.ndarray:
    """idf * (tf * (k1 + 1) / (tf + norm)), in rank-bm25's order of operations (its float64 ones by default)."""
    tf = counts.astype(dtype)
    denominator = norms + tf
    tf *= k1 + 1
    tf /= denominator
    tf *= idf
    return tf


def _best_of(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
    """Positions of the k best candidates, best first, equal scores by lower passage index.

    np.partition slows twentyfold on many equal values (passages alike in length and counts), so the
    k-th best is found with `_kth_largest`, and ties at it are settled by a partition of their indexes.
    """
    if len(candidates) <= k:
        order: list[int] = np.lexsort((candidates, -scores)).tolist()
        return order
    kth = _kth_largest(scores, k)
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)
    missing = k - len(above)
    if len(tied) > missing:
        lowest = np.partition(candidates[tied], missing - 1)[missing - 1] if missing else -1
        tied = tied[candidates[tied] <= lowest]
    chosen = np.concatenate((above, tied))
    best: list[int] = chosen[np.lexsort((candidates[chosen], -scores[chosen]))].tolist()
    return best


def _kth_largest(scores: np.ndarray, k: int) -> float:
    """The k-th largest of `scores` (which has at least k).

    Narrowed first by a threshold: the k-th largest of an evenly spaced sample is met by at least k
    scores, hence no larger than the k-th largest of all.
    """
    while len(scores) > SORT_ALL_AT_MOST and 4 * k < len(scores):
        stride = len(scores) // max(k, math.isqrt(k * len(scores)))
        threshold = float(np.partition(scores[::stride], -k)[-k])
        above = scores[scores > threshold]
        if len(above) < k:
            return threshold
        scores = above
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def _concatenated(runs: list[np.ndarray]) -> np.ndarray:
    """The runs as one array; the list is emptied, so the array is the only copy."""
    whole = np.concatenate(runs)
    runs.clear()
    return whole


class _Part(NamedTuple):
    """How often each term occurs in each passage of a run of passages: sorted by term, then passage."""

    terms: np.ndarray
    passages: np.ndarray
    counts: np.ndarray


def _passage_term_counts(tokens: np.ndarray, passage_lengths: np.ndarray) -> list[_Part]:
    """The (term, passage, count) triples of every passage, a run of passages holding about CHUNK tokens at
    a time, so that sorting never needs more memory than one run's keys.

    Plain numpy, not scipy.sparse: nothing else in quotebot needs scipy, and importing it would add to every
    `quotebot` start.
    """
    ends = np.cumsum(passage_lengths)
    parts = []
    first = 0
    while first < len(passage_lengths):
        begin = int(ends[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(ends, begin + CHUNK, side="right")))
        local = last - first
        keys = tokens[begin : int(ends[last - 1])].astype(np.int64) * local
        keys += np.repeat(np.arange(local), passage_lengths[first:last])
        keys.sort()
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else keys
        distinct = keys[starts]
        counts = np.diff(np.append(starts, len(keys))).astype(np.uint32)
        parts.append(_Part((distinct // local).astype(np.int32), (distinct % local + first).astype(np.uint32), counts))
        first = last
    return parts


def _build_arrays(
    parts: list[_Part],
    passage_lengths: np.ndarray,
    table_positions: np.ndarray,
    k1: float,
    b: float,
    epsilon: float,
) -> dict[str, np.ndarray]:
    """Every `bm25.*` array but the vocabulary, from the passages' term counts (term ids are table positions).

    `parts` is emptied on the way, each part freed once its counts are in place.
    """
    passage_count, vocabulary_size = len(passage_lengths), len(table_positions)
    df = np.zeros(vocabulary_size, dtype=np.int64)
    for part in parts:
        df += np.bincount(part.terms, minlength=vocabulary_size)
    most = max((int(part.counts.max()) for part in parts if len(part.counts)), default=0)
    # math.log, as rank-bm25 uses, rather than np.log, which may differ from it in the last bit.
    raw_idf = np.array([math.log(passage_count - d + 0.5) - math.log(d + 0.5) for d in df.tolist()])
    # rank-bm25 adds the raw idf up one term at a time, in order of first appearance.
    idf_sum = 0.0
    for value in raw_idf[table_positions].tolist():
        idf_sum += value
    floor = epsilon * (idf_sum / vocabulary_size) if vocabulary_size else 0.0
    idf = np.where(raw_idf >= 0, raw_idf, floor).astype(np.float64)

    total_length = int(passage_lengths.sum())
    average_length = total_length / passage_count if total_length else 1.0
    norm = k1 * (1 - b + b * passage_lengths / average_length)
    count_dtype = np.uint8 if most <= np.iinfo(np.uint8).max else np.uint16
    dense = np.flatnonzero(df >= passage_count * DENSE_MIN_SHARE)
    dense_slot = np.full(vocabulary_size, -1, dtype=np.int32)
    dense_slot[dense] = np.arange(len(dense), dtype=np.int32)
    sparse_df = np.where(dense_slot < 0, df, 0)
    indptr = np.zeros(vocabulary_size + 1, dtype=np.int64)
    np.cumsum(sparse_df, out=indptr[1:])
    dense_counts, ids, counts = _place_counts(parts, dense_slot, indptr, passage_count, count_dtype)

    max_weight = np.zeros(vocabulary_size)
    first = 0
    while first < vocabulary_size:
        # A run of terms holding about CHUNK postings, weighed together.
        last = max(first + 1, int(np.searchsorted(indptr, indptr[first] + CHUNK, side="right")) - 1)
        begin, end = int(indptr[first]), int(indptr[last])
        idf_of_posting = np.repeat(idf[first:last], sparse_df[first:last])
        weights = _okapi(counts[begin:end], norm[ids[begin:end]], idf_of_posting, k1)
        held = np.flatnonzero(sparse_df[first:last]) + first
        if len(held):
            max_weight[held] = np.maximum.reduceat(weights, indptr[held] - begin)
        first = last
    top = min(DENSE_TOP, passage_count)
    dense_top = np.zeros((len(dense), top), dtype=np.uint32)
    dense_floor = np.zeros(len(dense))
    for slot, term in enumerate(dense.tolist()):
        holders = np.flatnonzero(dense_counts[slot])
        row = np.zeros(passage_count)
        row[holders] = _okapi(dense_counts[slot, holders], norm[holders], float(idf[term]), k1)
        max_weight[term] = row[holders].max()
        best = np.argpartition(row, passage_count - top)[passage_count - top :]
        dense_top[slot] = best
        dense_floor[slot] = row[best].min()
    return {
        "bm25.idf": idf,
        "bm25.document_frequency": df,
        "bm25.max_weight": max_weight,
        "bm25.dense_slot": dense_slot,
        "bm25.dense_counts": dense_counts,
        "bm25.dense_top": dense_top,
        "bm25.dense_floor": dense_floor,
        "bm25.indptr": indptr,
        "bm25.ids": ids,
        "bm25.counts": counts,
        "bm25.length_norm": norm.astype(np.float64),
    }


def _place_counts(
    parts: list[_Part], dense_slot: np.ndarray, indptr: np.ndarray, passage_count: int, count_dtype: type[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dense terms' rows of counts, and the sparse terms' postings in the runs `indptr` gives.

    Parts come in passage order, so each term's passages, appended part by part, stay ascending.
    """
    dense_counts = np.zeros((int(np.count_nonzero(dense_slot >= 0)), passage_count), dtype=count_dtype)
    ids = np.empty(int(indptr[-1]), dtype=np.uint32)
    counts = np.empty(int(indptr[-1]), dtype=count_dtype)
    cursor = indptr[:-1].copy()
    while parts:
        terms, passages, part_counts = parts.pop(0)
        slots = dense_slot[terms]
        in_row = slots >= 0
        dense_counts[slots[in_row], passages[in_row]] = part_counts[in_row]
        terms, passages, part_counts = terms[~in_row], passages[~in_row], part_counts[~in_row]
        if not len(terms):
            continue
        starts = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1])))
        lengths = np.diff(np.append(starts, len(terms)))
        run_terms = terms[starts]
        # Each triple's place: where its term's postings have got to, plus its rank in the term's run.
        places = np.arange(len(terms)) - np.repeat(starts - cursor[run_terms], lengths)
        ids[places] = passages
        counts[places] = part_counts
        cursor[run_terms] += lengths
    return dense_counts, ids, counts


# Every saved array's dtype(s) and number of dimensions.
_SAVED_ARRAYS: dict[str, tuple[tuple[type[Any], ...], int]] = {
    "bm25.idf": ((np.float64,), 1),
    "bm25.document_frequency": ((np.int64,), 1),
    "bm25.max_weight": ((np.float64,), 1),
    "bm25.dense_slot": ((np.int32,), 1),
    "bm25.dense_counts": ((np.uint8, np.uint16), 2),
    "bm25.dense_top": ((np.uint32,), 2),
    "bm25.dense_floor": ((np.float64,), 1),
    "bm25.indptr": ((np.int64,), 1),
    "bm25.ids": ((np.uint32,), 1),
    "bm25.counts": ((np.uint8, np.uint16), 1),
    "bm25.length_norm": ((np.float64,), 1),
}


def _check_arrays(arrays: dict[str, np.ndarray]) -> None:
    """Refuse arrays that could not have come from one build, with checks that cost O(vocabulary), not O(postings)."""
    for name, (dtypes, dimensions) in _SAVED_ARRAYS.items():
        if name not in arrays:
            raise ValueError(f"array {name!r} is missing")
        if arrays[name].dtype not in dtypes or arrays[name].ndim != dimensions:
            raise ValueError(f"array {name!r} is not a {dimensions}-d {np.dtype(dtypes[0])} array")
    vocabulary_size = len(arrays["bm25.idf"])
    passage_count = len(arrays["bm25.length_norm"])
    indptr, dense_slot, dense = arrays["bm25.indptr"], arrays["bm25.dense_slot"], arrays["bm25.dense_counts"]
    if (
        passage_count < 1
        or len(arrays["bm25.vocabulary.hashes"]) != vocabulary_size
        or any(len(arrays[name]) != vocabulary_size for name in ("bm25.document_frequency", "bm25.max_weight"))
        or len(dense_slot) != vocabulary_size
        or len(indptr) != vocabulary_size + 1
        or indptr[0] != 0
        or np.any(np.diff(indptr) < 0)
        or indptr[-1] != len(arrays["bm25.ids"])
        or len(arrays["bm25.ids"]) != len(arrays["bm25.counts"])
        or arrays["bm25.counts"].dtype != dense.dtype
        or dense.shape[1] != passage_count
        or arrays["bm25.dense_top"].shape != (len(dense), min(DENSE_TOP, passage_count))
        or len(arrays["bm25.dense_floor"]) != len(dense)
        or (arrays["bm25.dense_top"].size and int(arrays["bm25.dense_top"].max()) >= passage_count)
        or (vocabulary_size and (dense_slot.min() < -1 or dense_slot.max() >= len(dense)))
    ):
        raise ValueError("the BM25 arrays do not fit together")
