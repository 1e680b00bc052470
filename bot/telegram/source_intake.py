"""Moderators add sources from Telegram (a file sent in a private chat, or /add URL) and reload the corpus.

The checks and the answer are those of `quotebot add`: the same types, size cap, duplicate refusal and
summary of what was read. The new file is then read into the running engine at once, without waiting
for the folder watcher, so the moderator's next question already finds it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.answers.added import added_summary
from bot.telegram import handlers
from bot.telegram.addressing import command_argument
from bot.telegram.moderation import ModeratorRequest, moderators_only, moderators_only_in_private
from bot.telegram.services import services
from corpus.fetch import MAX_SOURCE_BYTES, FetchError, fetch
from corpus.intake import Added, AddRefused, add_source

logger = logging.getLogger(__name__)
ADD_USAGE = "Send me a file (HTML, Markdown, PDF, text or a feed), or <code>/add https://…</code> with a page's URL."
NO_RELOAD = "This bot was started without a corpus folder it can reload."


@moderators_only
async def reload_command(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload: read the corpus folder again now and say what changed."""
    reloader = services(context).reloader
    if reloader is None:
        await request.reply_html(NO_RELOAD)
        return
    outcome = await asyncio.to_thread(reloader.reload_now)
    await request.reply_html(escape(outcome.summary()))


@moderators_only_in_private
async def add_command(request: ModeratorRequest, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add URL: fetch a page into the corpus folder (private chat only)."""
    url = command_argument(request.message)
    if not url:
        await request.reply_html(ADD_USAGE)
        return
    try:
        fetched = await asyncio.to_thread(fetch, url)
    except FetchError as error:
        await request.reply_html(f"Not added: {escape(str(error))}")
        return
    await _add(request.reply_html, context, fetched.name, fetched.raw, fetched.url)


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file in a private chat: a moderator's becomes a source; anyone else's caption is a question, or
    they get the usual hint."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    bot_services = services(context)
    if message.document is None or user is None or user.id not in bot_services.moderator_ids:
        await (handlers.private_text if message.caption else handlers.not_text)(update, context)
        return
    name = message.document.file_name or "upload"
    if (message.document.file_size or 0) > MAX_SOURCE_BYTES:
        await message.reply_html(f"Not added: {escape(name)} is larger than {MAX_SOURCE_BYTES:,} bytes")
        return
    try:
        telegram_file = await message.document.get_file()
        raw = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as error:
        logger.warning("could not download a moderator's file from Telegram: %s", error)
        await message.reply_html("Not added: Telegram would not give me the file. Please try again.")
        return
    await _add(message.reply_html, context, name, raw, None)


async def _add(
    reply_html: Callable[[str], Awaitable[Any]],
    context: ContextTypes.DEFAULT_TYPE,
    name: str,
    raw: bytes,
    url: str | None,
) -> None:
    bot_services = services(context)
    try:
        added: Added = await asyncio.to_thread(add_source, bot_services.engine.corpus, name, raw, url)
    except (AddRefused, OSError) as error:
        await reply_html(f"Not added: {escape(str(error))}")
        return
    if bot_services.reloader is not None:
        await asyncio.to_thread(bot_services.reloader.reload_now)
    await reply_html(f"<pre>{escape(added_summary(added))}</pre>")
