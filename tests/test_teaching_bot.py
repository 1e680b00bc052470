"""A lesson in the database reaches the running bot, in process and in `quotebot run`; the log keeps candidates."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.querylog import QueryLog, settings_from_env
from bot.querylog import taught as taught_store
from bot.querylog.taught_sync import TaughtSync
from corpus import Corpus
from retrieval.engine import AnswerEngine
from tests.querylog_helpers import PSEUDONYMS
from tests.telegram_bot import running_quotebot
from tests.telegram_emulator import TelegramEmulator
from tests.test_telegram_run import start_quotebot

TRAVEL = "Where was Macron travelling?"
STATE_VISIT = "000_f1d616dfc469d761#p2"
STATE_VISIT_WORDS = "Amid his state visit last week"
MODERATOR = PSEUDONYMS.of(1001)


async def test_a_taught_passage_reaches_the_bot_from_the_next_question_on(
    emulator: TelegramEmulator, log: QueryLog, seed_corpus: Corpus
) -> None:
    engine = AnswerEngine(seed_corpus)
    sync = TaughtSync(log.engine, lambda: engine, interval=0.02)
    await sync.start()
    try:
        async with running_quotebot(emulator, engine, log):
            emulator.send_text(TRAVEL)
            refused = (await emulator.wait_for("sendMessage")).result["text"]
            assert "don't cover" in refused and STATE_VISIT_WORDS not in refused
            await log.flush()
            [record] = await log.recent()
            assert not record.answered and record.candidates and record.coverage is not None
            assert STATE_VISIT in [candidate.passage_id for candidate in record.candidates]

            await taught_store.teach(log.engine, TRAVEL, STATE_VISIT, None, MODERATOR, record.id)
            for _ in range(200):
                if len(engine.taught):
                    break
                await asyncio.sleep(0.01)
            emulator.send_text("where did Macron travel?")
            assert STATE_VISIT_WORDS in (await emulator.wait_for("sendMessage")).result["text"]
    finally:
        await sync.stop()


async def test_quotebot_run_answers_with_what_moderators_taught(emulator: TelegramEmulator, tmp_path: Path) -> None:
    log = await QueryLog.start(settings_from_env({"QUOTEBOT_DATA_DIR": str(tmp_path)}))
    try:
        await taught_store.teach(log.engine, TRAVEL, STATE_VISIT, None, MODERATOR)
    finally:
        await log.close()
    process = start_quotebot(emulator, tmp_path)
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
        emulator.send_text(TRAVEL)
        assert STATE_VISIT_WORDS in (await emulator.wait_for("sendMessage", timeout=10)).result["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
