"""Build time, query latency and peak memory of BM25Index against rank-bm25 (the baseline) and bm25s.

Each (engine, size) cell runs in a fresh child process, which generates the same synthetic corpus, builds
the engine, times the queries and reports its own peak RSS (getrusage(RUSAGE_SELF).ru_maxrss), so the
figures of one cell never include another's memory. "corpus MB" is the cell's RSS just after generating
the corpus, before building; peak minus corpus is roughly what the engine itself needed.

Corpus: passages of 40..80 tokens (60 on average) drawn from a 50,000-word vocabulary with
p(rank) proportional to 1 / rank ** 1.1; queries: 5 tokens from the same distribution; fixed seeds.
Every engine answers "the k best passages" for one query at a time:
  BM25Index  top_k(tokens, k)
  rank-bm25  get_scores(tokens), then the argsort its own get_top_n uses
  bm25s      get_scores_from_ids(ids) with the token ids looked up before timing, then its numpy top-k
             selection: the per-query work of its retrieve() without the batching, progress-bar and
             input-checking overhead; method "robertson" (the Okapi idf), bm25s' default float32 scores.

Run:  python bench/bench_bm25.py [--sizes 1000,10000] [--queries 200] [--k 10]
Needs the bench extra: pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any, NamedTuple

import numpy as np

VOCABULARY_SIZE = 50_000
ZIPF_EXPONENT = 1.1
PASSAGE_LENGTHS = (40, 80)
QUERY_LENGTH = 5
CORPUS_SEED = 20240611
QUERY_SEED = 7
WARM_UP_QUERIES = 3
# Small chunks keep generation's own transient memory out of the peak RSS figures.
GENERATION_CHUNK = 10_000
ENGINES = ("BM25Index", "rank-bm25", "bm25s")
# rank-bm25 loops over every passage's dict in Python for every query term, so it gets fewer queries.
RANK_BM25_MAX_QUERIES = {100_000: 30}
RANK_BM25_MAX_SIZE = 100_000


class Engine(NamedTuple):
    """A built engine: `prepare` turns query tokens into its input before timing, `top_k` is timed."""

    prepare: Callable[[list[str]], Any]
    top_k: Callable[[Any], object]


def unchanged(tokens: list[str]) -> list[str]:
    return tokens


def word_probabilities() -> np.ndarray:
    ranks = np.arange(1, VOCABULARY_SIZE + 1, dtype=np.float64)
    weights = ranks**-ZIPF_EXPONENT
    return weights / weights.sum()


def synthetic_corpus(size: int) -> list[list[str]]:
    """Passages sharing one str object per word, as a tokeniser's interned output would."""
    rng = np.random.default_rng(CORPUS_SEED)
    words = np.array([f"w{rank}" for rank in range(VOCABULARY_SIZE)], dtype=object)
    probabilities = word_probabilities()
    passages: list[list[str]] = []
    for start in range(0, size, GENERATION_CHUNK):
        lengths = rng.integers(PASSAGE_LENGTHS[0], PASSAGE_LENGTHS[1] + 1, size=min(GENERATION_CHUNK, size - start))
        tokens = words[rng.choice(VOCABULARY_SIZE, size=int(lengths.sum()), p=probabilities)].tolist()
        ends = np.cumsum(lengths).tolist()
        passages.extend(tokens[begin:end] for begin, end in zip([0, *ends[:-1]], ends, strict=True))
    return passages


def synthetic_queries(count: int) -> list[list[str]]:
    rng = np.random.default_rng(QUERY_SEED)
    ids = rng.choice(VOCABULARY_SIZE, size=(count, QUERY_LENGTH), p=word_probabilities())
    return [[f"w{rank}" for rank in row] for row in ids.tolist()]


def build_bm25_index(passages: list[list[str]], k: int) -> Engine:
    from retrieval.bm25_index import BM25Index

    index = BM25Index(passages)
    return Engine(unchanged, lambda tokens: index.top_k(tokens, k))


def build_rank_bm25(passages: list[list[str]], k: int) -> Engine:
    from rank_bm25 import BM25Okapi

    okapi = BM25Okapi(passages)
    return Engine(unchanged, lambda tokens: np.argsort(okapi.get_scores(tokens))[::-1][:k])


def build_bm25s(passages: list[list[str]], k: int) -> Engine:
    import bm25s
    import bm25s.selection

    retriever = bm25s.BM25(method="robertson")
    retriever.index(passages, show_progress=False)

    def top_k(ids: list[int]) -> object:
        scores = retriever.get_scores_from_ids(ids)
        return bm25s.selection.topk(scores, k, backend="numpy", sorted=True)

    return Engine(retriever.get_tokens_ids, top_k)


BUILDERS: dict[str, Callable[[list[list[str]], int], Engine]] = {
    "BM25Index": build_bm25_index,
    "rank-bm25": build_rank_bm25,
    "bm25s": build_bm25s,
}


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_cell(engine: str, size: int, query_count: int, k: int) -> dict[str, object]:
    """Measure one engine at one corpus size, in this (child) process."""
    passages = synthetic_corpus(size)
    queries = synthetic_queries(query_count + WARM_UP_QUERIES)
    corpus_mb = current_rss_mb()
    started = time.perf_counter()
    built = BUILDERS[engine](passages, k)
    build_seconds = time.perf_counter() - started
    latencies = []
    for number, prepared in enumerate(map(built.prepare, queries)):
        started = time.perf_counter()
        built.top_k(prepared)
        if number >= WARM_UP_QUERIES:
            latencies.append(time.perf_counter() - started)
    return {
        "engine": engine,
        "size": size,
        "build_s": build_seconds,
        "p50_ms": float(np.percentile(latencies, 50)) * 1000,
        "p99_ms": float(np.percentile(latencies, 99)) * 1000,
        "queries": len(latencies),
        "corpus_mb": corpus_mb,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_in_child(engine: str, size: int, query_count: int, k: int) -> dict[str, object]:
    command = [sys.executable, __file__, "--cell", engine, str(size), "--queries", str(query_count), "--k", str(k)]
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def machine_description() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    libraries = ", ".join(f"{name} {version(name)}" for name in ("numpy", "rank-bm25", "bm25s"))
    return (
        f"CPU: {models[0] if models else platform.processor()} ({os.cpu_count()} cores visible), "
        f"RAM {total_kb / 2**20:.1f} GB, Python {platform.python_version()}, {libraries}"
    )


def rank_bm25_skip_reason(size: int, cells: list[dict[str, object]]) -> str:
    """Why rank-bm25 sits out a size, with its cost scaled linearly from the largest size it ran at."""
    reason = (
        f"rank-bm25 skipped at {size:,} passages: each query walks one Python dict per passage, "
        "and the build keeps one dict per passage."
    )
    measured = [cell for cell in cells if cell["engine"] == "rank-bm25"]
    if not measured:
        return reason
    largest = max(measured, key=lambda cell: cell["size"])
    scale = size / largest["size"]
    return (
        f"{reason} Scaled linearly from its {largest['size']:,}-passage cell: "
        f"~{largest['p50_ms'] * scale / 1000:.1f} s per query, ~{largest['build_s'] * scale:.0f} s build, "
        f"~{(largest['peak_mb'] - largest['corpus_mb']) * scale / 1024:.1f} GB above the corpus."
    )


def markdown_table(cells: list[dict[str, object]]) -> str:
    baseline = {cell["size"]: cell["p50_ms"] for cell in cells if cell["engine"] == "rank-bm25"}
    lines = [
        "| passages | engine | build s | query p50 ms | query p99 ms | queries | p50 speed-up vs rank-bm25 "
        "| corpus MB | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cell in cells:
        baseline_p50 = baseline.get(cell["size"])
        speed_up = f"{baseline_p50 / cell['p50_ms']:.0f}x" if baseline_p50 else "-"
        lines.append(
            f"| {cell['size']:,} | {cell['engine']} | {cell['build_s']:.2f} | {cell['p50_ms']:.3f} "
            f"| {cell['p99_ms']:.3f} | {cell['queries']} | {speed_up} "
            f"| {cell['corpus_mb']:.0f} | {cell['peak_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated passage counts")
    parser.add_argument(
        "--queries", type=int, default=200, help="timed queries per cell (rank-bm25 gets fewer at 100k)"
    )
    parser.add_argument("--k", type=int, default=10, help="passages returned per query")
    parser.add_argument("--cell", nargs=2, metavar=("ENGINE", "SIZE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.cell:
        engine, size = arguments.cell
        print(json.dumps(run_cell(engine, int(size), arguments.queries, arguments.k)))
        return

    sizes = [int(size) for size in arguments.sizes.split(",")]
    print(machine_description())
    print(
        f"Corpus: ~{sum(PASSAGE_LENGTHS) // 2} tokens per passage, {VOCABULARY_SIZE:,}-word vocabulary, "
        f"Zipf exponent {ZIPF_EXPONENT}; {QUERY_LENGTH}-token queries, top {arguments.k}; "
        "peak RSS is each cell's own child process (ru_maxrss).",
        flush=True,
    )
    cells = []
    for size in sizes:
        for engine in ENGINES:
            if engine == "rank-bm25" and size > RANK_BM25_MAX_SIZE:
                print(rank_bm25_skip_reason(size, cells), flush=True)
                continue
            query_count = arguments.queries
            if engine == "rank-bm25":
                query_count = min(query_count, RANK_BM25_MAX_QUERIES.get(size, query_count))
            cells.append(measure_in_child(engine, size, query_count, arguments.k))
            print(json.dumps(cells[-1]), file=sys.stderr, flush=True)
    print()
    print(markdown_table(cells))


if __name__ == "__main__":
    main()
