"""`quotebot eval` on dialogues: first turns, and follow-ups answered with and without the conversation's context."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from retrieval.evaluation import DialogueOutcome, Evaluation, Outcome, Scores, score

_PREVIEW = 100


def dialogue_report(evaluation: Evaluation) -> str:
    """The three top-1 figures of the same run, by dialogue kind when the file names kinds, then the misses."""
    dialogues = evaluation.dialogues
    first = score([d.first for d in dialogues])
    with_context, alone = score(evaluation.follow_ups(True)), score(evaluation.follow_ups(False))
    lines = [
        f"{len(dialogues)} dialogues, {len(evaluation.follow_ups(True))} follow-up questions",
        "",
        f"{'':34}{'top-1':>16}{'answered correctly':>22}",
        _row("first turns", first),
        _row("follow-ups, with context", with_context),
        _row("follow-ups, without context", alone),
    ]
    if with_context.unanswerable:
        lines.append(
            f"{'off-topic follow-ups refused':34}{_count(with_context.refused, with_context, True):>16}"
            f"{'(alone: ' + _count(alone.refused, alone, True) + ')':>22}"
        )
    kinds = _by_kind(dialogues)
    if len(kinds) > 1 or None not in kinds:
        lines += ["", f"{'follow-up top-1 by kind':34}{'with context':>16}{'without':>22}"]
        for kind, group in sorted(kinds.items(), key=lambda item: item[0] or ""):
            ours = score([o for d in group for o in d.in_context])
            theirs = score([o for d in group for o in d.alone])
            lines.append(f"{kind or '(no kind)':34}{_count(ours.top1, ours):>16}{_count(theirs.top1, theirs):>22}")
    misses = [(d, n) for d in dialogues for n, o in enumerate(d.in_context) if o.miss]
    lines += ["", f"Follow-up misses ({len(misses)}):" if misses else "No follow-up misses."]
    lines += [_miss_text(dialogue, n) for dialogue, n in misses]
    return "\n".join(lines)


def dialogue_record(evaluation: Evaluation) -> dict[str, Any]:
    """The same figures for --json: shares with their counts, by kind, and the follow-up misses."""
    dialogues = evaluation.dialogues
    kinds = _by_kind(dialogues)
    return {
        "dialogues": len(dialogues),
        "first_turn": _figures(score([d.first for d in dialogues])),
        "follow_up_with_context": _figures(score(evaluation.follow_ups(True))),
        "follow_up_without_context": _figures(score(evaluation.follow_ups(False))),
        "by_kind": {
            kind or "": {
                "with_context": _figures(score([o for d in group for o in d.in_context])),
                "without_context": _figures(score([o for d in group for o in d.alone])),
            }
            for kind, group in kinds.items()
        },
        "misses": [
            {
                "turns": [turn.text for turn in dialogue.dialogue.turns],
                "question": outcome.question.text,
                "read_as": dialogue.readings[n],
                "miss": outcome.miss.name.lower(),
                "passage_id": outcome.top_passage,
                "rank": outcome.rank,
                "rank_without_context": dialogue.alone[n].rank,
            }
            for dialogue in dialogues
            for n, outcome in enumerate(dialogue.in_context)
            if outcome.miss
        ],
    }


def _by_kind(dialogues: list[DialogueOutcome]) -> dict[str | None, list[DialogueOutcome]]:
    kinds: dict[str | None, list[DialogueOutcome]] = defaultdict(list)
    for dialogue in dialogues:
        kinds[dialogue.dialogue.kind].append(dialogue)
    return kinds


def _row(label: str, scores: Scores) -> str:
    return f"{label:34}{_count(scores.top1, scores):>16}{_count(scores.correct, scores):>22}"


def _count(count: int | None, scores: Scores, unanswerable: bool = False) -> str:
    total = scores.unanswerable if unanswerable else scores.answerable
    if count is None or not total:
        return "—"
    return f"{count}/{total} {count / total:.3f}"


def _figures(scores: Scores) -> dict[str, Any]:
    refused = scores.refused if scores.unanswerable else None
    return {
        "top1": round(scores.share(scores.top1) or 0.0, 6),
        "correct": round(scores.share(scores.correct) or 0.0, 6),
        "off_topic_refused": None if refused is None else round(refused / scores.unanswerable, 6),
        "answerable": scores.answerable,
        "unanswerable": scores.unanswerable,
        "counts": {"top1": scores.top1, "correct": scores.correct, "off_topic_refused": refused},
    }


def _miss_text(dialogue: DialogueOutcome, n: int) -> str:
    outcome: Outcome = dialogue.in_context[n]
    alone = dialogue.alone[n]
    turns = " → ".join(f"“{turn.text}”" for turn in dialogue.dialogue.turns[: n + 2])
    read = dialogue.readings[n]
    got = f"{outcome.top_passage} “{_preview(outcome.top_quote or '')}”" if outcome.top_passage else "no passage"
    lines = [f"- [{outcome.miss.value if outcome.miss else ''}] {turns}"]
    lines.append(f"    read as: {read}" if read else "    read as asked (no context)")
    lines.append(f"    got: {got}; right passage at rank {outcome.rank or '—'} (alone: {alone.rank or '—'})")
    return "\n".join(lines)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"
