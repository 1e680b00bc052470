"""BM25Index beside bm25s (numba backend), tantivy and rank-bm25: build, disk, open, memory, latency, throughput.

Every engine runs in its own processes, one after another, on the same corpora and the same queries:
  build    a fresh process builds the engine's index from the tokenised corpus and saves it to disk
           (build seconds, wall-clock and CPU of all the process's threads, the process's peak RSS, the
           index's size on disk);
  query    a fresh process opens the saved index (open time, with the page cache warm from the build),
           answers every query for its top 10 one at a time (p50 / p99), then the whole batch on 2 cores
           (queries per second: BM25Index.top_k_batch, bm25s retrieve(n_threads=2), two tantivy processes);
  workers  three processes open the same saved index and answer 200 queries each; while all three are
           alive their PSS is read from /proc/PID/smaps_rollup, split into the shared file mapping
           (Pss_File) and each process's own memory (Pss_Anon).
rank-bm25 keeps nothing on disk and scores every passage in Python, so it only builds and answers a few
queries, on the smaller corpora, as the reference.

Corpora (fixed seeds):
  zipf-100k / zipf-1m  synthetic passages: 40-80 tokens from a 50,000-word vocabulary with p(rank)
                       proportional to 1 / rank ** 1.1, 5-token queries from the same distribution;
  squad-x48            the SQuAD v1.1 dev paragraphs of ../shared/eval/squad-v1.1-dev-even.json repeated to
                       ~107k passages (105 copies of its 1,023), each copy with 3% of words dropped and 3%
                       swapped with their neighbour; queries are its 5,397 real questions. Text is tokenised
                       with quotebot's own tokeniser for every engine (tantivy indexes the tokens as given).

Run:  nice python bench/bench_engines.py [--corpora zipf-100k,squad-x48,zipf-1m] [--engines ...] [--queries 1000]
                                         [--baseline CHECKOUT]   (that checkout's BM25Index too, same run)
Needs the bench extra: pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

SCRIPT = Path(__file__).resolve()
REPOSITORY = SCRIPT.parent.parent
sys.path.insert(0, str(REPOSITORY))

SQUAD = REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"
SQUAD_PASSAGES = 107_000
PERTURB = 0.03
K = 10
WARM_UP = 20
WORKER_QUERIES = 200
RANK_BM25_QUERIES = 30
ENGINES = ("BM25Index", "bm25s", "tantivy", "rank-bm25")
CORPORA = ("zipf-100k", "squad-x48", "zipf-1m")
RANK_BM25_CORPORA = ("zipf-100k", "squad-x48")


# Corpora -------------------------------------------------------------------------------------------

VOCABULARY_SIZE = 50_000
ZIPF_EXPONENT = 1.1
PASSAGE_LENGTHS = (40, 80)
QUERY_LENGTH = 5
CORPUS_SEED = 20240611
QUERY_SEED = 7
# Small chunks keep generation's own transient memory out of the peak RSS figures.
GENERATION_CHUNK = 10_000


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


def load_corpus_tokens(name: str, cache: Path) -> list[list[str]]:
    if name.startswith("zipf-"):
        return synthetic_corpus(_zipf_size(name))
    path = cache / "squad-x48.pickle"
    if not path.exists():
        passages, questions = _squad_x48()
        with path.open("wb") as file:
            pickle.dump((passages, questions), file)
    with path.open("rb") as file:
        passages, _ = pickle.load(file)
    return passages


def load_queries(name: str, count: int, cache: Path) -> list[list[str]]:
    if name.startswith("zipf-"):
        return synthetic_queries(count)
    with (cache / "squad-x48.pickle").open("rb") as file:
        _, questions = pickle.load(file)
    return questions[:count]


def _zipf_size(name: str) -> int:
    """zipf-100k -> 100,000 passages; zipf-1m -> 1,000,000."""
    size = name.removeprefix("zipf-")
    return int(float(size[:-1]) * {"k": 1_000, "m": 1_000_000}[size[-1]]) if size[-1] in "km" else int(size)


def _squad_x48() -> tuple[list[list[str]], list[list[str]]]:
    from retrieval.tokens import tokenize

    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    paragraphs = [p["context"] for article in data["data"] for p in article["paragraphs"]]
    questions = [qa["question"] for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]]
    rng = random.Random(48)
    copies = max(1, round(SQUAD_PASSAGES / len(paragraphs)))
    passages = []
    for _ in range(copies):
        for paragraph in paragraphs:
            words = [word for word in paragraph.split() if rng.random() >= PERTURB]
            for i in range(len(words) - 1):
                if rng.random() < PERTURB:
                    words[i], words[i + 1] = words[i + 1], words[i]
            passages.append(tokenize(" ".join(words)))
    return passages, [tokenize(question) for question in questions]


# Engines: build + save, open, query one, query a batch on 2 cores ----------------------------------


def build_bm25_index(passages: list[list[str]], directory: Path) -> None:
    from retrieval.bm25_index import BM25Index

    BM25Index(passages).save(directory, "bench")


def open_bm25_index(directory: Path) -> Any:
    from retrieval.bm25_index import BM25Index

    return BM25Index.load(directory)


def build_bm25s(passages: list[list[str]], directory: Path) -> None:
    import bm25s

    retriever = bm25s.BM25(method="robertson", backend="numba")
    retriever.index(passages, show_progress=False)
    retriever.save(directory, show_progress=False)


def open_bm25s(directory: Path) -> Any:
    import bm25s

    return bm25s.BM25.load(directory, mmap=True, backend="numba", show_progress=False)


def build_tantivy(passages: list[list[str]], directory: Path) -> None:
    import tantivy

    directory.mkdir(parents=True)
    index = tantivy.Index(_tantivy_schema(), path=str(directory))
    writer = index.writer(heap_size=500_000_000, num_threads=1)
    for tokens in passages:
        writer.add_document(tantivy.Document(body=" ".join(tokens)))
    writer.commit()
    writer.wait_merging_threads()


def _tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def open_tantivy(directory: Path) -> Any:
    import tantivy

    index = tantivy.Index.open(str(directory))
    return index, index.schema, index.searcher()


def _import_engine(engine: str) -> None:
    """Import the engine's modules before its open is timed: the open, not Python's imports, is measured."""
    if engine == "BM25Index":
        import retrieval.bm25_index  # noqa: F401
    elif engine == "bm25s":
        import bm25s  # noqa: F401
    else:
        import tantivy  # noqa: F401


def query_one(engine: str, opened: Any) -> Callable[[list[str]], object]:
    if engine == "BM25Index":
        return lambda tokens: opened.top_k(tokens, K)
    if engine == "bm25s":
        return lambda tokens: opened.retrieve([tokens or [""]], k=K, show_progress=False, n_threads=1)
    if engine == "tantivy":
        import tantivy

        _, schema, searcher = opened

        def search(tokens: list[str]) -> object:
            clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in tokens]
            return searcher.search(tantivy.Query.boolean_query(clauses), K).hits

        return search
    raise ValueError(engine)


def query_batch(engine: str, opened: Any, directory: Path, queries: list[list[str]]) -> float:
    """Seconds to answer every query on 2 cores, with the engine's own batch path."""
    started = time.perf_counter()
    if engine == "BM25Index":
        opened.top_k_batch(queries, K, processes=2)
    elif engine == "bm25s":
        opened.retrieve([q or [""] for q in queries], k=K, show_progress=False, n_threads=2)
    else:
        half = len(queries) // 2
        parts = []
        for number, part in enumerate((queries[:half], queries[half:])):
            parts.append(directory.parent / f"{directory.name}.queries-{number}.json")
            parts[-1].write_text(json.dumps(part))
        started = time.perf_counter()
        children = [_spawn("batch", engine, directory, str(path)) for path in parts]
        for child in children:
            child.communicate()
    return time.perf_counter() - started


# Cells, each in its own process --------------------------------------------------------------------


def cell_build(engine: str, corpus: str, directory: Path, cache: Path) -> dict[str, Any]:
    passages = load_corpus_tokens(corpus, cache)
    corpus_mb = _rss_mb()
    started, started_cpu = time.perf_counter(), time.process_time()
    if engine == "rank-bm25":
        from rank_bm25 import BM25Okapi

        okapi = BM25Okapi(passages)
        build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
        latencies = _latencies(
            lambda tokens: np.argsort(okapi.get_scores(tokens))[::-1][:K],
            load_queries(corpus, RANK_BM25_QUERIES + 3, cache)[3:],
        )
        built = {"build_s": build_s, "build_cpu_s": build_cpu_s, "corpus_mb": corpus_mb, "peak_mb": _peak_mb()}
        return {**built, **_percentiles(latencies)}
    {"BM25Index": build_bm25_index, "bm25s": build_bm25s, "tantivy": build_tantivy}[engine](passages, directory)
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    disk = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    return {
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "corpus_mb": corpus_mb,
        "peak_mb": _peak_mb(),
        "disk_mb": disk / 1e6,
    }


def cell_query(engine: str, corpus: str, directory: Path, cache: Path, count: int) -> dict[str, Any]:
    queries = load_queries(corpus, count + WARM_UP, cache)
    _import_engine(engine)
    before = _rss_mb()
    started = time.perf_counter()
    opened = {"BM25Index": open_bm25_index, "bm25s": open_bm25s, "tantivy": open_tantivy}[engine](directory)
    open_ms = (time.perf_counter() - started) * 1000
    open_rss = _rss_mb() - before
    search = query_one(engine, opened)
    for tokens in queries[:WARM_UP]:
        search(tokens)
    timings = _latencies(search, queries[WARM_UP:])
    if engine == "bm25s":
        # Its threaded path is compiled by numba on first use, which is not what is being timed.
        opened.retrieve(queries[:4], k=K, show_progress=False, n_threads=2)
    batch_s = query_batch(engine, opened, directory, queries[WARM_UP:])
    return {
        "open_ms": open_ms,
        "open_rss_mb": open_rss,
        **_percentiles(timings),
        "qps_2_cores": len(queries[WARM_UP:]) / batch_s,
        "qps_1_core": len(timings[0]) / sum(timings[0]),
    }


def cell_worker(engine: str, corpus: str, directory: Path, cache: Path) -> None:
    opened = {"BM25Index": open_bm25_index, "bm25s": open_bm25s, "tantivy": open_tantivy}[engine](directory)
    search = query_one(engine, opened)
    for tokens in load_queries(corpus, WORKER_QUERIES, cache):
        search(tokens)
    print("ready", flush=True)
    sys.stdin.read()


def cell_batch(engine: str, directory: Path, queries_file: Path) -> None:
    search = query_one(engine, {"tantivy": open_tantivy}[engine](directory))
    for tokens in json.loads(queries_file.read_text()):
        search(tokens)


def measure_workers(engine: str, corpus: str, directory: Path, cache: Path, script: Path) -> dict[str, Any]:
    workers = [_spawn("worker", engine, directory, corpus, str(cache), script=script) for _ in range(3)]
    for worker in workers:
        assert worker.stdout is not None
        worker.stdout.readline()
    pss = [_pss(worker.pid) for worker in workers]
    for worker in workers:
        worker.communicate("")
    return {
        "pss_mb": float(np.mean([p["Pss"] for p in pss])),
        "pss_anon_mb": float(np.mean([p["Pss_Anon"] for p in pss])),
        "pss_file_mb": float(np.mean([p["Pss_File"] for p in pss])),
    }


def _spawn(role: str, engine: str, directory: Path, *extra: str, script: Path = SCRIPT) -> subprocess.Popen[str]:
    command = [sys.executable, str(script), "--role", role, engine, str(directory), *extra]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _run_child(script: Path, *args: str) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, str(script), *args], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _latencies(search: Callable[[list[str]], object], queries: Sequence[list[str]]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each query: on a shared machine the CPU time is what the engine spent."""
    latencies, cpu = [], []
    for tokens in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        search(tokens)
        cpu.append(time.process_time() - started_cpu)
        latencies.append(time.perf_counter() - started)
    return latencies, cpu


def _percentiles(timings: tuple[list[float], list[float]]) -> dict[str, float]:
    latencies, cpu = timings
    return {
        "p50_ms": float(np.percentile(latencies, 50)) * 1000,
        "p99_ms": float(np.percentile(latencies, 99)) * 1000,
        "cpu_p50_ms": float(np.percentile(cpu, 50)) * 1000,
        "cpu_p99_ms": float(np.percentile(cpu, 99)) * 1000,
        "queries": len(latencies),
    }


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pss(pid: int) -> dict[str, float]:
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return fields


# The run -------------------------------------------------------------------------------------------


def run(corpora: list[str], engines: list[str], count: int, baseline: Path | None) -> list[dict[str, Any]]:
    """Every cell; with `baseline`, that checkout's BM25Index (its own copy of this script, so its own
    `retrieval`) is measured first on each corpus, labelled with the checkout's folder name."""
    runs = [(engine, engine, SCRIPT) for engine in engines]
    if baseline is not None:
        runs.insert(0, (f"BM25Index ({baseline.name})", "BM25Index", baseline / "bench" / SCRIPT.name))
    cells = []
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as scratch:
        cache = Path(scratch)
        if "squad-x48" in corpora:
            load_corpus_tokens("squad-x48", cache)
        for corpus in corpora:
            for label, engine, script in runs:
                if engine == "rank-bm25" and corpus not in RANK_BM25_CORPORA:
                    continue
                directory = cache / f"{label}-{corpus}".replace(" ", "-")
                cell: dict[str, Any] = {"corpus": corpus, "engine": label}
                cell.update(_run_child(script, "--role", "build", engine, str(directory), corpus, str(cache)))
                if engine != "rank-bm25":
                    query = ("--role", "query", engine, str(directory), corpus, str(cache), str(count))
                    cell.update(_run_child(script, *query))
                    cell.update(measure_workers(engine, corpus, directory, cache, script))
                    shutil.rmtree(directory, ignore_errors=True)
                cells.append(cell)
                print(json.dumps(cell), file=sys.stderr, flush=True)
    return cells


def markdown(cells: list[dict[str, Any]]) -> str:
    def number(cell: dict[str, Any], key: str, digits: int) -> str:
        value = cell.get(key)
        return "—" if value is None else f"{value:,.{digits}f}"

    lines = [
        "| corpus | engine | build s (CPU s) | build peak RSS MB | on disk MB | open ms | top-10 p50 / p99 ms "
        "| CPU p50 / p99 ms | queries/s, 1 core | queries/s, 2 cores | PSS per worker MB (own + shared) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cell in cells:
        pss = (
            f"{cell['pss_mb']:,.0f} ({cell['pss_anon_mb']:,.0f} + {cell['pss_file_mb']:,.0f})"
            if "pss_mb" in cell
            else "—"
        )
        lines.append(
            f"| {cell['corpus']} | {cell['engine']} | {number(cell, 'build_s', 1)} ({number(cell, 'build_cpu_s', 1)}) "
            f"| {number(cell, 'peak_mb', 0)} "
            f"| {number(cell, 'disk_mb', 0)} | {number(cell, 'open_ms', 1)} "
            f"| {number(cell, 'p50_ms', 3)} / {number(cell, 'p99_ms', 2)} "
            f"| {number(cell, 'cpu_p50_ms', 3)} / {number(cell, 'cpu_p99_ms', 2)} "
            f"| {number(cell, 'qps_1_core', 0)} | {number(cell, 'qps_2_cores', 0)} "
            f"| {pss} |"
        )
    return "\n".join(lines)


def machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    libraries = ", ".join(f"{name} {version(name)}" for name in ("numpy", "bm25s", "numba", "tantivy", "rank-bm25"))
    cpu = models[0] if models else platform.processor()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {libraries}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--queries", type=int, default=1000, help="timed queries per cell")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. main's) whose BM25Index is measured beside this one's in the same run",
    )
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.role:
        role, engine, directory, *rest = arguments.role
        if role == "build":
            print(json.dumps(cell_build(engine, rest[0], Path(directory), Path(rest[1]))))
        elif role == "query":
            print(json.dumps(cell_query(engine, rest[0], Path(directory), Path(rest[1]), int(rest[2]))))
        elif role == "worker":
            cell_worker(engine, rest[0], Path(directory), Path(rest[1]))
        else:
            cell_batch(engine, Path(directory), Path(rest[0]))
        return
    print(machine())
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    cells = run(arguments.corpora.split(","), arguments.engines.split(","), arguments.queries, arguments.baseline)
    print(f"load average at end: {os.getloadavg()[0]:.1f}\n")
    print(markdown(cells))


if __name__ == "__main__":
    main()
