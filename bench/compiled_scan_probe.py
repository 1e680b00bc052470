"""What a compiled loop over BM25Index's own mapped arrays would give, beside BM25Index.top_k, in one run.

BM25Index ranks in numpy, whose every pass over a query's postings costs a few ns a posting (a SQuAD×48
question holds about 20,000 postings; see README "Retrieval at scale"), where bm25s's numba loop costs
about one. This probe compiles a 40-line C loop (with `cc`, into a temporary folder, loaded with ctypes;
it is not part of quotebot) that does what `_scanned_top_k` does for a query of sparse terms only: every
posting's weight in rank-bm25's float64 operations, added per passage in query order, then the best k,
ties to the lower index. Its answers must equal `top_k`'s exactly (ids and scores to the bit); then each
query is timed in both, in turn, CPU time, the least of ROUNDS, so a shared machine's load hits both alike.
Queries holding a dense term are counted and left out (the loop does not read dense rows).

Run:  nice python bench/compiled_scan_probe.py [--corpora squad-x48,zipf-100k] [--queries 500]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from bench_engines import K, load_corpus_tokens, load_queries  # noqa: E402

from retrieval.bm25_index import BM25Index  # noqa: E402

ROUNDS = 3
WARM_UP = 20

SOURCE = r"""
#include <stdint.h>
/* The postings of terms[0..n_terms) scored as rank-bm25 does, idf * (tf * (k1 + 1) / (tf + norm)), added per
   passage in query order into `scores` (all 0 on entry and again on return; a weight is never 0 here, so 0
   marks a passage not yet touched), then the best k touched, ties to the lower id. Returns how many. */
int scan_top_k(int n_terms, const int64_t *starts, const int64_t *ends, const double *idf,
               const uint32_t *ids, const uint8_t *counts, const double *norm, double k1,
               double *scores, int32_t *touched, int k, int32_t *best_ids, double *best_scores)
{
    int64_t n = 0;
    for (int t = 0; t < n_terms; t++) {
        for (int64_t i = starts[t]; i < ends[t]; i++) {
            uint32_t p = ids[i];
            double tf = counts[i];
            double w = idf[t] * (tf * (k1 + 1) / (tf + norm[p]));
            if (scores[p] == 0.0) touched[n++] = (int32_t)p;
            scores[p] += w;
        }
    }
    int m = 0;
    for (int64_t j = 0; j < n; j++) {
        int32_t p = touched[j];
        double s = scores[p];
        scores[p] = 0.0;
        if (m == k && (s < best_scores[k - 1] || (s == best_scores[k - 1] && p > best_ids[k - 1]))) continue;
        int at = m < k ? m++ : k - 1;
        while (at > 0 && (best_scores[at - 1] < s || (best_scores[at - 1] == s && best_ids[at - 1] > p))) {
            best_scores[at] = best_scores[at - 1];
            best_ids[at] = best_ids[at - 1];
            at--;
        }
        best_scores[at] = s;
        best_ids[at] = p;
    }
    return m;
}
"""


def compiled_top_k(index: BM25Index, folder: Path) -> Callable[[list[str]], list[tuple[int, float]]]:
    """The C loop over `index`'s arrays, as a top_k of a query's tokens (sparse terms only)."""
    source, library = folder / "scan.c", folder / "scan.so"
    source.write_text(SOURCE)
    # No contraction into fused multiply-adds: the loop must round as numpy does, operation by operation.
    subprocess.run(["cc", "-O2", "-ffp-contract=off", "-shared", "-fPIC", "-o", library, source], check=True)
    scan = ctypes.CDLL(str(library)).scan_top_k
    pointer = ctypes.c_void_p
    scan.argtypes = [ctypes.c_int, *[pointer] * 6, ctypes.c_double, pointer, pointer, ctypes.c_int, pointer, pointer]
    arrays = index.arrays()
    ids, counts, norm, indptr, idf = (
        arrays[f"bm25.{name}"] for name in ("ids", "counts", "length_norm", "indptr", "idf")
    )
    if counts.dtype != np.uint8:
        raise SystemExit("the probe reads one-byte counts; this corpus repeats a term more than 255 times")
    scores = np.zeros(len(norm))
    touched = np.zeros(len(ids) + 1, dtype=np.int32)
    best_ids, best_scores = np.zeros(K, dtype=np.int32), np.zeros(K)
    # Addresses only: `held` keeps the arrays behind them alive as long as the function.
    held = (ids, counts, norm, scores, touched, best_ids, best_scores)
    fixed, buffers, best = ([array.ctypes.data for array in group] for group in (held[:3], held[3:5], held[5:]))

    def top_k(tokens: list[str]) -> list[tuple[int, float]]:
        assert held, "the arrays the loop writes to are alive"
        terms = np.array(index._query_terms(tokens), dtype=np.int64)
        starts, ends, weights = indptr[terms], indptr[terms + 1], idf[terms]
        found = scan(len(terms), starts.ctypes.data, ends.ctypes.data, weights.ctypes.data, *fixed, index.k1, *buffers,
                     K, *best)  # fmt: skip
        return list(zip(best_ids[:found].tolist(), best_scores[:found].tolist(), strict=True))

    return top_k


def probe(corpus: str, count: int, cache: Path) -> None:
    index_folder = cache / f"bm25-{corpus}"
    BM25Index(load_corpus_tokens(corpus, cache)).save(index_folder, "probe")
    index = BM25Index.load(index_folder)
    compiled = compiled_top_k(index, cache)
    queries = load_queries(corpus, count + WARM_UP, cache)
    for tokens in queries[:WARM_UP]:
        index.top_k(tokens, K)
    sparse_only = []
    for tokens in queries[WARM_UP:]:
        terms = index._query_terms(tokens)
        # Sparse terms of positive idf (every weight above 0), as on any corpus larger than a handful of passages.
        if terms and all(index._dense_slot[term] < 0 and index._idf[term] > 0 for term in terms):
            sparse_only.append(tokens)
    mismatches = sum(compiled(tokens) != index.top_k(tokens, K) for tokens in sparse_only)
    timings: dict[str, list[float]] = {"BM25Index.top_k (numpy)": [], "C loop (probe)": []}
    for tokens in sparse_only:
        for name, search in zip(timings, (lambda t: index.top_k(t, K), compiled), strict=True):
            least = min(_cpu_seconds(search, tokens) for _ in range(ROUNDS))
            timings[name].append(least * 1000)
    print(f"\n{corpus}: {len(sparse_only)} of {count} queries hold sparse terms only; answers differing: {mismatches}")
    print("| ranking | CPU p50 ms | p90 | p99 | mean |\n|---|---:|---:|---:|---:|")
    for name, values in timings.items():
        p50, p90, p99 = np.percentile(values, [50, 90, 99])
        print(f"| {name} | {p50:.3f} | {p90:.3f} | {p99:.3f} | {np.mean(values):.3f} |")


def _cpu_seconds(search: Callable[[list[str]], object], tokens: list[str]) -> float:
    started = time.process_time()
    search(tokens)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", default="squad-x48,zipf-100k")
    parser.add_argument("--queries", type=int, default=500)
    arguments = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="compiled-scan-") as scratch:
        for corpus in arguments.corpora.split(","):
            probe(corpus, arguments.queries, Path(scratch))
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
