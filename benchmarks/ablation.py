"""What each ranking feature adds: every feature switched off in turn, on SQuAD and the seed dev set, in one run.

    .venv/bin/python benchmarks/ablation.py [--squad ../shared/eval/squad-v1.1-dev-even.json]

Prints one row per configuration: the plain baseline, quotebot as shipped, quotebot with one feature off,
and quotebot with BM25 alone (every second-stage and query-side feature off).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from corpus import load_corpus
from retrieval.engine import AnswerEngine
from retrieval.eval_sets import EvalGroup, read_questions_jsonl, read_squad
from retrieval.evaluation import evaluate, score
from retrieval.ranking_options import BM25_ONLY, RankingOptions

REPOSITORY = Path(__file__).resolve().parent.parent
SHIPPED = RankingOptions()
CONFIGURATIONS = [
    ("quotebot as shipped", SHIPPED),
    ("- sentence score", replace(SHIPPED, sentence=0, family=0)),
    ("- word families", replace(SHIPPED, family=0)),
    ("- character 4-grams", replace(SHIPPED, grams=0)),
    ("- phrase pairs", replace(SHIPPED, phrase=0)),
    ("- question-type cue", replace(SHIPPED, cue=0)),
    ("- English rarity", replace(SHIPPED, rarity=False)),
    ("- typo tolerance", replace(SHIPPED, typos=False)),
    ("- number words", replace(SHIPPED, numbers=False)),
    ("- synonyms", replace(SHIPPED, synonyms=False)),
    ("BM25 alone", BM25_ONLY),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"))
    args = parser.parse_args()
    squad = read_squad(args.squad)
    seed = [EvalGroup(load_corpus(REPOSITORY / "seeds"), read_questions_jsonl(REPOSITORY / "tests" / "data" / "seed_dev_questions.jsonl"))]
    print(f"{'configuration':24}{'top-1':>8}{'top-3':>8}{'MRR@10':>8}{'answered':>10}{'quote hits':>12}{'seed correct':>14}{'seed refused':>14}")
    first = True
    for name, options in CONFIGURATIONS:
        on_squad = evaluate(squad, lambda corpus, options=options: AnswerEngine(corpus, options=options))
        on_seed = evaluate(seed, lambda corpus, options=options: AnswerEngine(corpus, options=options))
        if first:
            base = score(on_squad.baseline)
            seed_base = score(on_seed.baseline)
            print(f"{'plain BM25 baseline':24}{_share(base, base.top1)}{_share(base, base.top3)}{base.mrr:>8.3f}{'—':>10}{'—':>12}"
                  f"{f'{seed_base.top1}/{seed_base.answerable} top-1':>14}{'—':>14}")
            first = False
        ours, seed_ours = score(on_squad.ours), score(on_seed.ours)
        print(
            f"{name:24}{_share(ours, ours.top1)}{_share(ours, ours.top3)}{ours.mrr:>8.3f}"
            f"{ours.share(ours.answered):>10.3f}{ours.share(ours.quote_hits):>12.3f}"
            f"{f'{seed_ours.correct}/{seed_ours.answerable}':>14}{f'{seed_ours.refused}/{seed_ours.unanswerable}':>14}",
            flush=True,
        )


def _share(scores, count: int) -> str:
    return f"{scores.share(count):>8.3f}"


if __name__ == "__main__":
    main()
