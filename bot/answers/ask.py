"""The single path from a reader's raw text to an answer, shared by the console, the CLI and Telegram."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.answers.questions import Question, clean_question
from retrieval.engine import Answer, AnswerEngine


@dataclass(frozen=True, slots=True)
class Reply:
    """What a front end needs to answer a reader: the cleaned question and, if it had words, the answer.

    `reading` is the question as the conversation's context made it read, when context was used, so the reply
    can show it ("(reading this as: …)") and the reader can correct it.
    """

    question: Question
    answer: Answer | None
    reading: str | None = None


def ask(engine: AnswerEngine, raw: str, top: int = 3) -> Reply:
    """Clean `raw` and answer it; an empty question gets no engine call at all."""
    question = clean_question(raw)
    if question.empty:
        return Reply(question, None)
    return Reply(question, engine.answer(question.text, top=top))


def ask_batch(engine: AnswerEngine, raws: Sequence[str], top: int = 3) -> Iterator[Reply]:
    """`ask` for many questions, in order, answered on every core; replies stream as they are ready."""
    questions = [clean_question(raw) for raw in raws]
    answers = engine.answer_batch([question.text for question in questions if not question.empty], top=top)
    for question in questions:
        yield Reply(question, None if question.empty else next(answers))
