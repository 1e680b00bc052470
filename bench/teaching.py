"""How far a moderator's lesson reaches: rewordings of taught questions before and after teaching.

Reads tests/data/taught_rewordings.jsonl: lines with a "lesson" (a question the bot missed, the passage
that answers it or null for "the sources do not answer this") and rewordings written for it, and lines
of "keep" questions whose answers teaching must not change; the questions of the seed dev set and of the
SQuAD excerpt are kept too. For each corpus it answers every rewording before teaching (the baseline)
and after teaching all its lessons, at each similarity threshold given.

    .venv/bin/python bench/teaching.py                # the default threshold
    .venv/bin/python bench/teaching.py 0.6 0.7 0.8    # a sweep
    .venv/bin/python bench/teaching.py --squad ../shared/eval/squad-v1.1-dev-even.json

With --squad it measures what teaching costs the questions nobody taught: in each SQuAD article every
question whose right paragraph is not first is taught its paragraph, as a moderator would after reading
the inbox, and every other question of the article is asked again before and after (the file stays
outside the repository).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from corpus import load_corpus
from retrieval.engine import AnswerEngine
from retrieval.eval_sets import read_questions_jsonl, read_squad
from retrieval.taught import MIN_SIMILARITY, Lesson, TaughtAnswers

REPOSITORY = Path(__file__).resolve().parent.parent
DATA = REPOSITORY / "tests" / "data" / "taught_rewordings.jsonl"


@dataclass
class CorpusCase:
    lessons: list[tuple[Lesson, list[str]]] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


def _engines_and_cases() -> tuple[dict[str, AnswerEngine], dict[str, CorpusCase]]:
    engines = {"seeds": AnswerEngine(load_corpus(REPOSITORY / "seeds"))}
    cases: dict[str, CorpusCase] = defaultdict(CorpusCase)
    cases["seeds"].keep = [
        q.text for q in read_questions_jsonl(REPOSITORY / "tests" / "data" / "seed_dev_questions.jsonl")
    ]
    for group in read_squad(REPOSITORY / "tests" / "data" / "squad_excerpt.json"):
        name = "squad:" + group.corpus.documents[0].doc_id.split("/", 1)[1]
        engines[name] = AnswerEngine(group.corpus)
        cases[name].keep = [question.text for question in group.questions]
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        case = cases[item["corpus"]]
        if "keep" in item:
            case.keep.extend(item["keep"])
        else:
            case.lessons.append((Lesson(item["lesson"], item["passage"]), item["rewordings"]))
    for case in cases.values():
        taught = {lesson.question for lesson, _ in case.lessons}
        case.keep = [question for question in case.keep if question not in taught]
    return engines, cases


def _outcome(engine: AnswerEngine, question: str) -> str | None:
    """The passage shown first, or None for a refusal."""
    answer = engine.answer(question, top=3)
    return answer.results[0].passage.passage_id if answer.answered else None


def main(thresholds: list[float]) -> None:
    engines, cases = _engines_and_cases()
    rewordings = sum(len(words) for case in cases.values() for _, words in case.lessons)
    lessons = sum(len(case.lessons) for case in cases.values())
    keeps = sum(len(case.keep) for case in cases.values())
    print(f"{lessons} lessons, {rewordings} rewordings of them, {keeps} questions that must keep their answers")
    before = {name: {q: _outcome(engines[name], q) for q in case.keep} for name, case in cases.items()}
    right_before = sum(
        _outcome(engines[name], question) == lesson.passage_id
        for name, case in cases.items()
        for lesson, words in case.lessons
        for question in words
    )
    print(f"baseline (nothing taught): {right_before}/{rewordings} rewordings get the right passage or refusal")
    print(f"{'threshold':>9}  {'taught question':>15}  {'rewordings right':>16}  {'kept answers':>12}")
    for threshold in thresholds:
        taught_right = rewordings_right = kept = 0
        for name, case in cases.items():
            engine = engines[name]
            engine.taught = TaughtAnswers.build(
                (lesson for lesson, _ in case.lessons), engine._signature, engine._locate, threshold
            )
            for lesson, words in case.lessons:
                taught_right += _outcome(engine, lesson.question) == lesson.passage_id
                for question in words:
                    right = _outcome(engine, question) == lesson.passage_id
                    rewordings_right += right
                    if not right and threshold == thresholds[0]:
                        print(f"    missed: {question!r} (lesson {lesson.question!r})")
            for question in case.keep:
                same = _outcome(engine, question) == before[name][question]
                kept += same
                if not same and threshold == thresholds[0]:
                    print(f"    changed: {question!r}")
            engine.teach([])
        print(
            f"{threshold:>9.2f}  {taught_right:>9}/{lessons:<5}  "
            f"{rewordings_right:>10}/{rewordings:<5}  {kept:>6}/{keeps}"
        )


def squad_collateral(path: Path, threshold: float) -> None:
    """Teach every SQuAD miss of each article; count the untaught questions whose first passage moved."""
    taught = fixed = helped = hurt = moved = others = 0
    for group in read_squad(path):
        engine = AnswerEngine(group.corpus)
        first = {q.text: _first(engine, q.text) for q in group.questions}
        missed = [q for q in group.questions if first[q.text] != q.gold_passage]
        engine.taught = TaughtAnswers.build(
            (Lesson(q.text, q.gold_passage) for q in missed), engine._signature, engine._locate, threshold
        )
        taught += len(missed)
        fixed += sum(_first(engine, q.text) == q.gold_passage for q in missed)
        missed_texts = {q.text for q in missed}
        for question in group.questions:
            if question.text in missed_texts:
                continue
            others += 1
            after = _first(engine, question.text)
            if after != first[question.text]:
                moved += 1
                helped += after == question.gold_passage
                hurt += first[question.text] == question.gold_passage
    print(f"SQuAD, threshold {threshold:.2f}: {taught} misses taught, {fixed} of them now right")
    print(
        f"  of the {others} questions not taught, {moved} changed their first passage: "
        f"{hurt} right -> wrong, {helped} wrong -> right"
    )


def _first(engine: AnswerEngine, question: str) -> str | None:
    results = engine.answer(question, top=1).results
    return results[0].passage.passage_id if results else None


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--squad"]:
        squad_collateral(Path(arguments[1]), float(arguments[2]) if len(arguments) > 2 else MIN_SIMILARITY)
    else:
        main([float(arg) for arg in arguments] or [MIN_SIMILARITY])
