"""`quotebot eval`: answer quality on questions with known answers, beside the plain BM25 baseline in the same run."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.dialogue_report import dialogue_record, dialogue_report
from bot.cli.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from bot.ops import settings
from corpus import CorpusError, load_corpus
from retrieval.eval_sets import (
    EvalFileError,
    EvalGroup,
    corpora_half,
    read_eval_jsonl,
    read_squad,
    with_other_corpus_negatives,
)
from retrieval.evaluation import RANK_DEPTH, Evaluation, Miss, Outcome, Scores, evaluate, score

_PREVIEW = 160


def add_eval_subcommand(commands: Any) -> None:
    """Register `quotebot eval` on the CLI's sub-command set."""
    parser = commands.add_parser(
        "eval",
        help="measure answer quality on questions with known answers",
        description="Top-1, top-3, MRR@10, answered share, quote-level hits and off-topic refusals, "
        "for quotebot and the plain BM25 baseline, with every miss listed.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "questions",
        nargs="?",
        metavar="QUESTIONS.jsonl",
        help='lines of {"q": ..., "gold": [...] or null}, or dialogues {"turns": [{"q": ..., "gold": ...}, ...]}',
    )
    source.add_argument("--squad", metavar="FILE.json", help="a SQuAD v1.1 file: each article is its own corpus")
    parser.add_argument("--corpus", metavar="PATH", help="sources for QUESTIONS.jsonl (default: seeds/)")
    parser.add_argument(
        "--other-corpus-negatives",
        action="store_true",
        help="with --squad: each corpus is also asked the next corpus's questions, which it should refuse",
    )
    parser.add_argument(
        "--corpora",
        choices=("odd", "even"),
        help="with --squad: only the odd- or even-numbered corpora (the refusal rule is fitted on the odd ones)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the report")
    parser.add_argument(
        "--min-top1", type=_share, metavar="SHARE", help="exit 1 when quotebot's top-1 is below SHARE (0-1)"
    )
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate, print the report, and apply the --min-top1 gate."""
    if args.squad and args.corpus:
        print(
            "quotebot: error: --corpus cannot be used with --squad: each SQuAD article is its own corpus",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not args.squad and (args.other_corpus_negatives or args.corpora):
        print("quotebot: error: --other-corpus-negatives and --corpora need --squad", file=sys.stderr)
        return EXIT_USAGE
    try:
        groups = _groups(args)
    except (EvalFileError, CorpusError) as error:
        print(f"quotebot: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    evaluation = evaluate(groups)
    # The gate is on single questions when there are any, else on follow-ups answered in their dialogue.
    gated = score(evaluation.ours if evaluation.ours else evaluation.follow_ups(in_context=True))
    top1 = gated.share(gated.top1) or 0.0
    passed = args.min_top1 is None or top1 >= args.min_top1
    if args.json:
        print(json.dumps(_record(evaluation, args.min_top1, passed), ensure_ascii=False))
    else:
        sections = [_report(evaluation)] if evaluation.ours else []
        print("\n\n".join(sections + ([dialogue_report(evaluation)] if evaluation.dialogues else [])))
    if not passed:
        print(f"quotebot: eval: top-1 {top1:.3f} is below --min-top1 {args.min_top1:.3f}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def _groups(args: argparse.Namespace) -> list[EvalGroup]:
    if args.squad:
        groups = read_squad(args.squad)
        groups = corpora_half(groups, args.corpora) if args.corpora else groups
        return with_other_corpus_negatives(groups) if args.other_corpus_negatives else groups
    lines = read_eval_jsonl(args.questions)
    corpus = load_corpus(settings.corpus_path(args.corpus))
    for warning in corpus.warnings:
        print(f"quotebot: warning: {warning}", file=sys.stderr)
    return [EvalGroup(corpus, lines.questions, lines.dialogues)]


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _report(evaluation: Evaluation) -> str:
    base, ours = score(evaluation.baseline), score(evaluation.ours)
    borrowed = f", {base.other_corpus} from other corpora" if base.other_corpus else ""
    lines = [
        f"{base.answerable + base.unanswerable + base.other_corpus} questions ({base.answerable} answerable, "
        f"{base.unanswerable} the sources don't answer{borrowed}) over {evaluation.corpora} "
        f"{'corpus' if evaluation.corpora == 1 else 'corpora'}, {evaluation.passages} passages",
        "",
        f"{'':20}{'plain BM25':>18}{'quotebot':>18}{'change':>10}",
        _row("top-1", base, ours, base.top1, ours.top1),
        _row("top-3", base, ours, base.top3, ours.top3),
        f"{f'MRR@{RANK_DEPTH}':20}{base.mrr:>18.3f}{ours.mrr:>18.3f}{ours.mrr - base.mrr:>+10.3f}",
        _row("answered", base, ours, None, ours.answered),
        _row("quote-level hits", base, ours, None, ours.quote_hits),
        _row("answered correctly", base, ours, None, ours.correct),
        f"{'off-topic refused':20}{'—':>18}{_count(ours.refused, ours.unanswerable):>18}",
        f"{'other-corpus refused':20}{'—':>18}{_count(ours.other_refused, ours.other_corpus):>18}",
        "",
        "plain BM25: rank-bm25 BM25Okapi defaults, lower-cased \\w+ words, Snowball stems, 36 stop words; it never "
        "refuses and quotes whole passages.",
        "quote-level hits: the right passage first and a gold string inside its quote, not only in the passage.",
    ]
    misses = [outcome for outcome in evaluation.ours if outcome.miss]
    lines += ["", f"Misses ({len(misses)}):" if misses else "No misses."]
    lines += [_miss_text(outcome, outcome.miss) for outcome in misses if outcome.miss]
    return "\n".join(lines)


def _row(label: str, base: Scores, ours: Scores, base_count: int | None, ours_count: int | None) -> str:
    change = (
        f"{(ours_count - base_count) / ours.answerable:>+10.3f}"
        if base_count is not None and ours_count is not None and ours.answerable
        else ""
    )
    return f"{label:20}{_count(base_count, base.answerable):>18}{_count(ours_count, ours.answerable):>18}{change}"


def _count(count: int | None, total: int) -> str:
    if count is None or not total:
        return "—"
    return f"{count}/{total} {count / total:.3f}"


def _miss_text(outcome: Outcome, miss: Miss) -> str:
    question = outcome.question
    expected = " | ".join(f'"{gold}"' for gold in question.gold) if question.gold else "a refusal"
    if question.gold_passage:
        expected += f" in {question.gold_passage}"
    rank = f"right passage at rank {outcome.rank}" if outcome.rank else f"right passage not in the top {RANK_DEPTH}"
    got = f"{outcome.top_passage} “{_preview(outcome.top_quote or '')}”" if outcome.top_passage else "no passage"
    lines = [f"- [{miss.value}] {question.text}", f"    expected: {expected}", f"    got: {got}"]
    if question.answerable:
        lines.append(f"    {rank}")
    return "\n".join(lines)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def _record(evaluation: Evaluation, min_top1: float | None, passed: bool) -> dict[str, Any]:
    base, ours = score(evaluation.baseline), score(evaluation.ours)
    return {
        "questions": base.answerable + base.unanswerable + base.other_corpus,
        "answerable": base.answerable,
        "unanswerable": base.unanswerable,
        "other_corpus": base.other_corpus,
        "corpora": evaluation.corpora,
        "passages": evaluation.passages,
        "baseline": _figures(base),
        "quotebot": _figures(ours),
        "min_top1": min_top1,
        "passed": passed,
        "misses": [_miss_record(outcome, outcome.miss) for outcome in evaluation.ours if outcome.miss],
        "dialogues": dialogue_record(evaluation) if evaluation.dialogues else None,
    }


def _figures(scores: Scores) -> dict[str, Any]:
    counts = {
        "top1": scores.top1,
        "top3": scores.top3,
        "answered": scores.answered,
        "quote_hits": scores.quote_hits,
        "correct": scores.correct,
        "off_topic_refused": scores.refused if scores.unanswerable else None,
        "other_corpus_refused": scores.other_refused if scores.other_corpus else None,
    }
    figures: dict[str, Any] = {name: _rounded(scores.share(count)) for name, count in counts.items()}
    figures["mrr"] = round(scores.mrr, 6)
    refused = counts["off_topic_refused"]
    figures["off_topic_refused"] = None if refused is None else round(refused / scores.unanswerable, 6)
    other = counts["other_corpus_refused"]
    figures["other_corpus_refused"] = None if other is None else round(other / scores.other_corpus, 6)
    figures["counts"] = counts
    return figures


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _miss_record(outcome: Outcome, miss: Miss) -> dict[str, Any]:
    return {
        "question": outcome.question.text,
        "gold": list(outcome.question.gold) if outcome.question.gold else None,
        "gold_passage": outcome.question.gold_passage,
        "miss": miss.name.lower(),
        "rank": outcome.rank,
        "answered": outcome.answered,
        "passage_id": outcome.top_passage,
        "quote": outcome.top_quote,
    }
