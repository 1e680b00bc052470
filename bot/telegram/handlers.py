"""One small async handler per job, in the style of python-telegram-bot's examples."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answers import wording as w
from bot.answers.ask import Reply, ask
from bot.answers.wording import Wording
from bot.querylog import Channel, QueryRecord, Vote, new_record_id
from bot.querylog.record import Candidate
from bot.querylog.writes import OpResult
from bot.telegram import replies
from bot.telegram.addressing import addressed_question, command_argument, message_text
from bot.telegram.buttons import FEEDBACK, ButtonPress, answer_keyboard, parse_press
from bot.telegram.conversations import Thread
from bot.telegram.language import reader_words
from bot.telegram.senders import sender_key
from bot.telegram.services import LOG_WAIT_SECONDS, BotServices, services
from retrieval.engine import Refusal
from retrieval.followup import FollowUp, follow_up_cues

logger = logging.getLogger(__name__)
# Passages ranked per question and kept in the log, so moderators see what else the bot considered.
LOGGED_CANDIDATES = 5
# Inline answers come in pages of five as the reader scrolls, at most four pages.
INLINE_PAGE_SIZE = 5
INLINE_PAGES = 4
# How long a vote waits to learn whether it came from the reader who asked (the log says so).
VOTE_WAIT_SECONDS = 2.0


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome the reader with what the bot has read and an example question."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    bot_services = services(context)
    documents = bot_services.engine.corpus.documents
    name = user.first_name if user else None
    await message.reply_html(replies.welcome_html(documents, name, reader_words(update), bot_services.example()))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain the ways to ask: private chat, groups, inline."""
    if update.effective_message:
        await update.effective_message.reply_html(replies.help_html(context.bot.username, reader_words(update)))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the documents with their dates."""
    if update.effective_message:
        documents = services(context).engine.corpus.documents
        await update.effective_message.reply_html(replies.sources_html(documents, reader_words(update)))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question>, in any chat."""
    message = update.effective_message
    if message is None:
        return
    question = command_argument(message)
    if not question:
        await message.reply_html(replies.ask_usage_html(reader_words(update), services(context).example()))
        return
    await answer_question(update, context, question)


async def private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat every text message, and the caption of a photo or file, is a question."""
    if update.effective_message:
        await answer_question(update, context, message_text(update.effective_message))


async def group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, answer only when mentioned or replied to; stay quiet otherwise."""
    message = update.effective_message
    question = addressed_question(message, context.bot.id, context.bot.username) if message else None
    if question is not None:
        await answer_question(update, context, question)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and files in a private chat get a hint instead of silence."""
    if update.effective_message:
        await update.effective_message.reply_html(
            replies.not_text_html(reader_words(update), services(context).example())
        )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /command the bot does not know, in a private chat."""
    if update.effective_message:
        await update.effective_message.reply_html(reader_words(update).html(w.UNKNOWN_COMMAND))


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, raw: str) -> None:
    """Rate-limit, answer, log, and reply with the quote and its buttons (or an honest refusal)."""
    message = update.effective_message
    if message is None or not await _within_rate_limit(update, context):
        return
    bot_services = services(context)
    started = time.perf_counter()
    thread = _thread(update, bot_services)
    located = await bot_services.conversations.locate(thread, _reader(update, bot_services)) if thread else None
    if located is None:
        reply = await bot_services.off_loop(ask, bot_services.engine, raw, LOGGED_CANDIDATES)
    else:
        reply = await bot_services.off_loop(located.conversation.ask, bot_services.engine, raw, LOGGED_CANDIDATES)
    record_id = _log_question(update, bot_services, reply, started)
    if located is not None and record_id is not None:
        located.conversation.logged_as(record_id)
    text, keyboard = _reply_content(reply, bot_services, record_id, reader_words(update))
    sent = await message.reply_html(text, reply_markup=keyboard, do_quote=_quote_in(message))
    if thread is not None and located is not None and reply.answer is not None:
        answer_link = bot_services.conversations.message_link(sent.chat.id, sent.message_id)
        bot_services.conversations.save(located, [*thread.links, answer_link])


def _thread(update: Update, bot_services: BotServices) -> Thread | None:
    """The conversation a question belongs to; none for a sender Telegram does not name."""
    message, sender = update.effective_message, sender_key(update)
    return bot_services.conversations.thread_of(message, sender) if message and sender is not None else None


def _reader(update: Update, bot_services: BotServices) -> str:
    sender = sender_key(update)
    return bot_services.reader(sender if sender is not None else 0)


async def new_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/new: forget this conversation (in a group: the reader's own, and the thread it replies to)."""
    message = update.effective_message
    thread = _thread(update, services(context))
    if message is None or thread is None:
        return
    conversations = services(context).conversations
    found = await conversations.find(thread.lookups)
    await conversations.drop([found.key] if found else [thread.new_key], thread.links)
    await message.reply_html(reader_words(update).html(w.NEW_CONVERSATION))


def _reply_content(
    reply: Reply, bot_services: BotServices, record_id: str | None, words: Wording
) -> tuple[str, InlineKeyboardMarkup | None]:
    answer = reply.answer
    truncated_to = len(reply.question.text) if reply.question.truncated else None
    if answer is None:
        return replies.empty_question_html(words, bot_services.example()), None
    if answer.refusal is Refusal.NO_TERMS:
        return replies.no_terms_html(words, bot_services.example()), None
    reading = f"{words.html(w.READING_AS, question=escape(reply.reading))}\n" if reply.reading else ""
    if answer.refusal is Refusal.NOT_COVERED or record_id is None:
        documents = bot_services.engine.corpus.documents
        return reading + replies.not_covered_html(documents, words, bot_services.example(), truncated_to), None
    next_rank = 1 if len(answer.results) > 1 else None
    text = reading + replies.answer_html(answer.results[0], words, truncated_to)
    return text, answer_keyboard(record_id, next_rank, words)


def _log_question(update: Update, bot_services: BotServices, reply: Reply, started: float) -> str | None:
    """Record the question before replying, so a failed reply never loses it; returns the record id."""
    sender = sender_key(update)
    if reply.answer is None or sender is None:
        return None
    seconds = time.perf_counter() - started
    answered = reply.answer.answered
    best = reply.answer.results[0] if answered else None
    channel = _channel(update)
    bot_services.metrics.observe_question(channel, answered, seconds)
    return bot_services.query_log.submit(
        QueryRecord(
            id=bot_services.update_record_ids.get(update.update_id) or new_record_id(),
            channel=channel,
            reader=bot_services.reader(sender),
            chat_type=_chat_type(update),
            question=reply.question.text,
            answered=answered,
            passage_id=best.passage.passage_id if best else None,
            score=best.score if best else None,
            quote=best.quote if best else None,
            latency_ms=round(seconds * 1000),
            coverage=reply.answer.results[0].coverage if reply.answer.results else None,
            candidates=tuple(Candidate(r.passage.passage_id, r.score, r.coverage) for r in reply.answer.results),
        )
    )


@dataclass(frozen=True, slots=True)
class Notice:
    """What a button press is answered with: a short toast (or an alert), or nothing visible."""

    text: str | None = None
    alert: bool = False


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """More shows the next passage for the same question; 👍/👎 are stored with the logged question.

    Every press is answered exactly once, whatever fails: the error handler never answers one.
    """
    query = update.callback_query
    if query is None:
        return
    notice = Notice(reader_words(update).text(w.SOMETHING_WRONG))
    try:
        notice = await _press_notice(update, context, query)
    finally:
        await query.answer(notice.text, show_alert=notice.alert)


async def _press_notice(update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery) -> Notice:
    words = reader_words(update)
    press = parse_press(query.data)
    if press is None:
        return Notice(words.text(w.STALE_BUTTON))
    if press.kind == FEEDBACK:
        return await _vote(context, query, press, words)
    return await _show_more(update, context, query, press, words)


async def _vote(context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, press: ButtonPress, words: Wording) -> Notice:
    """Store the vote; only the asker's vote counts, and a vote on someone else's answer is told so.

    The log knows who asked; while the database is out of reach the vote is taken on trust (the log
    applies it only if it was the asker's).
    """
    bot_services = services(context)
    vote = Vote(press.value)
    stored = bot_services.query_log.set_feedback(press.record_id, bot_services.reader(query.from_user.id), vote)
    stored.add_done_callback(_log_feedback_failure)
    try:
        landed = await asyncio.wait_for(asyncio.shield(stored), timeout=VOTE_WAIT_SECONDS)
    except TimeoutError:
        landed = True
    if landed is False:
        return Notice(words.text(w.ONLY_THE_ASKER_VOTES))
    return Notice(words.text(w.THANKS_UP if vote is Vote.UP else w.THANKS_DOWN))


def _log_feedback_failure(stored: asyncio.Future[OpResult]) -> None:
    if not stored.cancelled() and stored.exception() is not None:
        logger.error("Could not store feedback", exc_info=stored.exception())


async def _show_more(
    update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, press: ButtonPress, words: Wording
) -> Notice:
    """The next passage for the question under this answer, never one this conversation has shown."""
    pressed = query.message if isinstance(query.message, Message) else None
    if query.message is None:
        return Notice(words.text(w.MORE_IN_CHATS_ONLY))
    bot_services = services(context)
    record_id, rank = press.record_id, press.rank
    conversations = bot_services.conversations
    located = await conversations.find(conversations.lookups_under(pressed)) if pressed else None
    turn = located.conversation.turn(record_id) if located else None
    question = None if turn else await _stored_question(bot_services, record_id)
    if turn is None and question is None:
        return Notice(words.text(w.FORGOTTEN_QUESTION), alert=True)
    if not await _within_rate_limit(update, context):
        return Notice()
    if located is not None and turn is not None:
        results = (await bot_services.off_loop(located.conversation.more, bot_services.engine, turn, 2)).results
    else:
        # Asked before this conversation began (or on another worker without a shared database): the logged
        # question asked again, the `rank` passages shown under it skipped.
        answer = (await bot_services.off_loop(ask, bot_services.engine, question or "", rank + 2)).answer
        results = answer.results[rank:] if answer else []
    if not results:
        return Notice(words.text(w.NO_OTHER_PASSAGE))
    chat_id = query.message.chat.id
    sent = await context.bot.send_message(
        chat_id=chat_id,
        text=replies.answer_html(results[0], words),
        reply_markup=answer_keyboard(record_id, rank + 1 if len(results) > 1 else None, words),
    )
    if located is not None:
        located.conversation.showed(results[0].passage.passage_id)
        conversations.save(located, [conversations.message_link(chat_id, sent.message_id)])
    return Notice()


async def _stored_question(bot_services: BotServices, record_id: str) -> str | None:
    """Another worker (or an earlier run) may have logged the question; its text is in the database."""
    try:
        return await asyncio.wait_for(bot_services.query_log.question_of(record_id), timeout=LOG_WAIT_SECONDS)
    except Exception as error:
        logger.warning("Could not look up question %s in the query log: %s", record_id, error)
        return None


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: delete every logged question of this reader and say how many."""
    message, sender = update.effective_message, sender_key(update)
    if message is None or sender is None:
        return
    bot_services = services(context)
    deleting = bot_services.query_log.forget(bot_services.reader(sender))
    await bot_services.conversations.forget_reader(bot_services.reader(sender))
    try:
        count = await asyncio.wait_for(asyncio.shield(deleting), timeout=LOG_WAIT_SECONDS)
    except TimeoutError:
        await message.reply_html(reader_words(update).html(w.FORGET_PENDING))
        return
    await message.reply_html(replies.forgotten_html(count, reader_words(update)))


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot <question> in any chat: quotes to pick from, five at a time as the reader scrolls.

    Only the first page is a new question for the log; later pages (Telegram's `offset`) are not.
    """
    query = update.inline_query
    if query is None:
        return
    words = reader_words(update)
    page = _inline_page(query.offset)
    if page is None:
        await query.answer([])
        return
    if not query.query.strip():
        await query.answer([], button=InlineQueryResultsButton(words.text(w.INLINE_EMPTY), start_parameter="inline"))
        return
    if not await _within_rate_limit(update, context):
        await query.answer(
            [],
            cache_time=5,
            button=InlineQueryResultsButton(words.text(w.INLINE_SLOW), start_parameter="slow"),
        )
        return
    bot_services = services(context)
    started = time.perf_counter()
    shown = INLINE_PAGE_SIZE * (page + 1)
    reply = await bot_services.off_loop(ask, bot_services.engine, query.query, shown + 1)
    if page == 0:
        _log_question(update, bot_services, reply, started)
    # Telegram does not say what an inline query follows: a question that leans on one is told it stands alone.
    alone = InlineQueryResultsButton(words.text(w.INLINE_NO_CONTEXT), start_parameter="followup")
    follows_up = (await bot_services.off_loop(follow_up_cues, query.query)).kind is not FollowUp.NEW_TOPIC
    if reply.answer is None or not reply.answer.answered:
        button = (
            alone if follows_up else InlineQueryResultsButton(words.text(w.INLINE_NOT_COVERED), start_parameter="help")
        )
        await query.answer([], button=button if page == 0 else None)
        return
    first = shown - INLINE_PAGE_SIZE
    results = [
        InlineQueryResultArticle(
            id=str(rank),
            title=replies.shorten(result.quote, 100),
            description=f"{replies.shorten(result.passage.title, 80)} — {words.date(result.passage.date)}",
            input_message_content=InputTextMessageContent(
                replies.answer_html(result, words), parse_mode=ParseMode.HTML
            ),
        )
        for rank, result in enumerate(reply.answer.results[first:shown], start=first)
    ]
    more = len(reply.answer.results) > shown and page + 1 < INLINE_PAGES
    await query.answer(results, next_offset=str(page + 1) if more else "", button=alone if follows_up else None)


def _inline_page(offset: str) -> int | None:
    """The page Telegram's `offset` asks for ("" is the first), or None for an offset we never gave."""
    if not offset:
        return 0
    if offset.isascii() and offset.isdigit() and int(offset) < INLINE_PAGES:
        return int(offset)
    return None


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (the token is redacted by the log formatter) and tell the reader, if there is one."""
    logger.error("Failed to handle an update", exc_info=context.error)
    if isinstance(context.error, TelegramError):
        services(context).metrics.observe_telegram_error(context.error)
    if not isinstance(update, Update) or update.callback_query or update.inline_query:
        return
    if update.effective_message and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, reader_words(update).html(w.SOMETHING_WRONG))
        except TelegramError as error:
            logger.warning("Could not tell the reader about the failure either: %s", error)


async def _within_rate_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    sender = sender_key(update)
    limit = services(context).rate_limit
    if sender is None or limit.allow(sender):
        return True
    if limit.should_warn(sender) and update.effective_message:
        await update.effective_message.reply_html(
            replies.rate_limited_html(limit.retry_after(sender), reader_words(update))
        )
    return False


def _channel(update: Update) -> Channel:
    if update.inline_query:
        return Channel.INLINE
    chat = update.effective_chat
    return Channel.PRIVATE if chat and chat.type == ChatType.PRIVATE else Channel.GROUP


def _chat_type(update: Update) -> str:
    if update.inline_query:
        return update.inline_query.chat_type or "unknown"
    return update.effective_chat.type if update.effective_chat else "unknown"


def _quote_in(message: Message) -> bool:
    """Reply to the question in groups, so it is clear whose question is answered."""
    return message.chat.type != ChatType.PRIVATE
