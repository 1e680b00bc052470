"""Fit the refusal rule on labelled questions and report it on held-out corpora, beside today's coverage rule.

    .venv/bin/python bench/fit_refusal.py [--fit-on odd] [--models lexical,semantic] [--write]

Labelled data: the questions of the RealTime QA news tune set and the even SQuAD v1.1 dev half (each
month or article one corpus), each corpus also asked the next corpus's questions (same-domain questions
it does not answer), and the off-topic questions in tests/data/off_topic_fit.jsonl asked of the seed. A
question is a positive when it is answerable and the engine's first passage is the right one: the rule
predicts whether the passage it would quote is right. The fit uses the corpora of one half (`--fit-on`),
the report the other half, so every figure printed under "held out" comes from corpora the fit never
saw; beside them, every month of the news set asked the next month's questions, as the issue's targets
are measured (`quotebot eval --squad ... --other-corpus-negatives`; half of it fitted on). The coverage
rule the engine used before (answer when the best passage holds 25 % of the question's idf weight) is
scored on the same answers in the same run. Two models are fitted: the lexical one on
answers with the semantic stage off (what the engine uses without it), the semantic one on answers with
the stage on (QUOTEBOT_SEMANTIC=on for this script). A third, the meaning model, judges questions in
another language than the sources: it is fitted on SQuAD questions we translated into French, German,
Spanish, Russian and Ukrainian (bench/data/squad-translated-odd.jsonl and -even.jsonl, one file per half
of the articles, each article also asked the next article's translations) and our own questions about
the seed in those languages. The rule read from data/refusal.json before this run is scored beside the
new one on the same answers. `--write` saves data/refusal.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np

from corpus import Corpus, load_corpus
from retrieval.engine import AnswerEngine
from retrieval.eval_sets import (
    EvalGroup,
    EvalQuestion,
    corpora_half,
    read_questions_jsonl,
    read_squad,
    with_other_corpus_negatives,
)
from retrieval.evaluation import Outcome, evaluate
from retrieval.ranking_options import RankingOptions
from retrieval.refusal import MEANING_FROM_UNKNOWN, Model, RefusalRule, Signals, feature_matrix, shipped_rule

REPOSITORY = Path(__file__).resolve().parent.parent
EVAL = REPOSITORY.parent / "shared" / "eval"
DATA = REPOSITORY / "tests" / "data"
WEIGHTS = REPOSITORY / "retrieval" / "data" / "refusal.json"
# The rule before this one, scored beside it: answer when the best passage holds this share of the weight.
BASELINE_COVERAGE = 0.25
LEXICAL = ("coverage", "sentence_coverage", "bm25")
# No "unknown" or "missing" beside "known_gap": the gap on the known part carries what the share of the
# question in no passage says, and their own weights came out near zero or of the wrong sign.
SEMANTIC = (*LEXICAL, "gap", "cosine", "spread", "lead", "agreement", "known_gap")
# For questions in another language, whose words tell nothing: the best passage's cosine and how it
# stands among all passages by cosine. Fitted on questions in other languages, where cosines run lower.
MEANING = ("spread", "lead", "agreement", "cosine")
# SQuAD v1.1 questions translated into fr/de/es/ru/uk by us (CC BY-SA 4.0, as SQuAD; bench/data/README.md),
# one file per half of the articles ({half} is odd or even), and our own questions about the seed in those
# languages (answerable and near-topic negatives; separate from the test file in SEED_TESTS).
TRANSLATED = REPOSITORY / "bench" / "data" / "squad-translated-{half}.jsonl"
FOREIGN_FIT = "seed_foreign_fit.jsonl"
# Each model's features, and the ranking whose answers it is fitted on.
MODELS = {
    "lexical": (LEXICAL, replace(RankingOptions(), semantic=0)),
    "semantic": (SEMANTIC, RankingOptions()),
}
# Questions about the seed written for the tests, reported and never fitted on.
SEED_TESTS = {"seed paraphrases": "seed_paraphrases.jsonl", "seed, other languages": "seed_foreign_questions.jsonl"}
# Every month of the news set, each asked the next month's questions (half of them fitted on): the measure.
EVERY_MONTH = "RealTime QA, every month"
# The threshold: the lowest at which the fit half's same-domain negatives are refused this often.
NEGATIVES_REFUSED = 0.94
# L2 penalty on the standardised weights; small, the data are thousands of questions.
PENALTY = 1e-3


@dataclass(frozen=True, slots=True)
class Sample:
    """One question as the rule sees it: its signals, whether the first passage is right, and where it is from.

    `correct`: right passage first and a gold string in its quote, as `quotebot eval` counts "answered correctly".
    """

    signals: Signals | None
    positive: bool
    correct: bool
    answerable: bool
    kind: str
    source: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realtimeqa", default=str(EVAL / "realtimeqa-news-tune.json"))
    parser.add_argument("--squad", default=str(EVAL / "squad-v1.1-dev-even.json"))
    parser.add_argument("--fit-on", choices=("odd", "even"), default="odd", help="the corpora to fit on")
    parser.add_argument("--models", default=",".join(MODELS), help="which models to fit (comma-separated)")
    parser.add_argument("--write", action="store_true", help=f"save the fitted rule to {WEIGHTS.name}")
    args = parser.parse_args()
    os.environ["QUOTEBOT_SEMANTIC"] = "on"
    fitted: dict[str, Model] = {}
    for name in args.models.split(","):
        features, options = MODELS[name]
        print(f"== the {name} model" + ("" if options.semantic else " (semantic stage off)"))
        fitted |= _fit_and_report(args, name, features, partial(AnswerEngine, options=options), fitted.get("lexical"))
    if args.write:
        record = _record(fitted, args)
        WEIGHTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {WEIGHTS.relative_to(REPOSITORY)}")


def _fit_and_report(
    args: argparse.Namespace,
    name: str,
    features: Sequence[str],
    engine: Callable[[Corpus], AnswerEngine],
    lexical: Model | None,
) -> dict[str, Model]:
    """Fit on one half and print the other half's figures, the old rule (and the lexical model) beside the fitted one.

    The semantic pass also fits the meaning model (MEANING features) on the questions in other languages
    and scores the rule as shipped: the meaning model for questions with unknown >= MEANING_FROM_UNKNOWN.
    """
    held_out = "even" if args.fit_on == "odd" else "odd"
    sets = {"RealTime QA": args.realtimeqa, "SQuAD even": args.squad}
    fit = [
        s for name, path in sets.items() for s in _samples(name, corpora_half(read_squad(path), args.fit_on), engine)
    ]
    fit += _samples("off-topic (fit list)", [_seed_group(DATA / "off_topic_fit.jsonl")], engine)
    model = _fit(fit, features)
    print(f"fitted on the {args.fit_on} corpora: {_counts(fit)}")
    print(_weights_table(model))
    models = {name: model}
    rules: dict[str, Callable[[Signals], bool]] = {
        f"coverage >= {BASELINE_COVERAGE}": lambda s: s.coverage >= BASELINE_COVERAGE,
        f"{name}, p >= {model.threshold:.3f}": lambda s: model.probability(s) >= model.threshold,
    }
    if lexical is not None:
        rules[f"lexical alone, p >= {lexical.threshold:.3f}"] = lambda s: lexical.probability(s) >= lexical.threshold
    if name == "semantic":
        before = shipped_rule()
        rules["before: the rule read from refusal.json"] = before.confident
        foreign = _foreign_samples(args.squad, args.fit_on, engine)
        foreign += [s for s in fit if s.kind == "off-topic" and s.signals is not None and s.signals.foreign]
        meaning = _fit(foreign, MEANING)
        print(f"\nthe meaning model, fitted on questions in other languages: {_counts(foreign)}")
        print(_weights_table(meaning))
        models["meaning"] = meaning
        shipped = RefusalRule(model, model, meaning)
        rules[f"shipped: other languages by meaning, p >= {meaning.threshold:.3f}"] = shipped.confident
    check = {name: _samples(name, corpora_half(read_squad(path), held_out), engine) for name, path in sets.items()}
    # As `quotebot eval --squad realtimeqa-news-tune.json --other-corpus-negatives` measures the targets.
    check[EVERY_MONTH] = _samples(EVERY_MONTH, read_squad(args.realtimeqa), engine)
    check["SQuAD translated"] = _samples("SQuAD translated", _translated_groups(args.squad, held_out), engine)
    check["seed dev set"] = _samples("seed dev set", [_seed_group(DATA / "seed_dev_questions.jsonl")], engine)
    check["off-topic (checked list)"] = _samples("off-topic", [_seed_group(DATA / "off_topic.jsonl")], engine)
    for test, file in SEED_TESTS.items():
        check[test] = _samples(test, [_seed_group(DATA / file)], engine)
    print(f"\nheld out: the {held_out} corpora, and questions about the seed written for the tests")
    print(f"({EVERY_MONTH}: every month, the {args.fit_on} ones fitted on, each asked the next month's questions)\n")
    print(_figures_table(check, rules))
    print(f"\nprecision/recall on RealTime QA, the {args.fit_on} months fitted on")
    print(_curve([s for s in fit if s.source == "RealTime QA"], model))
    for source in sets:
        print(f"\nprecision/recall on {source}, held out (answered: of the answers given, the share right)")
        print(_curve(check[source], model))
    print(f"\nprecision/recall on {EVERY_MONTH}")
    print(_curve(check[EVERY_MONTH], model))
    if "meaning" in models:
        print("\nprecision/recall of the meaning model on SQuAD translated, held out")
        print(_curve(check["SQuAD translated"], models["meaning"]))
    print()
    return models


def _foreign_samples(squad: str, half: str, engine: Callable[[Corpus], AnswerEngine]) -> list[Sample]:
    """The fit half's translated SQuAD questions (each article also asked the next one's) and FOREIGN_FIT."""
    samples = _samples("SQuAD translated (fit half)", _translated_groups(squad, half), engine)
    return samples + _samples("seed, other languages (fit list)", [_seed_group(DATA / FOREIGN_FIT)], engine)


def _translated_groups(squad: str, half: str) -> list[EvalGroup]:
    """The `half` articles of the SQuAD file, each asked the translated questions written about it.

    Each line is {"q", "lang", "article", "paragraph", "gold", "en"}: a SQuAD question ("en") in translation,
    with its article's title, paragraph number (from 1) and the English answers as gold.
    """
    text = Path(str(TRANSLATED).format(half=half)).read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    groups = []
    for group in corpora_half(read_squad(squad), half):
        document = group.corpus.documents[0]
        questions = [
            EvalQuestion(line["q"], tuple(line["gold"]), f"{document.doc_id}#p{line['paragraph']}")
            for line in lines
            if line["article"].replace("_", " ") == document.title
        ]
        if questions:
            groups.append(EvalGroup(group.corpus, questions))
    return groups


def _seed_group(path: Path) -> EvalGroup:
    return EvalGroup(load_corpus(REPOSITORY / "seeds"), read_questions_jsonl(path))


def _samples(source: str, groups: Sequence[EvalGroup], engine: Callable[[Corpus], AnswerEngine]) -> list[Sample]:
    """Every question of the groups, with borrowed negatives when there are several corpora, as samples."""
    outcomes = evaluate(with_other_corpus_negatives(groups), engine).ours
    return [_sample(source, outcome) for outcome in outcomes]


def _sample(source: str, outcome: Outcome) -> Sample:
    question = outcome.question
    kind = "answerable" if question.answerable else "other corpus" if question.other_corpus else "off-topic"
    positive = question.answerable and outcome.rank == 1
    return Sample(outcome.signals, positive, positive and bool(outcome.quote_hit), question.answerable, kind, source)


def _counts(samples: Sequence[Sample]) -> str:
    kinds: dict[str, int] = {}
    for sample in samples:
        kinds[sample.kind] = kinds.get(sample.kind, 0) + 1
    return ", ".join(f"{count} {kind}" for kind, count in kinds.items())


def _fit(samples: Sequence[Sample], features: Sequence[str]) -> Model:
    """Logistic regression by Newton's method on standardised features; each source weighs the same in total."""
    rated = [s for s in samples if s.signals is not None]
    raw = np.array(feature_matrix(features, [s.signals for s in rated if s.signals is not None]))
    y = np.array([s.positive for s in rated], dtype=float)
    per_source = {s.source: 0 for s in rated}
    for s in rated:
        per_source[s.source] += 1
    largest = max(per_source.values())
    weight = np.array([largest / per_source[s.source] if s.kind != "off-topic" else 1.0 for s in rated])
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    scale[scale == 0] = 1.0
    x = np.hstack([(raw - mean) / scale, np.ones((len(rated), 1))])
    beta = np.zeros(x.shape[1])
    penalty = PENALTY * weight.sum() * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ beta)))
        gradient = x.T @ (weight * (p - y)) + penalty @ beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    model = Model(tuple(features), tuple(mean), tuple(scale), tuple(beta[:-1]), float(beta[-1]), 0.5)
    return _with_threshold(model, rated)


def _with_threshold(model: Model, samples: Sequence[Sample]) -> Model:
    """The lowest threshold refusing NEGATIVES_REFUSED of the fit half's other-corpus questions in every set."""
    threshold = 0.0
    for source in {s.source for s in samples if s.kind == "other corpus"}:
        negatives = sorted(
            model.probability(s.signals)
            for s in samples
            if s.source == source and s.kind == "other corpus" and s.signals is not None
        )
        threshold = max(threshold, negatives[int(np.ceil(NEGATIVES_REFUSED * len(negatives))) - 1])
    return Model(model.features, model.mean, model.scale, model.weights, model.bias, float(threshold) + 1e-6)


def _decide(rule: Callable[[Signals], bool], sample: Sample) -> bool:
    return sample.signals is not None and rule(sample.signals)


def _figures_table(check: dict[str, list[Sample]], rules: dict[str, Callable[[Signals], bool]]) -> str:
    header = f"{'set':34}{'rule':52}{'answered correctly':>22}{'other corpus refused':>22}{'off-topic refused':>20}"
    lines = [header]
    for name, samples in check.items():
        for label, rule in rules.items():
            answerable = [s for s in samples if s.answerable]
            correct = sum(s.correct and _decide(rule, s) for s in answerable)
            cells = [_share(correct, len(answerable))]
            for kind in ("other corpus", "off-topic"):
                negatives = [s for s in samples if s.kind == kind]
                cells.append(_share(sum(not _decide(rule, s) for s in negatives), len(negatives)))
            lines.append(f"{name:34}{label:52}{cells[0]:>22}{cells[1]:>22}{cells[2]:>20}")
    return "\n".join(lines)


def _share(count: int, total: int) -> str:
    return f"{count}/{total} {count / total:.3f}" if total else "—"


def _curve(samples: Sequence[Sample], model: Model) -> str:
    """Precision and recall of the answers at a range of thresholds, the shipped one marked."""
    rated = [(model.probability(s.signals), s) for s in samples if s.signals is not None]
    answerable = sum(s.answerable for s in samples)
    negatives = [s for s in samples if s.kind == "other corpus"]
    lines = [f"{'threshold':>10}{'precision':>11}{'recall':>9}{'other corpus refused':>22}"]
    thresholds = sorted({*np.round(np.linspace(0.05, 0.95, 19), 2).tolist(), model.threshold})
    for threshold in thresholds:
        answered = [s for p, s in rated if p >= threshold]
        right = sum(s.positive for s in answered)
        refused = len(negatives) - sum(s.kind == "other corpus" for s in answered)
        mark = "  <- shipped" if threshold == model.threshold else ""
        lines.append(
            f"{threshold:>10.3f}{right / len(answered) if answered else 1.0:>11.3f}{right / answerable:>9.3f}"
            f"{refused / len(negatives) if negatives else 1.0:>22.3f}{mark}"
        )
    return "\n".join(lines)


def _weights_table(model: Model) -> str:
    rows = [f"  {name:20}{weight:+8.3f}" for name, weight in zip(model.features, model.weights, strict=True)]
    return "\n".join([f"  {'feature':20}{'weight':>8}  (standardised)", *rows, f"  {'bias':20}{model.bias:+8.3f}"])


def _record(models: dict[str, Model], args: argparse.Namespace) -> dict[str, object]:
    commit = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "fitted": {
            "by": "bench/fit_refusal.py",
            "on": f"the {args.fit_on} corpora of {Path(args.realtimeqa).name} and {Path(args.squad).name}, "
            "each also asked the next corpus's questions, and tests/data/off_topic_fit.jsonl on the seed",
            "positive": "answerable, and the right passage first",
            "threshold": f"lowest refusing {NEGATIVES_REFUSED} of each file's other-corpus questions",
            "lexical": "answers with the semantic stage off; semantic and meaning: with it on",
            "meaning": f"features {list(MEANING)}, fitted on the questions in other languages of "
            f"{Path(str(TRANSLATED).format(half=args.fit_on)).name} (each article also asked the next one's), "
            f"tests/data/{FOREIGN_FIT} and off_topic_fit.jsonl; threshold: lowest refusing {NEGATIVES_REFUSED} "
            f"of the translated other-article questions; judges questions in another language with unknown >= "
            f"{MEANING_FROM_UNKNOWN}",
            "commit": commit,
            "date": dt.date.today().isoformat(),
        },
        "models": {name: model.record() for name, model in models.items()},
    }


if __name__ == "__main__":
    main()
