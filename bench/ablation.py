"""What each ranking feature adds: every feature switched off in turn, on SQuAD and the seed dev set, in one run.

    .venv/bin/python benchmarks/ablation.py [--squad ../shared/eval/squad-v1.1-dev-even.json]

Prints one row per configuration: the plain baseline, quotebot as shipped, quotebot with one feature off,
BM25 with the semantic stage alone, and quotebot with BM25 alone (every second-stage and query-side
feature off). Passage and question vectors come from the shared store, so only a first run embeds.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from functools import partial
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
    ("- gram rarity", replace(SHIPPED, gram_rarity=False)),
    ("- phrase pairs", replace(SHIPPED, phrase=0)),
    ("- question-type cue", replace(SHIPPED, cue=0)),
    ("- English rarity", replace(SHIPPED, rarity=False)),
    ("- typo tolerance", replace(SHIPPED, typos=False)),
    ("- irregular inflections", replace(SHIPPED, inflections=False)),
    ("- number words", replace(SHIPPED, numbers=False)),
    ("- synonyms", replace(SHIPPED, synonyms=False)),
    ("- quotes by meaning", replace(SHIPPED, meaning_quotes=False)),
    ("- quote nearest sentence", replace(SHIPPED, quote_meaning=0)),
    ("- BM25 halved", replace(SHIPPED, semantic_bm25=1.0)),
    ("- nearest sentence", replace(SHIPPED, sentence_meaning=0)),
    ("- semantic stage", replace(SHIPPED, semantic=0)),
    ("BM25 + semantic stage", replace(BM25_ONLY, semantic=SHIPPED.semantic, sentence_meaning=SHIPPED.sentence_meaning)),
    ("BM25 alone", BM25_ONLY),
]


COLUMNS = ("top-1", "top-3", "MRR@10", "answered", "quote hits", "seed correct", "seed refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"))
    args = parser.parse_args()
    squad = read_squad(args.squad)
    seed_questions = read_questions_jsonl(REPOSITORY / "tests" / "data" / "seed_dev_questions.jsonl")
    seed = [EvalGroup(load_corpus(REPOSITORY / "seeds"), seed_questions)]
    print(_line("configuration", COLUMNS))
    for number, (name, options) in enumerate(CONFIGURATIONS):
        on_squad = evaluate(squad, partial(AnswerEngine, options=options))
        on_seed = evaluate(seed, partial(AnswerEngine, options=options))
        if number == 0:
            base, seed_base = score(on_squad.baseline), score(on_seed.baseline)
            ranks = (f"{base.share(base.top1):.3f}", f"{base.share(base.top3):.3f}", f"{base.mrr:.3f}")
            print(
                _line("plain BM25 baseline", (*ranks, "—", "—", f"{seed_base.top1}/{seed_base.answerable} top-1", "—"))
            )
        ours, seed_ours = score(on_squad.ours), score(on_seed.ours)
        figures = (
            f"{ours.share(ours.top1):.3f}",
            f"{ours.share(ours.top3):.3f}",
            f"{ours.mrr:.3f}",
            f"{ours.share(ours.answered):.3f}",
            f"{ours.share(ours.quote_hits):.3f}",
            f"{seed_ours.correct}/{seed_ours.answerable}",
            f"{seed_ours.refused}/{seed_ours.unanswerable}",
        )
        print(_line(name, figures), flush=True)


def _line(label: str, cells: tuple[str, ...]) -> str:
    return f"{label:24}" + "".join(f"{cell:>14}" for cell in cells)


if __name__ == "__main__":
    main()
