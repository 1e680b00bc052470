"""A reader's conversation with the real Application, end to end over HTTP through the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.querylog import QueryLog
from retrieval.engine import AnswerEngine
from tests.conftest import CARD_ANSWER, CARD_QUESTION, SEED_TITLE
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import BOT_USERNAME, TelegramEmulator

GROUP = -100200300


@pytest.fixture
async def quotebot(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> AsyncIterator[Application]:
    async with running_quotebot(emulator, engine, sqlite_log) as application:
        yield application


def buttons(call) -> dict[str, str]:
    """Button text → callback data of the keyboard under a sent message."""
    keyboard = call.result.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


async def test_start_registers_the_command_menu(emulator: TelegramEmulator, quotebot: Application) -> None:
    menus = {c.params.get("language_code"): c.params["commands"] for c in emulator.calls if c.method == "setMyCommands"}
    assert [c["command"] for c in menus[None]] == ["ask", "sources", "help", "start", "new", "forget"]
    assert menus[None][0]["description"] == "Ask a question about the sources"
    assert set(menus) == {None, "fr", "de", "es", "ru", "uk"}


async def test_start_help_and_sources_describe_the_bot(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("/start", first_name="Ann <admin>")
    welcome = (await emulator.wait_for("sendMessage")).result["text"]
    assert "Hello, Ann <admin>!" in welcome
    assert "(3 December 2022)" in welcome and CARD_QUESTION in welcome

    emulator.send_text("/help")
    help_text = (await emulator.wait_for("sendMessage")).result["text"]
    assert f"@{BOT_USERNAME} your question" in help_text and "/ask" in help_text

    emulator.send_text("/sources")
    assert SEED_TITLE in (await emulator.wait_for("sendMessage")).result["text"]


async def test_private_question_gets_the_quote_date_source_and_buttons(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text(CARD_QUESTION)
    call = await emulator.wait_for("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert "<blockquote>" in call.params["text"]
    text = call.result["text"]
    assert CARD_ANSWER in text and f"— {SEED_TITLE}, 3 December 2022" in text
    assert "000_f1d616dfc469d761" not in text
    assert set(buttons(call)) == {"More", "👍", "👎"}
    assert all(len(data.encode()) <= 64 for data in buttons(call).values())


async def test_off_topic_question_is_refused_with_a_hint(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("What is the capital of Australia?")
    call = await emulator.wait_for("sendMessage")
    text = call.result["text"]
    assert "The sources don't cover that" in text
    assert f"{SEED_TITLE} (3 December 2022)" in text
    assert "<blockquote>" not in call.params["text"] and not buttons(call)


async def test_more_shows_the_next_passage_and_every_press_is_answered(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text(CARD_QUESTION)
    first = await emulator.wait_for("sendMessage")
    emulator.press_button(first.result, buttons(first)["More"])
    assert (await emulator.wait_for("answerCallbackQuery")).ok
    second = await emulator.wait_for("sendMessage")
    assert CARD_ANSWER not in second.result["text"]
    assert "<blockquote>" in second.params["text"]


async def test_feedback_buttons_are_acknowledged(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text(CARD_QUESTION)
    answer = await emulator.wait_for("sendMessage")
    emulator.press_button(answer.result, buttons(answer)["👎"])
    ack = await emulator.wait_for("answerCallbackQuery")
    assert ack.ok and "Thanks" in ack.params["text"]


async def test_group_messages_not_addressed_to_the_bot_are_ignored(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text(CARD_QUESTION, chat_id=GROUP, chat_type="supergroup")
    emulator.send_text("/sources", chat_id=GROUP, chat_type="group")
    await emulator.wait_for("sendMessage")
    await asyncio.sleep(0.3)
    assert len(emulator.sent_messages(GROUP)) == 1


@pytest.mark.parametrize(
    "text", [f"/ask {CARD_QUESTION}", f"/ask@{BOT_USERNAME} {CARD_QUESTION}", f"@{BOT_USERNAME} {CARD_QUESTION}"]
)
async def test_group_question_by_command_or_mention_is_answered_as_a_reply(
    emulator: TelegramEmulator, quotebot: Application, text: str
) -> None:
    asked = emulator.send_text(text, chat_id=GROUP, chat_type="supergroup")
    call = await emulator.wait_for("sendMessage")
    assert CARD_ANSWER in call.result["text"]
    assert call.result["reply_to_message"]["message_id"] == asked["message"]["message_id"]


async def test_reply_to_the_bot_in_a_group_is_a_question(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("/sources", chat_id=GROUP, chat_type="group")
    listing = await emulator.wait_for("sendMessage")
    emulator.send_text(
        CARD_QUESTION, chat_id=GROUP, chat_type="group", reply_to_message_id=listing.result["message_id"]
    )
    assert CARD_ANSWER in (await emulator.wait_for("sendMessage")).result["text"]


async def test_ask_without_a_question_explains_the_usage(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text(f"/ask@{BOT_USERNAME}", chat_id=GROUP, chat_type="group")
    assert "Put your question after the command" in (await emulator.wait_for("sendMessage")).result["text"]


async def test_inline_query_offers_up_to_five_quotes(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.inline_query("Putin NATO Macron Russia")
    call = await emulator.wait_for("answerInlineQuery")
    assert call.ok and 1 <= len(call.params["results"]) <= 5
    emulator.inline_query(CARD_QUESTION)
    results = (await emulator.wait_for("answerInlineQuery")).params["results"]
    assert CARD_ANSWER in results[0]["input_message_content"]["message_text"]


async def test_inline_query_off_topic_offers_no_quote(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.inline_query("capital of Australia")
    call = await emulator.wait_for("answerInlineQuery")
    assert call.params["results"] == [] and "don't cover" in call.params["button"]["text"]


@pytest.mark.parametrize("send", ["send_sticker", "send_photo", "send_voice", "send_document"])
async def test_non_text_messages_get_a_hint(emulator: TelegramEmulator, quotebot: Application, send: str) -> None:
    getattr(emulator, send)()
    assert "I can only read text questions" in (await emulator.wait_for("sendMessage")).result["text"]


async def test_whitespace_only_text_gets_a_hint(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("\u200b \u2060")
    assert "Please ask a question in words" in (await emulator.wait_for("sendMessage")).result["text"]


async def test_question_without_content_words_gets_a_hint(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("what is it?")
    assert "no words to search for" in (await emulator.wait_for("sendMessage")).result["text"]


async def test_markup_characters_in_a_question_are_escaped(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("<b>Putin</b> & demands <script>")
    call = await emulator.wait_for("sendMessage")
    assert call.ok and call.status == 200


async def test_very_long_question_is_cut_with_a_note(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text(CARD_QUESTION + " nato" * 1000)
    call = await emulator.wait_for("sendMessage")
    assert call.ok
    assert "only its first 497 characters were used" in call.result["text"] and CARD_ANSWER in call.result["text"]


async def test_edited_question_is_answered_again(emulator: TelegramEmulator, quotebot: Application) -> None:
    asked = emulator.send_text("What is the capital of Australia?")
    await emulator.wait_for("sendMessage")
    emulator.edit_text(asked["message"], CARD_QUESTION)
    assert CARD_ANSWER in (await emulator.wait_for("sendMessage")).result["text"]


async def test_unknown_command_in_private_points_to_help(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.send_text("/frobnicate")
    assert "/help" in (await emulator.wait_for("sendMessage")).result["text"]


async def test_429_delays_the_reply_instead_of_losing_it(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.fail_next("sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1)
    emulator.send_text(CARD_QUESTION)
    refused = await emulator.wait_for("sendMessage")
    assert refused.status == 429
    retried = await emulator.wait_for("sendMessage", timeout=10)
    assert retried.ok and CARD_ANSWER in retried.result["text"]


async def test_a_5xx_or_a_dropped_connection_on_send_message_is_retried(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.fail_next("sendMessage", status=502, description="Bad Gateway")
    emulator.fail_next("sendMessage", status=500, description="Internal Server Error")
    emulator.drop_next("sendMessage")
    emulator.send_text(CARD_QUESTION)
    failed = [await emulator.wait_for("sendMessage") for _ in range(3)]
    reply = await emulator.wait_for("sendMessage", timeout=15)
    assert [call.status for call in failed] == [502, 500, None]
    assert reply.ok and CARD_ANSWER in reply.result["text"]
    emulator.send_text("/sources")
    await emulator.wait_for("sendMessage")
    assert len(emulator.sent_messages()) == 2


async def test_polling_recovers_after_a_502_on_get_updates(emulator: TelegramEmulator, quotebot: Application) -> None:
    emulator.fail_next("getUpdates", status=502, description="Bad Gateway", times=2)
    emulator.drop_next("getUpdates")
    emulator.send_text(CARD_QUESTION)
    await emulator.wait_for("sendMessage")
    emulator.send_text("Which region did Russia annex?")
    reply = await emulator.wait_for("sendMessage", timeout=30)
    assert "Crimea" in reply.result["text"]
    statuses = [c.status for c in emulator.calls if c.method == "getUpdates"]
    assert statuses.count(502) == 2 and None in statuses


async def test_readers_beyond_the_rate_limit_are_told_politely_once(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> None:
    async with running_quotebot(emulator, engine, sqlite_log, bot_settings(emulator, rate_limit_per_minute=3)):
        for _ in range(6):
            emulator.send_text(CARD_QUESTION)
        emulator.send_text(CARD_QUESTION, user_id=777)
        replies = [(await emulator.wait_for("sendMessage")).result for _ in range(5)]
        await asyncio.sleep(0.3)
    texts = [r["text"] for r in replies if r["chat"]["id"] != 777]
    assert sum(CARD_ANSWER in t for t in texts) == 3
    assert sum("Please wait about" in t for t in texts) == 1
    assert len(emulator.sent_messages()) == 5


async def test_a_failing_reply_is_logged_and_the_reader_is_told(
    emulator: TelegramEmulator, quotebot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    emulator.send_text(CARD_QUESTION)
    await emulator.wait_for("sendMessage")
    apology = await emulator.wait_for("sendMessage")
    assert "something went wrong" in apology.result["text"]
    assert "Failed to handle an update" in caplog.text


async def test_relative_dates_in_the_quote_are_resolved_against_the_article_date(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    emulator.send_text("Is Putin open to talks?")
    call = await emulator.wait_for("sendMessage")
    assert "said on Friday (2 December 2022) that he is open to talks" in call.result["text"]
    assert "on Friday <i>(2 December 2022)</i>" in call.params["text"]
