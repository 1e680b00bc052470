"""Every word the bot says to readers, for the console and Telegram alike, in the reader's language.

The messages are English msgids, marked with `N_` (and `NP_` for those with a count) so that `pybabel
extract` finds them; a `Wording` looks them up in its language's gettext catalogue (`locale/`, compiled
to .mo when the package is built) and writes dates with Babel. Front ends only arrange these words:
the console as plain text, Telegram as escaped HTML. The quote itself is never translated.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton

DOMAIN = "quotebot"
LOCALE_DIR = Path(__file__).with_name("locale")
ENGLISH = "en"
# The languages with a catalogue; any other language_code gets English.
LANGUAGES = ("en", "fr", "de", "es", "ru", "uk")
# English dates read "3 December 2022", as British English writes them.
_BABEL_LOCALES = {"en": "en_GB"}


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when a Wording says it."""
    return message


@dataclass(frozen=True, slots=True)
class Plural:
    """A message whose wording depends on a number: `{count}` is filled in."""

    singular: str
    plural: str


def NP_(singular: str, plural: str) -> Plural:
    """Mark a message with singular and plural forms for extraction."""
    return Plural(singular, plural)


@dataclass(frozen=True, slots=True)
class Example:
    """The example question readers are offered: the seed's, said in each reader's language, or an operator's
    (QUOTEBOT_EXAMPLE_QUESTION), used as typed."""

    question: str
    translated: bool


@dataclass(frozen=True, slots=True)
class Offering:
    """A message that offers the example question in `{example}`, and its wording for a corpus with none."""

    with_example: str
    without_example: str


# Offered only over a corpus that answers it (bot/answers/example.py): the seeds do.
SEED_EXAMPLE = Example(N_("What were Putin's three demands?"), translated=True)
EMPTY_QUESTION = Offering(
    N_("Please ask a question in words, for example: {example}"),
    N_("Please ask a question in words about a person, place or event named in the sources."),
)
NO_TERMS = Offering(
    N_("That question has no words to search for. Ask about a person, place or event, for example: {example}"),
    N_("That question has no words to search for. Ask about a person, place or event named in the sources."),
)
NOT_COVERED = N_("The sources don't cover that, so I won't guess. They are about:")
TRY_EXAMPLE = Offering(
    N_("Try, for example: {example}"),
    N_("Ask about a person, place or event named in the sources."),
)
TRUNCATED = NP_(
    "Your question was long, so only its first {count} character was used.",
    "Your question was long, so only its first {count} characters were used.",
)
UNDATED = N_("undated")
SOURCE = N_("Source: {source}")
MORE_SOURCES = NP_("… and {count} more", "… and {count} more")
SOURCES_HEADING = N_("Sources")
NOT_TEXT = Offering(
    N_("I can only read text questions. Try: {example}"),
    N_("I can only read text questions: ask about a person, place or event named in the sources."),
)
# `{command}` is "/ask" with the example question after it, or with "your question" when there is none.
ASK_USAGE = Offering(
    N_("Put your question after the command, for example: {command}"),
    N_("Put your question after the command: {command}"),
)
UNKNOWN_COMMAND = N_("I don't know that command. /help says what I can do.")
NO_OTHER_PASSAGE = N_("No other passage matches this question.")
# Shown above an answer found with the conversation's context, so the reader can see and correct it.
READING_AS = N_("(reading this as: {question})")
NEW_CONVERSATION = N_("Starting afresh: I have forgotten the questions before this one.")
HELP_FOLLOW_UP = N_(
    "Follow-up questions (“When did he say that?”, “What else?”) are read with the ones before them; "
    "{new} starts afresh. Inline answers do not remember earlier questions."
)
COMMAND_NEW = N_("Start afresh: forget the questions asked before")

FORGOTTEN_QUESTION = N_("I no longer remember that question — please ask it again.")
STALE_BUTTON = N_("This button is no longer valid.")
THANKS_UP = N_("Thanks — noted 👍")
THANKS_DOWN = N_("Thanks — noted. We'll look at it.")
MORE_BUTTON = N_("More")
INLINE_EMPTY = N_("Type a question about the sources")
INLINE_SLOW = N_("Too many questions — wait a moment")
INLINE_NOT_COVERED = N_("The sources don't cover that")
# Above inline results for a question that reads like a follow-up ("when was that?"): inline has no context.
INLINE_NO_CONTEXT = N_("Inline answers don't know your earlier questions: ask in full")
RATE_LIMITED = NP_(
    "You're asking faster than I can keep up with. Please wait about {count} second and ask again.",
    "You're asking faster than I can keep up with. Please wait about {count} seconds and ask again.",
)
FORGET_PENDING = N_(
    "Your logged questions will be deleted as soon as the log database is reachable again; "
    "nothing more is needed from you."
)
NOTHING_FORGOTTEN = N_("I had no logged questions of yours. Nothing was deleted.")
FORGOTTEN = NP_("Done: I deleted your {count} logged question.", "Done: I deleted your {count} logged questions.")
NOT_A_MODERATOR = N_("Sorry, this command is only for the bot's moderators.")
MODERATORS_IN_PRIVATE = N_("Moderator commands work in a private chat with me.")
ONLY_THE_ASKER_VOTES = N_("Only the reader who asked this question can rate its answer.")
MORE_IN_CHATS_ONLY = N_("Ask me in a chat to see more passages.")
SOMETHING_WRONG = N_("Sorry, something went wrong while answering. Please try again in a moment.")
GREETING_NAMED = N_("Hello, {name}!")
GREETING = N_("Hello!")
INTRODUCTION = N_(
    "I answer questions about my sources with exact quotations, their date and source — "
    "and I say so when the sources don't cover something."
)
HAVE_READ = N_("I have read:")
ASK_ME = Offering(
    N_("Ask me, for example: {example}"),
    N_("Ask me about a person, place or event named in the sources."),
)
HELP_POINTER = N_("/help explains how to ask in groups and inline.")
HELP_HEADING = N_("How to ask")
HELP_PRIVATE = N_("In a private chat, just type your question.")
HELP_GROUP = N_("In a group, use {command}, mention me ({mention}), or reply to one of my messages.")
HELP_INLINE = N_("In any chat, type {inline} and pick a quote to send.")
YOUR_QUESTION = N_("your question")
HELP_BUTTONS = N_("Under each answer, {more} shows the next best passage, and 👍/👎 tell us whether it helped.")
HELP_SOURCES = N_("/sources lists what I have read.")
COMMAND_ASK = N_("Ask a question about the sources")
COMMAND_SOURCES = N_("List the sources and their dates")
COMMAND_HELP = N_("How to ask, in chats, groups and inline")
COMMAND_START = N_("What this bot does")
COMMAND_FORGET = N_("Delete the questions you asked from the log")
# The console speaks English only (README says so), so its own lines are not in the catalogues.
MORE_NEEDS_A_QUESTION = "Ask a question first; /more then shows the next passage for it."
MORE_AFTER_A_REFUSAL = "The sources don't cover the last question, so there is no next passage for it."
_CONSOLE_HELP_REST = (
    "Follow-up questions (“When did he say that?”, “What else?”) are read "
    "with the ones before them; /new starts afresh.\n/more shows the next passage for the last question, "
    "/sources lists the documents, /quit (or Ctrl-D) leaves."
)
CONSOLE_HELP = Offering(
    "Type a question about the sources and press Enter; the answer is a verbatim quote with its date and "
    "source. For example: {example}\n" + _CONSOLE_HELP_REST,
    "Type a question about a person, place or event named in the sources and press Enter; the answer is a "
    "verbatim quote with its date and source.\n" + _CONSOLE_HELP_REST,
)
CONSOLE_NEW = "Starting afresh: the questions before this are forgotten."
CONSOLE_WELCOME = Plural("quotebot — {count} source loaded.", "quotebot — {count} sources loaded.")


class Wording:
    """The bot's words in one language: translated messages, and dates written the way that language does."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
        self._locale = Locale.parse(_BABEL_LOCALES.get(language, language))

    def text(self, message: str, **values: str) -> str:
        """The message in plain text, with `values` filled in."""
        return self._catalogue.gettext(message).format(**values)

    def html(self, message: str, **values: str) -> str:
        """The message as Telegram HTML: its own words escaped, `values` (already HTML) filled in."""
        return escape(self._catalogue.gettext(message), quote=False).format(**values)

    def count(self, message: Plural, count: int, render: Callable[[str], str] = str) -> str:
        """A message about `count` things, in the plural form the language uses for that number."""
        return render(self._catalogue.ngettext(message.singular, message.plural, count)).format(count=count)

    def example(self, offered: Example | None) -> str | None:
        """The example question in this language (an operator's as typed); None when there is none to offer."""
        if offered is None:
            return None
        return self._catalogue.gettext(offered.question) if offered.translated else offered.question

    def offer(self, message: Offering, offered: Example | None) -> str:
        """The message in plain text with the example question, or in its words for a corpus without one."""
        example = self.example(offered)
        if example is None:
            return self.text(message.without_example)
        return self.text(message.with_example, example=example)

    def offer_html(self, message: Offering, offered: Example | None) -> str:
        """The message as Telegram HTML, the example question (escaped) in italics, or worded without one."""
        example = self.example(offered)
        if example is None:
            return self.html(message.without_example)
        return self.html(message.with_example, example=f"<i>{escape(example)}</i>")

    def date(self, date: dt.date | None) -> str:
        """'3 December 2022', or 'undated': a missing date is said, never invented."""
        return format_date(date, "long", locale=self._locale) if date else self.text(UNDATED)

    def date_span(self, first: dt.date, last: dt.date) -> str:
        """'2 December 2022', 'November 2022', '2021' or '26 November – 2 December 2022', as the span allows."""
        if first == last:
            return self.date(first)
        if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
            return format_date(first, "y", locale=self._locale)
        if (
            first.day == 1
            and (first.year, first.month) == (last.year, last.month)
            and (last + dt.timedelta(days=1)).day == 1
        ):
            return format_date(first, "LLLL y", locale=self._locale)
        if first.year != last.year:
            return f"{self.date(first)} – {self.date(last)}"
        if first.month != last.month:
            return f"{format_skeleton('MMMMd', first, locale=self._locale)} – {self.date(last)}"
        return f"{format_skeleton('d', first, locale=self._locale)}–{self.date(last)}"


def language_of(language_code: str | None) -> str:
    """The catalogue for Telegram's IETF language tag ('pt-br' → 'pt'), English when there is none."""
    primary = (language_code or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else ENGLISH


@cache
def wording_for(language_code: str | None = None) -> Wording:
    """The Wording for a reader's language_code; English for none or an unsupported one."""
    return Wording(language_of(language_code))


def english() -> Wording:
    """The console's and the CLI's wording: always English."""
    return wording_for(ENGLISH)
