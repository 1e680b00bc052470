"""Reading evaluation questions: our JSON-lines dev sets and SQuAD v1.1 files, each into corpora with questions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.loader import Corpus
from corpus.model import Document, Passage

_PARAGRAPH_BREAK = "\n\n"


class EvalFileError(Exception):
    """A questions file that cannot be evaluated; the message names the file and, where known, the line."""


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """A question and how to recognise a right answer.

    `gold` holds substrings of a correct quote (None: the sources don't answer it). `gold_passage`, when
    set, is the only passage that counts as right (SQuAD: the paragraph the question was written about).
    `other_corpus`: a question written about another corpus of the same set, asked here as a negative.
    """

    text: str
    gold: tuple[str, ...] | None
    gold_passage: str | None = None
    other_corpus: bool = False

    @property
    def answerable(self) -> bool:
        return self.gold is not None


@dataclass(frozen=True, slots=True)
class EvalDialogue:
    """Questions asked one after the other in one conversation; `kind` is the file's label for it, if any."""

    turns: tuple[EvalQuestion, ...]
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class EvalGroup:
    """Questions, and dialogues, asked of one corpus."""

    corpus: Corpus
    questions: Sequence[EvalQuestion]
    dialogues: Sequence[EvalDialogue] = ()


@dataclass(frozen=True, slots=True)
class EvalLines:
    """What a JSON-lines file holds: single questions and dialogues, each in file order."""

    questions: list[EvalQuestion]
    dialogues: list[EvalDialogue]


def read_questions_jsonl(path: str | Path) -> list[EvalQuestion]:
    """Lines of {"q": str, "gold": [str, ...] or null}; blank lines are skipped, other keys ignored."""
    questions = read_eval_jsonl(path).questions
    if not questions:
        raise EvalFileError(f"{path}: no questions in the file")
    return questions


def read_eval_jsonl(path: str | Path) -> EvalLines:
    """Question lines as `read_questions_jsonl` reads them, and dialogue lines {"turns": [question, ...]}."""
    lines = EvalLines([], [])
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalFileError(f"{path}: line {number}: not valid JSON ({error.msg})") from None
        where = f"{path}: line {number}"
        if isinstance(record, dict) and "turns" in record:
            lines.dialogues.append(_dialogue_from(record, where))
        else:
            lines.questions.append(_question_from(record, where))
    if not lines.questions and not lines.dialogues:
        raise EvalFileError(f"{path}: no questions in the file")
    return lines


def read_squad(path: str | Path) -> list[EvalGroup]:
    """SQuAD v1.1: each article is its own corpus, each paragraph one passage, each question's gold its paragraph."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise EvalFileError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from None
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list) or not articles:
        raise EvalFileError(f'{path}: not SQuAD v1.1 (expected an object with a non-empty "data" list)')
    groups = [_squad_group(Path(path), number, article) for number, article in enumerate(articles, start=1)]
    if not any(group.questions for group in groups):
        raise EvalFileError(f"{path}: no questions in the file")
    return groups


def with_other_corpus_negatives(groups: Sequence[EvalGroup]) -> list[EvalGroup]:
    """Each corpus also asked the next corpus's questions (the last: the first's), which it should refuse.

    Same-domain questions that share the set's style and vocabulary are the hard negatives for the
    refusal rule; a lone corpus has none to borrow.
    """
    if len(groups) < 2:
        return list(groups)
    borrowed = [
        [EvalQuestion(q.text, None, other_corpus=True) for q in groups[(n + 1) % len(groups)].questions]
        for n in range(len(groups))
    ]
    return [
        EvalGroup(group.corpus, [*group.questions, *negatives], group.dialogues)
        for group, negatives in zip(groups, borrowed, strict=True)
    ]


def corpora_half(groups: Sequence[EvalGroup], half: str) -> list[EvalGroup]:
    """The odd- or even-numbered corpora (counting from 1, in file order), so a fit and its check never meet."""
    if half not in ("odd", "even"):
        raise ValueError(f"half must be odd or even, not {half!r}")
    start = 0 if half == "odd" else 1
    return list(groups[start::2])


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise EvalFileError(f"{path}: not valid UTF-8 (byte {error.start})") from None
    except OSError as error:
        raise EvalFileError(f"{path}: unreadable ({error.strerror or error})") from None


def _question_from(record: Any, where: str) -> EvalQuestion:
    if not isinstance(record, dict):
        raise EvalFileError(f'{where}: expected an object like {{"q": "...", "gold": [...] or null}}')
    text = record.get("q")
    if not isinstance(text, str) or not text.strip():
        raise EvalFileError(f'{where}: "q" must be a non-empty string')
    if "gold" not in record:
        raise EvalFileError(f'{where}: "gold" is missing (use null for a question the sources don\'t answer)')
    gold = record["gold"]
    if gold is None:
        return EvalQuestion(text, None)
    if not isinstance(gold, list) or not gold or not all(isinstance(g, str) and g for g in gold):
        raise EvalFileError(f'{where}: "gold" must be a non-empty list of non-empty strings, or null')
    passage = record.get("passage")
    if passage is not None and not (isinstance(passage, str) and passage):
        raise EvalFileError(f'{where}: "passage", when given, must be the gold passage\'s id')
    return EvalQuestion(text, tuple(gold), passage)


def _dialogue_from(record: dict[str, Any], where: str) -> EvalDialogue:
    turns = record["turns"]
    if not isinstance(turns, list) or not turns:
        raise EvalFileError(f'{where}: "turns" must be a non-empty list of {{"q": ..., "gold": ...}}')
    kind = record.get("kind")
    return EvalDialogue(
        tuple(_question_from(turn, f"{where}, turn {n}") for n, turn in enumerate(turns, start=1)),
        kind if isinstance(kind, str) else None,
    )


def _squad_group(path: Path, number: int, article: Any) -> EvalGroup:
    where = f"{path}: article {number}"
    paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
    if not isinstance(paragraphs, list) or not paragraphs:
        raise EvalFileError(f'{where}: expected a non-empty "paragraphs" list')
    title = str(article.get("title") or f"article {number}")
    doc_id = f"{path.stem}/{title}"
    contexts = [
        _field(paragraph, "context", str, f"{where}, paragraph {i}") for i, paragraph in enumerate(paragraphs, start=1)
    ]
    text = _PARAGRAPH_BREAK.join(contexts)
    document = Document(doc_id=doc_id, title=title.replace("_", " "), date=None, text=text, file=path.name)
    passages: list[Passage] = []
    questions: list[EvalQuestion] = []
    start = 0
    for i, (paragraph, context) in enumerate(zip(paragraphs, contexts, strict=True), start=1):
        passage_id = f"{doc_id}#p{i}"
        passages.append(Passage(passage_id, document, i, start, start + len(context), context))
        start += len(context) + len(_PARAGRAPH_BREAK)
        for qa in _field(paragraph, "qas", list, f"{where}, paragraph {i}"):
            question = _field(qa, "question", str, f"{where}, paragraph {i}")
            answers = tuple(
                a["text"]
                for a in qa.get("answers", [])
                if isinstance(a, dict) and isinstance(a.get("text"), str) and a["text"]
            )
            if not question.strip() or not answers:
                raise EvalFileError(f"{where}, paragraph {i}: a question needs text and at least one answer")
            questions.append(EvalQuestion(question, answers, passage_id))
    corpus = Corpus(root=path, documents=[document], passages=passages)
    return EvalGroup(corpus, questions)


def _field(record: Any, key: str, kind: type, where: str) -> Any:
    value = record.get(key) if isinstance(record, dict) else None
    if not isinstance(value, kind):
        raise EvalFileError(f'{where}: expected "{key}" to be a {kind.__name__}')
    return value
