"""Telegram HTML for every reply: escaped source and reader text, always within Telegram's 4,096 characters."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.answers import wording as w
from bot.answers.formatting import newest_first, quote_with_dates
from bot.answers.wording import Example, Wording
from corpus.model import Document
from retrieval.engine import Result

# Telegram's limit is 4,096 characters after entities are parsed; the quote is trimmed to leave room for
# the title, date, source and notes around it.
MESSAGE_LIMIT = 4096
QUOTE_LIMIT = 3000
TITLE_LIMIT = 200


def empty_question_html(words: Wording, example: Example | None) -> str:
    return words.offer_html(w.EMPTY_QUESTION, example)


def no_terms_html(words: Wording, example: Example | None) -> str:
    return words.offer_html(w.NO_TERMS, example)


def not_text_html(words: Wording, example: Example | None) -> str:
    return words.offer_html(w.NOT_TEXT, example)


def ask_usage_html(words: Wording, example: Example | None) -> str:
    """How /ask is used: with the example question after it, or "/ask your question" when there is none."""
    question = words.example(example)
    if question is None:
        return words.html(w.ASK_USAGE.without_example, command=f"<code>/ask {words.html(w.YOUR_QUESTION)}</code>")
    return words.html(w.ASK_USAGE.with_example, command=f"<code>/ask {escape(question)}</code>")


def truncated_html(words: Wording, used: int) -> str:
    """How much of a long question was read: the same number the CLI prints."""
    return f"<i>{words.count(w.TRUNCATED, used, render=escape)}</i>"


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """Cut plain text to `limit` UTF-16 units at a word boundary, marking the cut with …."""
    if utf16_length(text) <= limit:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit - 1:
            cut = text[:index]
            break
    head = cut.rsplit(" ", 1)[0]
    return (head if len(head) > len(cut) // 2 else cut).rstrip() + "…"


def answer_html(result: Result, words: Wording, truncated_to: int | None = None) -> str:
    """The quote in a blockquote, then title, date and source: what readers need to trust it."""
    passage = result.passage
    lines = [truncated_html(words, truncated_to)] if truncated_to is not None else []
    lines += [
        f"<blockquote>{quote_html(result, words)}</blockquote>",
        f"— <b>{escape(shorten(passage.title, TITLE_LIMIT))}</b>, {escape(words.date(passage.date))}",
    ]
    source = source_html(passage.document)
    if source:
        lines.append(words.html(w.SOURCE, source=source))
    return "\n".join(lines)


def source_html(document: Document) -> str | None:
    """The publisher, linked to the article when its url is known; the bare link; or None (never a file name)."""
    url = document.url if document.url and document.url.startswith(("http://", "https://")) else None
    label = escape(shorten(document.publisher or document.url or "", TITLE_LIMIT))
    if url:
        return f'<a href="{escape(url, quote=True)}">{label}</a>'
    return label or None


def quote_html(result: Result, words: Wording) -> str:
    """The escaped quote (verbatim, never translated), each relative date followed by its day in italics."""
    return quote_with_dates(
        shorten(result.quote, QUOTE_LIMIT),
        result.dates,
        text=escape,
        day=lambda span: f" <i>({escape(span)})</i>",
        words=words,
    )


def not_covered_html(
    documents: Sequence[Document], words: Wording, example: Example | None, truncated_to: int | None = None
) -> str:
    """A friendly refusal that says what the sources do cover, so the reader can ask again."""
    lines = [truncated_html(words, truncated_to)] if truncated_to is not None else []
    lines.append(words.html(w.NOT_COVERED))
    lines.append(sources_list_html(documents, words))
    lines.append(words.offer_html(w.TRY_EXAMPLE, example))
    return "\n".join(lines)


def sources_list_html(documents: Sequence[Document], words: Wording, limit: int = 20) -> str:
    """One line per document with its date, newest first; long lists end with a count of the rest."""
    ordered = newest_first(documents)[:limit]
    lines = [f"• {escape(shorten(d.title, TITLE_LIMIT))} ({escape(words.date(d.date))})" for d in ordered]
    if len(documents) > limit:
        lines.append(words.count(w.MORE_SOURCES, len(documents) - limit, render=escape))
    return "\n".join(lines)


def welcome_html(documents: Sequence[Document], first_name: str | None, words: Wording, example: Example | None) -> str:
    """/start: who the bot is, what it has read, and an example to copy."""
    greeting = words.html(w.GREETING_NAMED, name=escape(first_name)) if first_name else words.html(w.GREETING)
    return "\n".join(
        [
            f"{greeting} {words.html(w.INTRODUCTION)}",
            "",
            words.html(w.HAVE_READ),
            sources_list_html(documents, words),
            "",
            words.offer_html(w.ASK_ME, example),
            words.html(w.HELP_POINTER),
        ]
    )


def help_html(bot_username: str, words: Wording) -> str:
    """/help: the three ways to ask, with the bot's real @username filled in."""
    name = escape(bot_username)
    yours = words.html(w.YOUR_QUESTION)
    return "\n".join(
        [
            f"<b>{words.html(w.HELP_HEADING)}</b>",
            f"• {words.html(w.HELP_PRIVATE)}",
            "• " + words.html(w.HELP_GROUP, command=f"<code>/ask {yours}</code>", mention=f"@{name} {yours}"),
            "• " + words.html(w.HELP_INLINE, inline=f"<code>@{name} {yours}</code>"),
            "",
            words.html(w.HELP_BUTTONS, more=f"<b>{words.html(w.MORE_BUTTON)}</b>"),
            words.html(w.HELP_FOLLOW_UP, new="/new"),
            words.html(w.HELP_SOURCES),
        ]
    )


def sources_html(documents: Sequence[Document], words: Wording) -> str:
    """/sources: the documents with their dates."""
    return f"<b>{words.html(w.SOURCES_HEADING)}</b>\n" + sources_list_html(documents, words, limit=50)


def rate_limited_html(seconds: int, words: Wording) -> str:
    """The polite message for a reader who asks faster than the configured limit."""
    return words.count(w.RATE_LIMITED, seconds, render=escape)


def forgotten_html(count: int, words: Wording) -> str:
    """/forget's answer: how many logged questions were deleted."""
    if count == 0:
        return words.html(w.NOTHING_FORGOTTEN)
    return words.count(w.FORGOTTEN, count, render=escape)
