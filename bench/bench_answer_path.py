"""The whole answer path over a saved index: start to first answer, per-question latency and memory.

Corpus folders are written once under --work (default /tmp/quotebot-bench): the SQuAD v1.1 dev paragraphs
of ../shared/eval/squad-v1.1-dev-even.json copied until the folder holds about --passages passages, each
copy with 3% of words dropped and 3% swapped with their neighbour, one file per article and copy, with a
title and a date. `quotebot index` builds the saved index once (its time and peak RSS are reported).
Then, with the page cache warm:
  cli        `quotebot ask --json --corpus FOLDER` with one question: seconds from start to exit, wall-clock
             and the CPU the process used (on a shared machine, what start-up costs); then with 1,000
             SQuAD questions on stdin: seconds from starting the process to the first answer line and to
             the last, and the peak RSS of the process and its workers (getrusage of the children);
  in process AnswerEngine over the saved index, answering the same questions one at a time:
             p50 / p99 of `answer(question, top=3)` (wall-clock and CPU), the RSS, and the process's own
             memory (RssAnon: the mapped index is not in it) before the first, after 100 and after all.
The semantic stage is not part of this measurement: QUOTEBOT_SEMANTIC=off is set for every process of it
(the index build too, which would otherwise embed every passage).

Run:  nice python bench/bench_answer_path.py --passages 107000              (SQuAD x48)
      nice python bench/bench_answer_path.py --passages 1000000 --pairs      (1M passages of two sentences)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
SQUAD = REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"
PERTURB = 0.03
QUESTIONS = 1000


def write_folder(folder: Path, passages: int, pairs: bool) -> None:
    """One file per article and copy, until the folder holds about `passages` paragraphs.

    With `pairs`, each SQuAD paragraph is cut into paragraphs of two sentences, the length of a news
    paragraph (the seed's average about 300 characters), which also keeps a 1M-passage build short.
    """
    from corpus.sentences import sentence_spans

    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    articles = [(a["title"], [p["context"] for p in a["paragraphs"]]) for a in data["data"]]
    if pairs:
        articles = [
            (title, [pair for p in paragraphs for pair in _pairs(p, sentence_spans(p))])
            for title, paragraphs in articles
        ]
    per_copy = sum(len(paragraphs) for _, paragraphs in articles)
    rng = random.Random(48)
    folder.mkdir(parents=True)
    for copy in range(max(1, round(passages / per_copy))):
        for number, (title, paragraphs) in enumerate(articles):
            body = "\n\n".join(_perturbed(paragraph, rng) for paragraph in paragraphs)
            day = 1 + (copy + number) % 28
            header = f"title: {title.replace('_', ' ')} ({copy})\ndate: 2023-02-{day:02d}\n\n"
            (folder / f"{copy:04d}-{number:02d}.txt").write_text(header + body + "\n", encoding="utf-8")


def _pairs(paragraph: str, spans: list[tuple[int, int]]) -> list[str]:
    return [paragraph[spans[i][0] : spans[min(i + 1, len(spans) - 1)][1]] for i in range(0, len(spans), 2)]


def _perturbed(paragraph: str, rng: random.Random) -> str:
    words = [word for word in paragraph.split() if rng.random() >= PERTURB]
    for i in range(len(words) - 1):
        if rng.random() < PERTURB:
            words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def questions() -> list[str]:
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    return [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]


def quotebot() -> str:
    return str(Path(sys.executable).with_name("quotebot"))


def build_index(folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    subprocess.run([quotebot(), "index", "--corpus", str(folder)], check=True, capture_output=True, text=True)
    return {"index_s": time.perf_counter() - started, "index_peak_mb": _children_peak_mb()}


def cli_run(folder: Path, asked: list[str]) -> dict[str, float]:
    command = [quotebot(), "ask", "--json", "--corpus", str(folder)]
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([*command, asked[0]], check=True, capture_output=True)
    one_s, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    one_cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\n".join(asked) + "\n")
    process.stdin.close()
    first = process.stdout.readline()
    first_s = time.perf_counter() - started
    rest = process.stdout.read().splitlines()
    process.wait()
    total_s = time.perf_counter() - started
    assert json.loads(first)["question"] and len(rest) + 1 == len(asked)
    return {
        "one_question_s": one_s,
        "one_question_cpu_s": one_cpu_s,
        "first_answer_s": first_s,
        "all_answers_s": total_s,
        "cli_peak_mb": _children_peak_mb(),
    }


def in_process(folder: Path, asked: list[str]) -> dict[str, float]:
    from corpus.loader import CorpusError
    from retrieval.engine import AnswerEngine
    from retrieval.search_index import load_or_build

    started = time.perf_counter()
    try:
        corpus, index = load_or_build(folder, save=False)
    except CorpusError as error:
        raise SystemExit(str(error)) from None
    engine = AnswerEngine(corpus, index=index)
    open_s = time.perf_counter() - started
    rss_before, anonymous_before = _rss_mb(), _anonymous_mb()
    latencies, cpu = [], []
    anonymous_at_100 = 0.0
    for number, question in enumerate(asked):
        if number == 100:
            anonymous_at_100 = _anonymous_mb()
        started, started_cpu = time.perf_counter(), time.process_time()
        engine.answer(question, top=3)
        cpu.append(time.process_time() - started_cpu)
        latencies.append(time.perf_counter() - started)
    return {
        "open_s": open_s,
        "first_question_ms": latencies[0] * 1000,
        "p50_ms": float(np.percentile(latencies, 50)) * 1000,
        "p99_ms": float(np.percentile(latencies, 99)) * 1000,
        "mean_ms": float(np.mean(latencies)) * 1000,
        "cpu_p50_ms": float(np.percentile(cpu, 50)) * 1000,
        "cpu_p99_ms": float(np.percentile(cpu, 99)) * 1000,
        "rss_before_mb": rss_before,
        "rss_after_mb": _rss_mb(),
        "anonymous_before_mb": anonymous_before,
        "anonymous_after_100_mb": anonymous_at_100,
        "anonymous_after_mb": _anonymous_mb(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _anonymous_mb() -> float:
    """This process's own memory (RssAnon): the mapped index files are not in it."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) / 1024


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    # These figures are of BM25 and the second stage at scale; embedding 100k passages would take hours.
    os.environ["QUOTEBOT_SEMANTIC"] = "off"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=107_000)
    parser.add_argument("--work", default="/tmp/quotebot-bench")
    parser.add_argument("--pairs", action="store_true", help="passages of two sentences instead of paragraphs")
    parser.add_argument("--role", choices=("cli", "in-process"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    os.environ["QUOTEBOT_SEMANTIC"] = "off"
    folder = Path(arguments.work) / f"squad-{arguments.passages}{'-pairs' if arguments.pairs else ''}"
    asked = questions()[:QUESTIONS]
    if arguments.role == "cli":
        print(json.dumps(cli_run(folder, asked)))
        return
    if arguments.role == "in-process":
        print(json.dumps(in_process(folder, asked)))
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    result: dict[str, float] = {}
    if not folder.exists():
        write_folder(folder, arguments.passages, arguments.pairs)
        result.update(build_index(folder))
    result["files"] = len(list(folder.glob("*.txt")))
    for role in ("cli", "in-process"):
        # Each in its own process, so its peak RSS is its own.
        command = [sys.executable, __file__, "--passages", str(arguments.passages), "--work", arguments.work]
        command += ["--pairs"] if arguments.pairs else []
        child = subprocess.run([*command, "--role", role], check=True, capture_output=True, text=True)
        result.update(json.loads(child.stdout.strip().splitlines()[-1]))
    print(json.dumps(result, indent=1))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
