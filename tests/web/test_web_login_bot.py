"""The bot's /web command hands a moderator, in a private chat, a link that logs them in to the inbox."""

from __future__ import annotations

import html
import re

from bot.querylog import QueryLog
from retrieval.engine import AnswerEngine
from tests.querylog_helpers import PSEUDONYMS
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import TelegramEmulator
from tests.web.conftest import BASE_URL, MODERATOR, READER, Inbox

_LINK = re.compile(r'<a href="([^"]+)">')


async def test_web_sends_a_moderator_a_one_time_link_in_private_only(
    emulator: TelegramEmulator, log: QueryLog, engine: AnswerEngine, inbox: Inbox
) -> None:
    settings = bot_settings(emulator, moderator_ids=frozenset({MODERATOR}), web_url=BASE_URL)
    async with running_quotebot(emulator, engine, log, settings):
        emulator.send_text("/web", user_id=READER)
        assert "only for the bot's moderators" in (await emulator.wait_for("sendMessage")).result["text"]
        emulator.send_text("/web", user_id=MODERATOR, chat_id=-100777, chat_type="supergroup")
        group_reply = (await emulator.wait_for("sendMessage")).params["text"]
        assert "private chat" in group_reply and "token" not in group_reply

        emulator.send_text("/web", user_id=MODERATOR)
        reply = await emulator.wait_for("sendMessage")
    assert "works once, for the next 10 minutes" in reply.params["text"]
    [link] = [html.unescape(url) for url in _LINK.findall(reply.params["text"])]
    assert link.startswith(f"{BASE_URL}/login?token=")
    assert reply.params.get("link_preview_options", {}).get("is_disabled") is True

    assert (await inbox.client.get(link)).status_code == 200
    assert (await inbox.client.get("/")).status_code == 200
    inbox.client.cookies.clear()
    assert (await inbox.client.get(link)).status_code == 403


async def test_a_review_in_telegram_shows_its_moderator_on_the_question_page(
    emulator: TelegramEmulator, log: QueryLog, engine: AnswerEngine, inbox: Inbox
) -> None:
    settings = bot_settings(emulator, moderator_ids=frozenset({MODERATOR}))
    async with running_quotebot(emulator, engine, log, settings):
        emulator.send_text("Which region did Russia annex?", user_id=READER)
        await emulator.wait_for("sendMessage")
        await log.flush()
        [record] = await log.recent()
        emulator.send_text(f"/review {record.id} flag wrong region", user_id=MODERATOR)
        await emulator.wait_for("sendMessage")
    await inbox.login()
    page = (await inbox.client.get(f"/q/{record.id}")).text
    assert "<strong>flagged</strong>" in page and "wrong region" in page
    assert f"by {PSEUDONYMS.of(MODERATOR)[:8]}" in page
