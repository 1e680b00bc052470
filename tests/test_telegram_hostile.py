"""Updates a careless or hostile sender can produce: forged buttons, presses on inline messages, moderator
commands in groups, anonymous admins and channels, captions, inline paging, slow questions."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import Application

from bot.querylog import QueryLog, new_record_id
from corpus import Corpus
from retrieval.engine import Answer, AnswerEngine
from tests.conftest import CARD_ANSWER, CARD_QUESTION
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import BOT_USERNAME, RecordedCall, TelegramEmulator

MODERATOR, READER, OTHER = 1001, 2002, 3003
GROUP, OTHER_GROUP = -1001110001111, -1002220002222
CHANNEL = -1003330003333
BROAD_QUESTION = "Putin NATO Macron Russia"
PRIVATE_ONLY = "Moderator commands work in a private chat with me."


@pytest.fixture
async def quotebot(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> AsyncIterator[Application]:
    settings = bot_settings(emulator, moderator_ids=frozenset({MODERATOR}))
    async with running_quotebot(emulator, engine, sqlite_log, settings) as application:
        yield application


def buttons(message: dict) -> dict[str, str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


def calls(emulator: TelegramEmulator, method: str) -> list[RecordedCall]:
    return [call for call in emulator.calls if call.method == method]


async def ask(emulator: TelegramEmulator, text: str, **where: object) -> dict:
    emulator.send_text(text, **where)
    return (await emulator.wait_for("sendMessage")).result


async def settle(emulator: TelegramEmulator) -> None:
    """Let the bot finish what it was sent: a round trip through a command another reader sends."""
    emulator.send_text("/sources", user_id=OTHER)
    await emulator.wait_for("sendMessage", lambda call: call.ok and call.result["chat"]["id"] == OTHER)


@pytest.mark.parametrize(
    "forge",
    [
        "m|{id}|²",
        "m|{id}|٣",
        "m|{id}|99999",
        "m|{id}|10",
        "m|{id}|0",
        "m|{id}|01",
        "f|{id}|sideways",
        "f|{id}|1",
        "m|{lower}|1",
        "m|{id}|1|1",
        "nonsense",
    ],
)
async def test_forged_button_data_is_refused_quietly_and_answered_once(
    emulator: TelegramEmulator, quotebot: Application, caplog: pytest.LogCaptureFixture, forge: str
) -> None:
    answer = await ask(emulator, BROAD_QUESTION)
    record_id = buttons(answer)["More"].split("|")[1]
    emulator.press_button(answer, forge.format(id=record_id, lower=record_id.lower()), forged=True)
    ack = await emulator.wait_for("answerCallbackQuery")
    await settle(emulator)
    assert ack.ok and ack.params["text"] == "This button is no longer valid."
    assert len(calls(emulator, "answerCallbackQuery")) == 1
    assert len(emulator.sent_messages(answer["chat"]["id"])) == 1
    assert "Failed to handle an update" not in caplog.text


async def test_more_never_goes_past_the_tenth_passage(emulator: TelegramEmulator, quotebot: Application) -> None:
    shown = await ask(emulator, BROAD_QUESTION)
    presses = 0
    while "More" in buttons(shown):
        emulator.press_button(shown, buttons(shown)["More"])
        shown = (await emulator.wait_for("sendMessage")).result
        assert (await emulator.wait_for("answerCallbackQuery")).ok
        presses += 1
    assert presses == 9
    assert "👍" in buttons(shown)


async def test_a_press_whose_handling_fails_is_still_answered_exactly_once(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    answer = await ask(emulator, CARD_QUESTION)
    emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    emulator.press_button(answer, buttons(answer)["More"])
    ack = await emulator.wait_for("answerCallbackQuery")
    await settle(emulator)
    assert [call.ok for call in calls(emulator, "answerCallbackQuery")] == [True]
    assert "something went wrong" in ack.params["text"]


async def test_more_pressed_on_an_inline_message_is_answered_once(
    emulator: TelegramEmulator, quotebot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.inline_query(CARD_QUESTION)
    offered = await emulator.wait_for("answerInlineQuery")
    inline_message = emulator.choose_inline_result(offered, "0")
    emulator.press_button(inline_message, f"m|{new_record_id()}|1", forged=True)
    ack = await emulator.wait_for("answerCallbackQuery")
    await settle(emulator)
    assert [call.ok for call in calls(emulator, "answerCallbackQuery")] == [True]
    assert "in a chat" in ack.params["text"]
    assert "Failed to handle an update" not in caplog.text


async def test_a_vote_on_another_readers_answer_says_only_the_askers_vote_counts(
    emulator: TelegramEmulator, quotebot: Application, sqlite_log: QueryLog
) -> None:
    answer = await ask(emulator, f"/ask {CARD_QUESTION}", user_id=READER, chat_id=GROUP, chat_type="supergroup")
    emulator.press_button(answer, buttons(answer)["👎"], user_id=OTHER)
    refused = await emulator.wait_for("answerCallbackQuery")
    emulator.press_button(answer, buttons(answer)["👎"], user_id=READER)
    counted = await emulator.wait_for("answerCallbackQuery")
    assert "Only the reader who asked" in refused.params["text"] and "Thanks" not in refused.params["text"]
    assert "Thanks" in counted.params["text"]
    await sqlite_log.flush()
    assert len(await sqlite_log.flagged()) == 1


@pytest.mark.parametrize("command", ["/recent", "/unanswered", "/flagged", "/stats", "/export", "/review"])
async def test_moderator_commands_in_a_group_show_nothing_there_and_answer_in_private(
    emulator: TelegramEmulator, quotebot: Application, sqlite_log: QueryLog, command: str
) -> None:
    await ask(emulator, CARD_QUESTION, user_id=READER)
    await ask(emulator, "/start", user_id=MODERATOR)
    await sqlite_log.flush()
    emulator.send_text(f"{command}@{BOT_USERNAME}", user_id=MODERATOR, chat_id=GROUP, chat_type="supergroup")
    in_private = await emulator.wait_for(
        "sendDocument" if command == "/export" else "sendMessage", lambda call: call.params["chat_id"] == MODERATOR
    )
    await ask(emulator, f"{command}@{BOT_USERNAME}", user_id=READER, chat_id=GROUP, chat_type="supergroup")
    await settle(emulator)
    assert [message["text"] for message in emulator.sent_messages(GROUP)] == [PRIVATE_ONLY, PRIVATE_ONLY]
    assert not [call for call in calls(emulator, "sendDocument") if call.params["chat_id"] == GROUP]
    assert in_private.ok


async def test_a_moderator_without_a_private_chat_only_gets_the_notice(
    emulator: TelegramEmulator, quotebot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    notice = await ask(emulator, f"/recent@{BOT_USERNAME}", user_id=MODERATOR, chat_id=GROUP, chat_type="supergroup")
    refused = await emulator.wait_for("sendMessage")
    await settle(emulator)
    assert notice["text"] == PRIVATE_ONLY and refused.status == 403
    assert [message["text"] for message in emulator.sent_messages(GROUP)] == [PRIVATE_ONLY]
    assert "Failed to handle an update" not in caplog.text


async def test_anonymous_admins_of_different_groups_are_different_readers(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> None:
    settings = bot_settings(emulator, rate_limit_per_minute=2)
    async with running_quotebot(emulator, engine, sqlite_log, settings):
        anonymous = {"anonymous_admin": True, "chat_type": "supergroup"}
        for _ in range(2):
            await ask(emulator, f"/ask {CARD_QUESTION}", chat_id=GROUP, **anonymous)
        slowed = await ask(emulator, f"/ask {CARD_QUESTION}", chat_id=GROUP, **anonymous)
        other_group = await ask(emulator, f"/ask {CARD_QUESTION}", chat_id=OTHER_GROUP, **anonymous)
        as_channel = await ask(
            emulator, f"/ask {CARD_QUESTION}", chat_id=OTHER_GROUP, chat_type="supergroup", as_channel=CHANNEL
        )
        forgotten = await ask(emulator, f"/forget@{BOT_USERNAME}", chat_id=OTHER_GROUP, **anonymous)
    assert "Please wait about" in slowed["text"]
    assert CARD_ANSWER in other_group["text"] and CARD_ANSWER in as_channel["text"]
    assert "deleted your 1 logged question" in forgotten["text"]
    await sqlite_log.flush()
    readers = sorted(row.reader for row in await sqlite_log.recent())
    assert readers == sorted([sqlite_log.pseudonyms.of(GROUP)] * 2 + [sqlite_log.pseudonyms.of(CHANNEL)])


@pytest.mark.parametrize("send", ["send_photo", "send_document"])
async def test_a_question_in_a_caption_is_answered(
    emulator: TelegramEmulator, quotebot: Application, send: str
) -> None:
    getattr(emulator, send)(caption=CARD_QUESTION)
    assert CARD_ANSWER in (await emulator.wait_for("sendMessage")).result["text"]
    emulator.send_photo(caption=f"@{BOT_USERNAME} {CARD_QUESTION}", chat_id=GROUP, chat_type="supergroup")
    assert CARD_ANSWER in (await emulator.wait_for("sendMessage")).result["text"]


async def test_inline_scrolling_returns_the_next_page_and_logs_nothing_new(
    emulator: TelegramEmulator, quotebot: Application, sqlite_log: QueryLog
) -> None:
    emulator.inline_query(BROAD_QUESTION)
    first = await emulator.wait_for("answerInlineQuery")
    emulator.inline_query(BROAD_QUESTION, offset=first.params["next_offset"])
    second = await emulator.wait_for("answerInlineQuery")
    emulator.inline_query(BROAD_QUESTION, offset="forged")
    forged = await emulator.wait_for("answerInlineQuery")
    assert [r["id"] for r in first.params["results"]] == ["0", "1", "2", "3", "4"]
    assert [r["id"] for r in second.params["results"]] == ["5", "6", "7", "8", "9"]
    assert second.params["next_offset"] == "2" and forged.params["results"] == []
    assert all(call.ok for call in (first, second, forged))
    await sqlite_log.flush()
    assert [row.question for row in await sqlite_log.recent()] == [BROAD_QUESTION]


async def test_an_update_python_telegram_bot_cannot_parse_is_skipped_and_never_logged(
    emulator: TelegramEmulator, quotebot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    bad = emulator.send_poll("Which secret poll?", older_server=True, first_name="Zoé Secretname")
    emulator.send_text(CARD_QUESTION)
    reply = await emulator.wait_for("sendMessage", timeout=10)
    metrics = quotebot.bot_data["quotebot"].metrics.exposition().decode()
    assert CARD_ANSWER in reply.result["text"]
    assert 'quotebot_updates_skipped_total{reason="unparseable"} 1.0' in metrics
    assert f"skipping update {bad['update_id']}" in caplog.text
    assert "Secretname" not in caplog.text and "secret poll" not in caplog.text
    assert [call.params.get("offset") for call in calls(emulator, "getUpdates")].count(bad["update_id"]) <= 1


class SlowEngine(AnswerEngine):
    """The real engine, except that one question takes as long as the test says (up to 5 s)."""

    def __init__(self, corpus: Corpus, slow_question: str) -> None:
        super().__init__(corpus)
        self.slow_question = slow_question
        self.release = threading.Event()

    def answer(self, question: str, top: int = 3, **context: Any) -> Answer:
        if question == self.slow_question:
            self.release.wait(timeout=5)
        return super().answer(question, top, **context)


async def test_a_slow_question_does_not_hold_up_other_chats(
    emulator: TelegramEmulator, seed_corpus: Corpus, sqlite_log: QueryLog
) -> None:
    slow = SlowEngine(seed_corpus, CARD_QUESTION)
    async with running_quotebot(emulator, slow, sqlite_log):
        emulator.send_text(CARD_QUESTION, user_id=READER)
        emulator.send_text("Which region did Russia annex?", user_id=OTHER)
        first = await emulator.wait_for("sendMessage", timeout=10)
        slow.release.set()
        second = await emulator.wait_for("sendMessage", timeout=10)
    assert first.params["chat_id"] == OTHER and "Crimea" in first.result["text"]
    assert second.params["chat_id"] == READER and CARD_ANSWER in second.result["text"]
