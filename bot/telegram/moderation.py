"""Moderators' commands in Telegram: what readers asked, what went unanswered or was disliked, and export."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, Literal

from telegram import Bot, InputFile, Message, Update, User
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import ContextTypes

from bot.answers.wording import MODERATORS_IN_PRIVATE, NOT_A_MODERATOR
from bot.querylog import LoggedQuery, LogStats, ReviewStatus, Vote, is_record_id
from bot.querylog.database_url import describe_error
from bot.querylog.migrations import migrate
from bot.querylog.output import CsvRows
from bot.telegram.addressing import command_argument
from bot.telegram.language import reader_words
from bot.telegram.replies import MESSAGE_LIMIT, shorten, utf16_length
from bot.telegram.services import LOG_WAIT_SECONDS, BotServices, services
from bot.web.login_links import LINK_LIFETIME, LoginLinks

logger = logging.getLogger(__name__)

DEFAULT_ROWS, MAX_ROWS = 10, 50
REVIEW_USAGE = "Usage: <code>/review RECORD_ID ok|flag [note]</code> — the id is shown by /recent."
WEB_UNAVAILABLE = "The log database cannot be reached right now, so no login link can be made; try again soon."


@dataclass(frozen=True, slots=True)
class ModeratorRequest:
    """A moderator's command, and the private chat with that moderator where every answer goes.

    Nothing a moderator command shows (questions, record ids, the CSV log, login links) is ever
    sent to the chat the command came from unless that chat is the private one.
    """

    message: Message
    moderator: User
    bot: Bot

    async def reply_html(self, text: str) -> None:
        await self.bot.send_message(self.moderator.id, text)

    async def reply_document(self, document: InputFile, caption: str) -> None:
        await self.bot.send_document(self.moderator.id, document, caption=caption)


# A moderator command gets the request it answers: the guard has checked who sent it, and from where.
ModeratorHandler = Callable[[ModeratorRequest, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
TelegramHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def moderators_only(handler: ModeratorHandler) -> TelegramHandler:
    """Refuse anyone not in MODERATOR_IDS before the handler reads a single log row.

    In a group the command only gets MODERATORS_IN_PRIVATE, whoever sent it; a moderator's answer
    goes to their private chat with the bot instead, when they have one.
    """
    return _guard(handler, answer_group_commands_in_private=True)


def moderators_only_in_private(handler: ModeratorHandler) -> TelegramHandler:
    """Like moderators_only, except that a command sent in a group is not answered in private either."""
    return _guard(handler, answer_group_commands_in_private=False)


def _guard(handler: ModeratorHandler, answer_group_commands_in_private: bool) -> TelegramHandler:
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        moderator = user if user and not message.sender_chat and user.id in services(context).moderator_ids else None
        if message.chat.type != ChatType.PRIVATE:
            await message.reply_html(reader_words(update).html(MODERATORS_IN_PRIVATE))
            if moderator is not None and answer_group_commands_in_private:
                await _answer_in_private(handler, ModeratorRequest(message, moderator, context.bot), context)
            return
        if moderator is None:
            await message.reply_html(reader_words(update).html(NOT_A_MODERATOR))
            return
        await handler(ModeratorRequest(message, moderator, context.bot), context)

    guarded.__doc__ = handler.__doc__
    return guarded


async def _answer_in_private(
    handler: ModeratorHandler, request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE
) -> None:
    """A moderator who never opened a private chat with the bot cannot get it there: Telegram says 403."""
    try:
        await handler(request, context)
    except Forbidden:
        logger.info("a moderator used a command in a group but has no private chat with the bot")


@moderators_only
async def recent(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/recent [N]: the newest questions."""
    rows = await services(context).query_log.recent(limit=_row_count(context))
    await _send_listing(request, "Recent questions", rows)


@moderators_only
async def unanswered(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unanswered [N]: questions the sources did not cover, newest first."""
    rows = await services(context).query_log.unanswered(limit=_row_count(context))
    await _send_listing(request, "Unanswered questions", rows)


@moderators_only
async def flagged(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/flagged [N]: answers readers disliked (until reviewed) or moderators flagged."""
    rows = await services(context).query_log.flagged(limit=_row_count(context))
    await _send_listing(request, "Flagged answers", rows)


@moderators_only
async def stats(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: volume and answered share today and over 7 days, top questions, median latency."""
    figures = await services(context).query_log.stats()
    await request.reply_html(stats_html(figures))


@moderators_only
async def export(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export: the whole log as a CSV file."""
    buffer = io.StringIO()
    rows = CsvRows(buffer)
    async for record in services(context).query_log.export():
        rows.write(record)
    name = f"quotebot-log-{datetime.now():%Y%m%d-%H%M}.csv"
    await request.reply_document(
        InputFile(buffer.getvalue().encode("utf-8"), filename=name), caption="The query log as CSV."
    )


@moderators_only
async def review(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/review RECORD_ID ok|flag [note]: a moderator's verdict on one answer."""
    parts = command_argument(request.message).split(maxsplit=2)
    verdict: Literal["ok", "flag"]
    if len(parts) >= 2 and parts[1] == "ok":
        verdict = "ok"
    elif len(parts) >= 2 and parts[1] == "flag":
        verdict = "flag"
    else:
        await request.reply_html(REVIEW_USAGE)
        return
    record_id = parts[0]
    if not is_record_id(record_id):
        await request.reply_html(f"No such record: <code>{escape(record_id)}</code> (ids are shown by /recent).")
        return
    note = parts[2] if len(parts) > 2 else None
    bot_services = services(context)
    moderator = bot_services.reader(request.moderator.id)
    saving = bot_services.query_log.review(record_id, verdict, note, moderator)
    try:
        found = await asyncio.wait_for(asyncio.shield(saving), timeout=LOG_WAIT_SECONDS)
    except TimeoutError:
        text = f"Saved; <code>{record_id}</code> will be marked {verdict} once the log database is reachable."
    else:
        text = (
            f"Marked <code>{record_id}</code> as {verdict}." if found else f"No such record: <code>{record_id}</code>."
        )
    await request.reply_html(text)


@moderators_only_in_private
async def web_login(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/web: a one-time link to the web inbox, sent to a private chat only when asked in one."""
    bot_services = services(context)
    links = LoginLinks(bot_services.query_log.engine, bot_services.query_log.pseudonyms)
    try:
        moderator = bot_services.reader(request.moderator.id)
        link = await asyncio.wait_for(_issue_link(links, moderator, bot_services), timeout=LOG_WAIT_SECONDS)
    except Exception as error:
        logger.warning("Could not issue a web login link: %s", describe_error(error))
        await request.reply_html(WEB_UNAVAILABLE)
        return
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    await request.reply_html(
        f'<a href="{escape(link, quote=True)}">Open the moderators\' inbox</a> — this link works once, '
        f"for the next {minutes} minutes, and only for you."
    )


async def _issue_link(links: LoginLinks, moderator: str, bot_services: BotServices) -> str:
    """Migrate first (idempotent): a bot that started while the database was down may not have yet."""
    await migrate(bot_services.query_log.engine)
    return await links.issue(moderator, bot_services.web_url)


def listing_pages(title: str, rows: list[LoggedQuery]) -> list[str]:
    """Entries packed into as few messages as Telegram's 4,096-character limit allows."""
    if not rows:
        return [f"<b>{escape(title)}</b>: none."]
    pages: list[str] = []
    current, length = [f"<b>{escape(title)}</b> ({len(rows)})"], len(title) + 8
    for row in rows:
        entry, visible = _entry_html(row)
        if length + visible + 2 > MESSAGE_LIMIT:
            pages.append("\n\n".join(current))
            current, length = [], 0
        current.append(entry)
        length += visible + 2
    pages.append("\n\n".join(current))
    return pages


def stats_html(figures: LogStats) -> str:
    """The /stats report."""

    def period(label: str, questions: int, share: float | None) -> str:
        answered = "–" if share is None else f"{share:.0%} answered"
        return f"{label}: {questions} questions, {answered}"

    latency = "–" if figures.median_latency_ms is None else f"{figures.median_latency_ms:.0f} ms"
    lines = [
        "<b>Query log</b>",
        period("Today (UTC)", figures.today.questions, figures.today.answered_share),
        period("Last 7 days", figures.last_7_days.questions, figures.last_7_days.answered_share),
        f"Median latency (7 days): {latency}",
        "<b>Top questions</b>" if figures.top_questions else "No questions in the last 7 days.",
    ]
    lines += [f"{count} × {escape(shorten(text, 200))}" for text, count in figures.top_questions]
    return "\n".join(lines)


def _entry_html(row: LoggedQuery) -> tuple[str, int]:
    status = f"answered, score {row.score:.2f}" if row.answered and row.score is not None else "unanswered"
    marks = [row.channel.value, status]
    if row.feedback is not None:
        marks.append("👍" if row.feedback is Vote.UP else "👎")
    if row.review_status is not ReviewStatus.NEW:
        marks.append(row.review_status.value)
    head = f"{row.created_at:%Y-%m-%d %H:%M} · " + " · ".join(marks)
    question = shorten(row.question, 300)
    lines = [f"<code>{row.id}</code> {escape(head)}", f"<i>{escape(question)}</i>"]
    plain = [row.id, head, question]
    if row.review_note:
        note = shorten(row.review_note, 200)
        lines.append(f"Note: {escape(note)}")
        plain.append(note)
    return "\n".join(lines), utf16_length("\n".join(plain)) + 10


def _row_count(context: ContextTypes.DEFAULT_TYPE) -> int:
    if context.args and context.args[0].isdigit():
        return max(1, min(int(context.args[0]), MAX_ROWS))
    return DEFAULT_ROWS


async def _send_listing(request: ModeratorRequest, title: str, rows: list[LoggedQuery]) -> None:
    for page in listing_pages(title, rows):
        await request.reply_html(page)
