"""The query log seen through Telegram, on SQLite and PostgreSQL: readers' questions recorded, feedback,
moderators' commands (and their refusal for everyone else), /forget, and a database outage."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.querylog import Channel, QueryLog, ReviewStatus, Vote
from retrieval.engine import AnswerEngine
from tests.conftest import CARD_ANSWER, CARD_QUESTION
from tests.querylog_helpers import FAST, SECRET, Backend, TcpProxy, pg_url, settings_for
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import BOT_USERNAME, TelegramEmulator

MODERATOR, READER, OTHER = 1001, 2002, 3003
GROUP = -100555
OFF_TOPIC = "What is the capital of Australia?"


@pytest.fixture
async def quotebot(emulator: TelegramEmulator, engine: AnswerEngine, log: QueryLog) -> AsyncIterator[Application]:
    settings = bot_settings(emulator, moderator_ids=frozenset({MODERATOR}))
    async with running_quotebot(emulator, engine, log, settings) as application:
        yield application


async def ask(emulator: TelegramEmulator, text: str, **where: object) -> dict:
    emulator.send_text(text, **where)
    return (await emulator.wait_for("sendMessage")).result


def buttons(message: dict) -> dict[str, str]:
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in keyboard for button in row}


async def test_every_question_is_recorded_with_channel_and_answered_flag(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    await ask(emulator, CARD_QUESTION, user_id=READER, first_name="Alice", username="alice_reads")
    await ask(emulator, OFF_TOPIC, user_id=READER)
    await ask(emulator, f"/ask@{BOT_USERNAME} {CARD_QUESTION}", user_id=OTHER, chat_id=GROUP, chat_type="supergroup")
    emulator.inline_query("Which region did Russia annex?", user_id=OTHER)
    await emulator.wait_for("answerInlineQuery")
    await log.flush()

    rows = sorted(await log.recent(limit=10), key=lambda row: row.id)
    assert [(r.channel, r.chat_type, r.question, r.answered) for r in rows] == [
        (Channel.PRIVATE, "private", CARD_QUESTION, True),
        (Channel.PRIVATE, "private", OFF_TOPIC, False),
        (Channel.GROUP, "supergroup", CARD_QUESTION, True),
        (Channel.INLINE, "sender", "Which region did Russia annex?", True),
    ]
    first = rows[0]
    assert CARD_ANSWER in first.quote and first.passage_id == "000_f1d616dfc469d761#p9"
    assert first.score > 0 and first.latency_ms is not None
    assert rows[1].quote is None and rows[1].passage_id is None
    assert first.reader == log.pseudonyms.of(READER) != rows[2].reader
    stored = " ".join(str(value) for row in rows for value in vars_of(row))
    assert str(READER) not in stored and "Alice" not in stored and "alice_reads" not in stored


def vars_of(row: object) -> list[object]:
    return [getattr(row, name) for name in row.__slots__]


async def test_feedback_buttons_update_the_record(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    answer = await ask(emulator, CARD_QUESTION, user_id=READER)
    emulator.press_button(answer, buttons(answer)["👎"], user_id=READER)
    await emulator.wait_for("answerCallbackQuery")
    await log.flush()
    [row] = await log.flagged()
    assert row.feedback is Vote.DOWN and row.question == CARD_QUESTION


async def test_only_the_asker_can_vote_on_an_answer(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    answer = await ask(emulator, f"/ask {CARD_QUESTION}", user_id=READER, chat_id=GROUP, chat_type="group")
    emulator.press_button(answer, buttons(answer)["👎"], user_id=OTHER)
    await emulator.wait_for("answerCallbackQuery")
    await log.flush()
    assert await log.flagged() == []


async def test_moderator_commands_are_refused_to_readers_without_log_content(
    emulator: TelegramEmulator, quotebot: Application
) -> None:
    await ask(emulator, CARD_QUESTION, user_id=READER)
    for command in ("/recent", "/unanswered", "/flagged", "/stats", "/export", "/review 01ARZ3NDEKTSV4RRFFQ69G5FAV ok"):
        text = (await ask(emulator, command, user_id=READER))["text"]
        assert "only for the bot's moderators" in text and CARD_QUESTION not in text
    assert not [call for call in emulator.calls if call.method == "sendDocument"]


async def test_moderator_reviews_recent_unanswered_and_flagged_questions(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    answer = await ask(emulator, CARD_QUESTION, user_id=READER)
    await ask(emulator, "<b>Why</b> & the weather?", user_id=READER)
    emulator.press_button(answer, buttons(answer)["👎"], user_id=READER)
    await emulator.wait_for("answerCallbackQuery")
    await log.flush()

    recent = await ask(emulator, "/recent 5", user_id=MODERATOR)
    assert CARD_QUESTION in recent["text"] and "<b>Why</b> & the weather?" in recent["text"]
    unanswered = (await ask(emulator, "/unanswered", user_id=MODERATOR))["text"]
    assert "the weather" in unanswered and CARD_QUESTION not in unanswered
    flagged = (await ask(emulator, "/flagged", user_id=MODERATOR))["text"]
    assert CARD_QUESTION in flagged and "👎" in flagged

    [disliked] = await log.flagged()
    reviewed = await ask(emulator, f"/review {disliked.id} ok quote is right", user_id=MODERATOR)
    assert f"Marked {disliked.id} as ok" in reviewed["text"]
    [row] = [r for r in await log.recent() if r.id == disliked.id]
    assert (row.review_status, row.review_note) == (ReviewStatus.OK, "quote is right")
    assert "none" in (await ask(emulator, "/flagged", user_id=MODERATOR))["text"]
    assert "Usage" in (await ask(emulator, "/review nonsense", user_id=MODERATOR))["text"]
    assert "No such record: nosuchid" in (await ask(emulator, "/review nosuchid ok", user_id=MODERATOR))["text"]
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert f"No such record: {missing}" in (await ask(emulator, f"/review {missing} flag", user_id=MODERATOR))["text"]


async def test_stats_and_csv_export_for_moderators(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    await ask(emulator, CARD_QUESTION, user_id=READER)
    await ask(emulator, CARD_QUESTION.lower(), user_id=OTHER)
    await ask(emulator, "=1+1 capital of Australia", user_id=OTHER)
    await log.flush()

    stats = (await ask(emulator, "/stats", user_id=MODERATOR))["text"]
    assert "Today (UTC): 3 questions, 67% answered" in stats
    assert f"2 × {CARD_QUESTION.lower().rstrip('?')}" in stats

    emulator.send_text("/export", user_id=MODERATOR)
    document = (await emulator.wait_for("sendDocument")).params["document"]
    assert document.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8"))))
    assert len(rows) == 3
    assert {"id", "time", "channel", "reader", "question", "answered", "score", "passage_id", "quote"} <= set(rows[0])
    assert "'=1+1 capital of Australia" in [row["question"] for row in rows]


async def test_long_listings_are_split_into_messages_within_telegrams_limit(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    for n in range(15):
        await ask(emulator, f"question {n} about " + "Macron and NATO " * 25, user_id=READER)
    await log.flush()
    emulator.send_text("/recent 50", user_id=MODERATOR)
    pages = [await emulator.wait_for("sendMessage") for _ in range(2)]
    assert all(page.ok for page in pages)
    assert "question 14 about" in pages[0].result["text"] and "question 0 about" in pages[-1].result["text"]


async def test_forget_deletes_the_readers_questions_and_says_how_many(
    emulator: TelegramEmulator, quotebot: Application, log: QueryLog
) -> None:
    await ask(emulator, CARD_QUESTION, user_id=READER)
    await ask(emulator, OFF_TOPIC, user_id=READER)
    await ask(emulator, CARD_QUESTION, user_id=OTHER)
    assert "deleted your 2 logged questions" in (await ask(emulator, "/forget", user_id=READER))["text"]
    await log.flush()
    assert [row.reader for row in await log.recent()] == [log.pseudonyms.of(OTHER)]
    assert "no logged questions" in (await ask(emulator, "/forget", user_id=READER))["text"]


async def test_more_after_a_restart_finds_the_question_in_the_database(
    emulator: TelegramEmulator, engine: AnswerEngine, log: QueryLog
) -> None:
    async with running_quotebot(emulator, engine, log):
        answer = await ask(emulator, CARD_QUESTION, user_id=READER)
    await log.flush()
    async with running_quotebot(emulator, engine, log):
        emulator.press_button(answer, buttons(answer)["More"], user_id=READER)
        more = await emulator.wait_for("sendMessage")
    assert "<blockquote>" in more.params["text"] and CARD_ANSWER not in more.result["text"]


async def test_bot_keeps_answering_through_a_postgresql_outage_and_every_record_arrives(
    emulator: TelegramEmulator, engine: AnswerEngine, empty_pg: str, pg_proxy: TcpProxy, tmp_path: Path
) -> None:
    log = await QueryLog.start(settings_for(pg_url(empty_pg, pg_proxy.port), tmp_path / "data"), FAST)
    try:
        async with running_quotebot(emulator, engine, log):
            await ask(emulator, CARD_QUESTION, user_id=READER)
            await pg_proxy.stop()
            for n in range(5):
                reply = await ask(emulator, f"{CARD_QUESTION} ({n})", user_id=READER)
                assert CARD_ANSWER in reply["text"]
            await pg_proxy.start()
            await log.flush()
        questions = [row.question for row in await log.recent(limit=10)]
    finally:
        await log.close()
    assert len(questions) == 6 and f"{CARD_QUESTION} (4)" in questions


def test_backends_cover_both_databases(backend: Backend) -> None:
    assert backend.name in {"sqlite", "postgresql"} and SECRET
