"""Words and dates as readers see them, in plain text for the terminal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from bot.answers.ask import Reply
from bot.answers.questions import MAX_QUESTION_CHARS
from corpus.model import Document
from retrieval.dates import DateMention
from retrieval.engine import Refusal

EXAMPLE_QUESTION = "What were Putin's three demands?"
EMPTY_QUESTION = "Please type a question, for example: " + EXAMPLE_QUESTION
NO_TERMS = "That question has no words to search for. Ask about a person, place or event, e.g. " + EXAMPLE_QUESTION
NOT_COVERED = "The sources don't cover that."
TRUNCATED = f"(Your question was long, so only its first {MAX_QUESTION_CHARS} characters were used.)"


def human_date(date: dt.date | None) -> str:
    """'3 December 2022', or 'undated': a missing date is said, never invented."""
    return f"{date.day} {date:%B %Y}" if date else "undated"


def date_span(first: dt.date, last: dt.date) -> str:
    """'2 December 2022', 'November 2022', '2021' or '26 November – 2 December 2022', as the span allows."""
    if first == last:
        return human_date(first)
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return str(first.year)
    if (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and (last + dt.timedelta(days=1)).day == 1
    ):
        return f"{first:%B %Y}"
    if first.year != last.year:
        return f"{human_date(first)} – {human_date(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%B} – {human_date(last)}"
    return f"{first.day}–{human_date(last)}"


def quote_with_dates(
    quote: str,
    mentions: Sequence[DateMention],
    text: Callable[[str], str] = str,
    day: Callable[[str], str] = lambda span: f" ({span})",
) -> str:
    """The quote with each relative date followed by the day it means: "on Friday (2 December 2022)".

    The quote itself stays verbatim; only the bracketed days are added, so readers can tell them apart.
    `text` and `day` render the two kinds of piece (Telegram escapes the first and italicises the second);
    a mention beyond the end of a shortened quote is left out.
    """
    pieces: list[str] = []
    position = 0
    for mention in mentions:
        if mention.end > len(quote):
            break
        pieces += [text(quote[position : mention.end]), day(date_span(mention.first, mention.last))]
        position = mention.end
    return "".join(pieces) + text(quote[position:])


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
        lines.extend(f"> {line}" for line in quote_with_dates(best.quote, best.dates).splitlines())
        source = f"— {best.passage.title}, {human_date(best.passage.date)} ({best.passage.source})"
        lines.append(source + (f"  [score {best.score:.2f}]" if show_score else ""))
    return "\n".join(lines)
