"""Follow-up questions on Telegram: private chats, group reply threads, the same reader's next message, inline (no
context), /new, More never repeating a passage, and webhook workers sharing conversations through the database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.answers.conversation import IDLE_SECONDS
from bot.querylog import QueryLog
from bot.telegram import conversations
from bot.telegram.conversations import ConversationStore, Lookup, Thread
from retrieval.engine import AnswerEngine
from tests.conftest import CARD_ANSWER, CARD_QUESTION
from tests.querylog_helpers import FAST, PSEUDONYMS, Backend, settings_for
from tests.telegram_bot import running_quotebot
from tests.telegram_emulator import BOT_USERNAME, TelegramEmulator
from tests.test_operations import webhook_on_free_port
from tests.test_telegram_bot import buttons

GROUP = -100900800
ALICE, BOB = 1001, 1002
FOLLOW_UP = "When did he say that?"
READ_AS = "(reading this as: When did Putin say that — three demands?)"
NO_CONTEXT = "Inline answers don't know your earlier questions: ask in full"


@pytest.fixture
async def quotebot(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> AsyncIterator[Application]:
    async with running_quotebot(emulator, engine, sqlite_log) as application:
        yield application


async def said(emulator: TelegramEmulator, text: str, **where: object) -> dict:
    """Send a message and return the bot's reply to it."""
    emulator.send_text(text, **where)  # type: ignore[arg-type]
    return (await emulator.wait_for("sendMessage")).result


async def test_a_private_follow_up_is_read_with_the_question_before_it(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    assert CARD_ANSWER in (await said(emulator, CARD_QUESTION))["text"]
    reply = await said(emulator, FOLLOW_UP)
    assert reply["text"].startswith(READ_AS)
    assert "February 8" in reply["text"]


async def test_a_reply_to_the_bot_s_answer_in_a_group_continues_that_answer_s_conversation(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    answer = await said(emulator, f"/ask {CARD_QUESTION}", user_id=ALICE, chat_id=GROUP, chat_type="supergroup")
    reply = await said(
        emulator,
        FOLLOW_UP,
        user_id=BOB,
        chat_id=GROUP,
        chat_type="supergroup",
        reply_to_message_id=answer["message_id"],
    )
    assert reply["text"].startswith(READ_AS) and "February 8" in reply["text"]


async def test_a_reply_to_the_question_the_bot_answered_continues_its_conversation(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    asked = emulator.send_text(f"/ask {CARD_QUESTION}", user_id=ALICE, chat_id=GROUP, chat_type="supergroup")
    await emulator.wait_for("sendMessage")
    reply = await said(
        emulator,
        f"@{BOT_USERNAME} {FOLLOW_UP}",
        user_id=BOB,
        chat_id=GROUP,
        chat_type="supergroup",
        reply_to_message_id=asked["message"]["message_id"],
    )
    assert reply["text"].startswith(READ_AS) and "February 8" in reply["text"]


async def test_the_same_reader_s_next_message_in_a_group_continues_but_another_reader_s_does_not(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    await said(emulator, f"@{BOT_USERNAME} {CARD_QUESTION}", user_id=ALICE, chat_id=GROUP, chat_type="supergroup")
    from_bob = await said(emulator, f"@{BOT_USERNAME} {FOLLOW_UP}", user_id=BOB, chat_id=GROUP, chat_type="group")
    assert "reading this as" not in from_bob["text"] and "February 8" not in from_bob["text"]
    from_alice = await said(
        emulator, f"@{BOT_USERNAME} {FOLLOW_UP}", user_id=ALICE, chat_id=GROUP, chat_type="supergroup"
    )
    assert from_alice["text"].startswith(READ_AS)


async def test_a_reader_s_message_minutes_later_in_a_group_starts_afresh(
    emulator: TelegramEmulator, quotebot: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversations, "READER_WINDOW", 0.2)
    where = {"user_id": ALICE, "chat_id": GROUP, "chat_type": "supergroup"}
    await said(emulator, f"@{BOT_USERNAME} {CARD_QUESTION}", **where)
    await asyncio.sleep(0.3)
    later = await said(emulator, f"@{BOT_USERNAME} {FOLLOW_UP}", **where)
    assert "reading this as" not in later["text"]


async def test_inline_queries_have_no_context_and_a_follow_up_is_told_so(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    await said(emulator, CARD_QUESTION)
    emulator.inline_query("when was that?")
    refused = (await emulator.wait_for("answerInlineQuery")).params
    emulator.inline_query("Which one is about missiles?")
    answered = (await emulator.wait_for("answerInlineQuery")).params
    emulator.inline_query(CARD_QUESTION)
    standalone = (await emulator.wait_for("answerInlineQuery")).params
    assert refused["results"] == [] and refused["button"]["text"] == NO_CONTEXT
    assert answered["results"] and answered["button"]["text"] == NO_CONTEXT
    assert standalone["results"] and "button" not in standalone
    emulator.send_text("/help")
    assert "Inline answers do not remember earlier questions" in (await emulator.wait_for("sendMessage")).result["text"]


async def test_new_forgets_the_conversation(emulator: TelegramEmulator, quotebot: Application) -> None:
    await said(emulator, CARD_QUESTION)
    assert "Starting afresh" in (await said(emulator, "/new"))["text"]
    reply = await said(emulator, "and when was that?")
    assert "reading this as" not in reply["text"] and "no words to search for" in reply["text"]


async def test_a_conversation_idle_for_half_an_hour_is_forgotten(
    emulator: TelegramEmulator, quotebot: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    await said(emulator, CARD_QUESTION)
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + IDLE_SECONDS + 60)
    reply = await said(emulator, FOLLOW_UP)
    assert "reading this as" not in reply["text"] and "February 8" not in reply["text"]


async def test_more_and_what_else_never_repeat_a_passage_in_the_conversation(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text(CARD_QUESTION)
    shown = [await emulator.wait_for("sendMessage")]
    for _ in range(2):
        emulator.press_button(shown[-1].result, buttons(shown[-1])["More"])
        shown.append(await emulator.wait_for("sendMessage"))
    emulator.send_text("What else?")
    shown.append(await emulator.wait_for("sendMessage"))
    quotes = [call.result["text"].split("\n—")[0].removeprefix(READ_AS) for call in shown]
    assert "<blockquote>" in shown[-1].params["text"]
    assert len(set(quotes)) == len(quotes) == 4


async def test_webhook_workers_share_conversations_through_the_database(
    emulator: TelegramEmulator, engine: AnswerEngine, backend: Backend, tmp_path: Path
) -> None:
    first_log = await QueryLog.start(settings_for(backend.url, tmp_path / "first"), FAST)
    second_log = await QueryLog.start(settings_for(backend.url, tmp_path / "second"), FAST)
    try:
        async with running_quotebot(emulator, engine, first_log, webhook=webhook_on_free_port()):
            answer = await said(emulator, CARD_QUESTION)
            emulator.press_button(answer, buttons_of(answer)["More"])
            first_more = (await emulator.wait_for("sendMessage")).result["text"]
            await asyncio.sleep(0.3)
            async with running_quotebot(emulator, engine, second_log, webhook=webhook_on_free_port()):
                reply = await said(emulator, FOLLOW_UP)
                emulator.press_button(answer, buttons_of(answer)["More"])
                second_more = (await emulator.wait_for("sendMessage")).result["text"]
        assert reply["text"].startswith(READ_AS)
        assert CARD_ANSWER not in second_more and second_more != first_more
        assert len({delivery.url for delivery in emulator.webhook_deliveries}) == 2
    finally:
        await second_log.close()
        await first_log.close()


@contextmanager
def holding_the_write_lock(database: Path) -> Iterator[None]:
    """Another process's long write to the SQLite log (a moderator's tool, another worker's log batch)."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def test_a_follow_up_keeps_its_context_from_sqlite_while_another_process_writes(
    emulator: TelegramEmulator, engine: AnswerEngine, tmp_path: Path
) -> None:
    database = tmp_path / "db" / "log.sqlite3"
    url = f"sqlite:///{database}"
    first_log = await QueryLog.start(settings_for(url, tmp_path / "first"), FAST)
    second_log = await QueryLog.start(settings_for(url, tmp_path / "second"), FAST)
    try:
        async with running_quotebot(emulator, engine, first_log, webhook=webhook_on_free_port()):
            await said(emulator, CARD_QUESTION)
        async with running_quotebot(emulator, engine, second_log, webhook=webhook_on_free_port()):
            with holding_the_write_lock(database):
                reply = await said(emulator, FOLLOW_UP)
        assert reply["text"].startswith(READ_AS) and "February 8" in reply["text"]
    finally:
        await second_log.close()
        await first_log.close()


def buttons_of(message: dict) -> dict[str, str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


async def test_a_conversation_expires_by_itself() -> None:
    store = ConversationStore(PSEUDONYMS, None, idle=0.05)
    key = store.name("private", ALICE)
    found = await store.locate(Thread((Lookup(key, 60),), key, ()), PSEUDONYMS.of(ALICE))
    store.save(found)
    assert await store.find([Lookup(key, 60)]) is found
    await asyncio.sleep(0.1)
    assert await store.find([Lookup(key, 60)]) is None
