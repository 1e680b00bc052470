"""Replies as plain-text lines for a terminal, each piece tagged with what it is so a TTY can colour it.

The words come from `bot.answers.wording`, the same as Telegram's; only the arrangement is the terminal's.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.answers.ask import Reply
from bot.answers.wording import (
    EMPTY_QUESTION,
    MORE_SOURCES,
    NO_TERMS,
    NOT_COVERED,
    READING_AS,
    TRUNCATED,
    TRY_EXAMPLE,
    Example,
    Wording,
    english,
)
from corpus.model import Document
from retrieval.dates import DateMention
from retrieval.engine import Refusal, Result

SOURCES_SHOWN = 20


class Style(enum.Enum):
    """What a piece of a line is, for colouring."""

    PLAIN = "plain"
    QUOTE = "quote"
    DATE = "date"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class Line:
    """One paragraph of output; `hang` starts every wrapped continuation ("> " under a quote)."""

    spans: tuple[tuple[str, Style], ...]
    hang: str = ""

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.spans)


def plain_line(text: str) -> Line:
    return Line(((text, Style.PLAIN),))


def quote_with_dates(
    quote: str,
    mentions: Sequence[DateMention],
    text: Callable[[str], str] = str,
    day: Callable[[str], str] = lambda span: f" ({span})",
    words: Wording | None = None,
) -> str:
    """The quote with each relative date followed by the day it means: "on Friday (2 December 2022)".

    The quote itself stays verbatim; only the bracketed days are added, so readers can tell them apart.
    `text` and `day` render the two kinds of piece (Telegram escapes the first and italicises the second);
    a mention beyond the end of a shortened quote is left out.
    """
    return "".join(
        text(piece) if style is Style.QUOTE else day(piece) for piece, style in _dated_pieces(quote, mentions, words)
    )


def _dated_pieces(quote: str, mentions: Sequence[DateMention], words: Wording | None) -> list[tuple[str, Style]]:
    words = words or english()
    pieces: list[tuple[str, Style]] = []
    position = 0
    for mention in mentions:
        if mention.end > len(quote):
            break
        pieces += [
            (quote[position : mention.end], Style.QUOTE),
            (words.date_span(mention.first, mention.last), Style.DATE),
        ]
        position = mention.end
    return [*pieces, (quote[position:], Style.QUOTE)]


def answer_lines(result: Result, words: Wording | None = None, score: bool = False) -> list[Line]:
    """The quote (each of its lines marked '> '), then '— title, date (source)'."""
    words = words or english()
    quoted: list[list[tuple[str, Style]]] = [[]]
    for piece, style in _dated_pieces(result.quote, result.dates, words):
        if style is Style.DATE:
            quoted[-1].append((f" ({piece})", Style.DATE))
            continue
        first, *others = piece.split("\n")
        quoted[-1].append((first, Style.QUOTE))
        quoted += [[(other, Style.QUOTE)] for other in others]
    lines = [Line((("> ", Style.PLAIN), *spans), hang="> ") for spans in quoted]
    passage = result.passage
    source: list[tuple[str, Style]] = [
        ("— ", Style.PLAIN),
        (passage.title, Style.SOURCE),
        (", ", Style.PLAIN),
        (words.date(passage.date), Style.DATE),
    ]
    if passage.source:
        source += [(" (", Style.PLAIN), (passage.source, Style.SOURCE), (")", Style.PLAIN)]
    if score:
        source.append((f"  [score {result.score:.2f}]", Style.PLAIN))
    return [*lines, Line(tuple(source))]


def document_line(document: Document, words: Wording | None = None) -> Line:
    """A source as listed to readers: title, date and, when known, where it came from (never a file name)."""
    words = words or english()
    where = [("; ", Style.PLAIN), (document.source, Style.SOURCE)] if document.source else []
    return Line(
        (
            ("• ", Style.PLAIN),
            (document.title, Style.SOURCE),
            (" (", Style.PLAIN),
            (words.date(document.date), Style.DATE),
            *where,
            (")", Style.PLAIN),
        ),
        hang="  ",
    )


def newest_first(documents: Sequence[Document]) -> list[Document]:
    """Dated documents newest first, then the undated ones, each group in corpus order."""
    dated = sorted((d for d in documents if d.date), key=lambda d: d.date or dt.date.min, reverse=True)
    return dated + [d for d in documents if d.date is None]


def sources_lines(
    documents: Sequence[Document], words: Wording | None = None, limit: int = SOURCES_SHOWN
) -> list[Line]:
    """One line per document, newest first; a long list ends with how many more there are."""
    words = words or english()
    lines = [document_line(document, words) for document in newest_first(documents)[:limit]]
    if len(documents) > limit:
        lines.append(plain_line(words.count(MORE_SOURCES, len(documents) - limit)))
    return lines


def reply_lines(
    reply: Reply,
    documents: Sequence[Document],
    words: Wording | None = None,
    score: bool = False,
    example: Example | None = None,
) -> list[Line]:
    """The answer, or why there is none; a refusal lists what the sources cover, like Telegram's.

    `example` is the question a refusal suggests (bot.answers.example); without one none is suggested.
    """
    words = words or english()
    lines = [plain_line(f"({words.count(TRUNCATED, len(reply.question.text))})")] if reply.question.truncated else []
    if reply.reading:
        lines.append(plain_line(words.text(READING_AS, question=reply.reading)))
    answer = reply.answer
    if answer is None:
        return [*lines, plain_line(words.offer(EMPTY_QUESTION, example))]
    if answer.refusal is Refusal.NO_TERMS:
        return [*lines, plain_line(words.offer(NO_TERMS, example))]
    if answer.refusal is Refusal.NOT_COVERED:
        lines.append(plain_line(words.text(NOT_COVERED)))
        lines += sources_lines(documents, words)
        return [*lines, plain_line(words.offer(TRY_EXAMPLE, example))]
    return [*lines, *answer_lines(answer.results[0], words, score)]


def plain_text(lines: Sequence[Line]) -> str:
    """Lines as they are, unwrapped and uncoloured: for pipes, files and tests."""
    return "\n".join(line.text for line in lines)
