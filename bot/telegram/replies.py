"""Telegram HTML for every reply: escaped source and reader text, always within Telegram's 4,096 characters."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.answers.formatting import EXAMPLE_QUESTION, human_date, quote_with_dates
from bot.answers.questions import MAX_QUESTION_CHARS
from corpus.model import Document
from retrieval.engine import Result

# Telegram's limit is 4,096 characters after entities are parsed; the quote is trimmed to leave room for
# the title, date, source and notes around it.
MESSAGE_LIMIT = 4096
QUOTE_LIMIT = 3000
TITLE_LIMIT = 200

TRUNCATED_NOTE = f"<i>Your question was long, so I only read its first {MAX_QUESTION_CHARS} characters.</i>"
EMPTY_QUESTION = f"Please ask a question in words, for example: <i>{escape(EXAMPLE_QUESTION)}</i>"
NO_TERMS = (
    "That question has no words I can search for. Ask about a person, place or event, for example: "
    f"<i>{escape(EXAMPLE_QUESTION)}</i>"
)
NOT_TEXT = f"I can only read text questions. Try: <i>{escape(EXAMPLE_QUESTION)}</i>"
ASK_USAGE = f"Put your question after the command, for example: <code>/ask {escape(EXAMPLE_QUESTION)}</code>"
UNKNOWN_COMMAND = "I don't know that command. /help says what I can do."
FORGET_PENDING = (
    "Your logged questions will be deleted as soon as the log database is reachable again; "
    "nothing more is needed from you."
)
SOMETHING_WRONG = "Sorry, something went wrong while answering. Please try again in a moment."


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


def answer_html(result: Result, truncated: bool = False) -> str:
    """The quote in a blockquote, then title, date and source: what readers need to trust it."""
    passage = result.passage
    source = escape(passage.source)
    if passage.source.startswith(("http://", "https://")):
        source = f'<a href="{escape(passage.source, quote=True)}">{source}</a>'
    lines = [TRUNCATED_NOTE] if truncated else []
    lines += [
        f"<blockquote>{quote_html(result)}</blockquote>",
        f"— <b>{escape(shorten(passage.title, TITLE_LIMIT))}</b>, {human_date(passage.date)}",
        f"Source: {source}",
    ]
    return "\n".join(lines)


def quote_html(result: Result) -> str:
    """The escaped quote, each relative date followed by the day it means in italics."""
    return quote_with_dates(
        shorten(result.quote, QUOTE_LIMIT), result.dates, text=escape, day=lambda span: f" <i>({escape(span)})</i>"
    )


def not_covered_html(documents: Sequence[Document], truncated: bool = False) -> str:
    """A friendly refusal that says what the sources do cover, so the reader can ask again."""
    lines = [TRUNCATED_NOTE] if truncated else []
    lines.append("The sources don't cover that, so I won't guess. They are about:")
    lines.append(sources_list_html(documents))
    lines.append(f"Try, for example: <i>{escape(EXAMPLE_QUESTION)}</i>")
    return "\n".join(lines)


def sources_list_html(documents: Sequence[Document], limit: int = 20) -> str:
    """One line per document with its date; long lists end with a count of the rest."""
    lines = [f"• {escape(shorten(d.title, TITLE_LIMIT))} ({human_date(d.date)})" for d in documents[:limit]]
    if len(documents) > limit:
        lines.append(f"… and {len(documents) - limit} more")
    return "\n".join(lines)


def welcome_html(documents: Sequence[Document], first_name: str | None) -> str:
    """/start: who the bot is, what it has read, and an example to copy."""
    greeting = f"Hello, {escape(first_name)}!" if first_name else "Hello!"
    return "\n".join(
        [
            f"{greeting} I answer questions about my sources with exact quotations, their date and source — "
            "and I say so when the sources don't cover something.",
            "",
            "I have read:",
            sources_list_html(documents),
            "",
            f"Ask me, for example: <i>{escape(EXAMPLE_QUESTION)}</i>",
            "/help explains how to ask in groups and inline.",
        ]
    )


def help_html(bot_username: str) -> str:
    """/help: the three ways to ask, with the bot's real @username filled in."""
    name = escape(bot_username)
    return "\n".join(
        [
            "<b>How to ask</b>",
            "• In a private chat, just type your question.",
            f"• In a group, use <code>/ask your question</code>, mention me (@{name} your question), "
            "or reply to one of my messages.",
            f"• In any chat, type <code>@{name} your question</code> and pick a quote to send.",
            "",
            "Under each answer, <b>More</b> shows the next best passage, and 👍/👎 tell us whether it helped.",
            "/sources lists what I have read.",
        ]
    )


def sources_html(documents: Sequence[Document]) -> str:
    """/sources: the documents with their dates."""
    return "<b>Sources</b>\n" + sources_list_html(documents, limit=50)


def rate_limited_html(seconds: int) -> str:
    """The polite message for a reader who asks faster than the configured limit."""
    return f"You're asking faster than I can keep up with. Please wait about {seconds} seconds and ask again."


def forgotten_html(count: int) -> str:
    """/forget's answer: how many logged questions were deleted."""
    if count == 0:
        return "I had no logged questions of yours. Nothing was deleted."
    return f"Done: I deleted your {count} logged question{'s' if count != 1 else ''}."
