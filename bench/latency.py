"""Per-question latency: BM25 alone against quotebot's full ranking in the same run, on the seed and on SQuAD.

    .venv/bin/python benchmarks/latency.py [--squad ../shared/eval/squad-v1.1-dev-even.json]

In-process figures time `AnswerEngine.answer` (top 3) per question; the command-line figure runs
`quotebot ask --json` with 1,000 questions on stdin and subtracts a one-question run (start-up and index).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from itertools import cycle, islice
from pathlib import Path

from corpus import Corpus, load_corpus
from retrieval.engine import AnswerEngine
from retrieval.eval_sets import read_squad
from retrieval.ranking_options import BM25_ONLY, RankingOptions

REPOSITORY = Path(__file__).resolve().parent.parent
BATCH = 1000
EXTRA_QUESTIONS = [
    "wer putins 3 demands",
    "What were Putin's three conditions?",
    "What did Putin say on Friday?",
    "What did Putin say about the weather?",
    "What is the capital of Australia?",
    "asdf",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"))
    args = parser.parse_args()
    seed = load_corpus(REPOSITORY / "seeds")
    questions = _seed_batch()
    squad = read_squad(args.squad)
    print(f"{'':46}{'build ms':>10}{'mean ms':>10}{'median ms':>11}{'p95 ms':>9}")
    for name, options in (("BM25 alone", BM25_ONLY), ("quotebot as shipped", RankingOptions())):
        build, times = _timed_batch([(seed, questions)], options)
        print(_row(f"seed, {len(times):,} questions, {name}", build, times))
        build, times = _timed_batch([(g.corpus, [q.text for q in g.questions]) for g in squad], options)
        print(_row(f"SQuAD, {len(times):,} questions, {name}", build, times))
    one = _cli_seconds(questions[:1])
    batch = _cli_seconds(questions)
    print(
        f"quotebot ask --json: 1 question {one:.2f} s, {BATCH:,} questions {batch:.2f} s, "
        f"{(batch - one) / (BATCH - 1) * 1000:.2f} ms per further question"
    )


def _seed_batch() -> list[str]:
    path = REPOSITORY / "tests" / "data" / "seed_dev_questions.jsonl"
    dev = [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(islice(cycle(dev + EXTRA_QUESTIONS), BATCH))


def _timed_batch(groups: Sequence[tuple[Corpus, Sequence[str]]], options: RankingOptions) -> tuple[float, list[float]]:
    build = 0.0
    times: list[float] = []
    for corpus, questions in groups:
        started = time.perf_counter()
        engine = AnswerEngine(corpus, options=options)
        engine.answer("warm up the word lists")
        build += time.perf_counter() - started
        times += [_seconds(partial(engine.answer, question)) for question in questions]
    return build, times


def _seconds(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _row(label: str, build: float, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    return f"{label:46}{build * 1000:>10.0f}{statistics.fmean(ms):>10.3f}{statistics.median(ms):>11.3f}{p95:>9.3f}"


def _cli_seconds(questions: Sequence[str]) -> float:
    quotebot = str(Path(sys.executable).with_name("quotebot"))
    started = time.perf_counter()
    subprocess.run(
        [quotebot, "ask", "--json"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=REPOSITORY,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
