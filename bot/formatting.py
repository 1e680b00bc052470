"""Words and dates as readers see them, in plain text for the terminal."""

from __future__ import annotations

import datetime as dt

from bot.ask import Reply
from bot.questions import MAX_QUESTION_CHARS
from corpus.model import Document
from retrieval.engine import Refusal

EXAMPLE_QUESTION = "What were Putin's three demands?"
EMPTY_QUESTION = "Please type a question, for example: " + EXAMPLE_QUESTION
NO_TERMS = "That question has no words to search for. Ask about a person, place or event, e.g. " + EXAMPLE_QUESTION
NOT_COVERED = "The sources don't cover that."
TRUNCATED = f"(Your question was long, so only its first {MAX_QUESTION_CHARS} characters were used.)"


def human_date(date: dt.date | None) -> str:
    """'3 December 2022', or 'undated': a missing date is said, never invented."""
    return f"{date.day} {date:%B %Y}" if date else "undated"


def document_line(document: Document) -> str:
    """A source as listed to readers: title, date and where it came from."""
    return f"{document.title} ({human_date(document.date)}; {document.source})"


def reply_text(reply: Reply, show_score: bool = False) -> str:
    """The plain-text answer: the quote, its date and source, or why there is none."""
    lines = [TRUNCATED] if reply.question.truncated else []
    answer = reply.answer
    if answer is None:
        lines.append(EMPTY_QUESTION)
    elif answer.refusal is Refusal.NO_TERMS:
        lines.append(NO_TERMS)
    elif answer.refusal is Refusal.NOT_COVERED:
        lines.append(NOT_COVERED)
    else:
        best = answer.results[0]
        lines.extend(f"> {line}" for line in best.quote.splitlines())
        source = f"— {best.passage.title}, {human_date(best.passage.date)} ({best.passage.source})"
        lines.append(source + (f"  [score {best.score:.2f}]" if show_score else ""))
    return "\n".join(lines)
