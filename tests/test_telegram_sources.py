"""Moderators add sources from Telegram and the running bot answers from them at once; readers cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.ops.engine_build import build_engine
from bot.ops.reload import CorpusReloader
from bot.querylog import QueryLog
from bot.telegram.services import SERVICES_KEY, BotServices
from tests.article_server import ArticleServer, Page
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import TelegramEmulator

MODERATOR, READER = 1001, 2002
FORMATS = Path(__file__).parent / "data" / "formats"
ZOO = (FORMATS / "zoo-pandas.html").read_bytes()
PANDA_QUESTION = "When can visitors see the panda cubs?"
PANDA_QUOTE = "Visitors will be able to see them from June"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text("title: Ferry\ndate: 2023-03-06\n\nThe island ferry resumed service.\n")
    return corpus


@pytest.fixture
async def quotebot(emulator: TelegramEmulator, folder: Path, sqlite_log: QueryLog) -> AsyncIterator[Application]:
    engine = build_engine(folder)
    settings = bot_settings(emulator, corpus=folder, moderator_ids=frozenset({MODERATOR}))
    async with running_quotebot(emulator, engine, sqlite_log, settings) as application:
        services: BotServices = application.bot_data[SERVICES_KEY]

        def swap(new: object) -> None:
            services.engine = new  # type: ignore[assignment]

        services.reloader = CorpusReloader(engine, build_engine, on_swap=swap)
        yield application


async def reply_to(emulator: TelegramEmulator, text: str, user_id: int = MODERATOR) -> str:
    emulator.send_text(text, user_id=user_id)
    return (await emulator.wait_for("sendMessage")).result["text"]


async def test_a_moderators_file_is_added_and_answers_the_next_question(
    emulator: TelegramEmulator, quotebot: Application, folder: Path
) -> None:
    assert PANDA_QUOTE not in await reply_to(emulator, PANDA_QUESTION, user_id=READER)
    emulator.send_document("zoo.html", content=ZOO, mime_type="text/html", user_id=MODERATOR)
    added = (await emulator.wait_for("sendMessage")).result["text"]
    assert added.startswith("added zoo-") and "Zoo welcomes twin pandas (4 May 2023), 3 passages" in added
    assert any(path.name.startswith("zoo-") for path in folder.iterdir())
    answer = await reply_to(emulator, PANDA_QUESTION, user_id=READER)
    assert PANDA_QUOTE in answer and "4 May 2023" in answer and "Source: City News" in answer

    emulator.send_document("zoo-copy.html", content=ZOO, mime_type="text/html", user_id=MODERATOR)
    refused = (await emulator.wait_for("sendMessage")).result["text"]
    assert refused.startswith("Not added:") and "already in the corpus" in refused


async def test_a_readers_file_gets_the_usual_hint_and_is_not_stored(
    emulator: TelegramEmulator, quotebot: Application, folder: Path
) -> None:
    emulator.send_document("zoo.html", content=ZOO, mime_type="text/html", user_id=READER)
    assert "I can only read text questions" in (await emulator.wait_for("sendMessage")).result["text"]
    assert sorted(path.name for path in folder.iterdir()) == ["ferry.txt"]
    assert "only for the bot's moderators" in await reply_to(emulator, "/reload", user_id=READER)


async def test_add_url_and_reload_for_moderators(
    emulator: TelegramEmulator, quotebot: Application, folder: Path
) -> None:
    with ArticleServer({"/zoo": Page(ZOO), "/photo": Page(b"\x89PNG", content_type="image/png")}) as server:
        added = await reply_to(emulator, f"/add {server.url('/zoo')}")
        assert "Zoo welcomes twin pandas (4 May 2023), 3 passages" in added
        refused = await reply_to(emulator, f"/add {server.url('/photo')}")
        assert refused.startswith("Not added:") and "image/png" in refused
    assert "Send me a file" in await reply_to(emulator, "/add")
    assert PANDA_QUOTE in await reply_to(emulator, PANDA_QUESTION, user_id=READER)

    (folder / "ferry.txt").unlink()
    assert "1 removed" in await reply_to(emulator, "/reload")
    assert await reply_to(emulator, "/reload") == "nothing changed: 1 documents, 3 passages"


async def test_sources_and_start_list_the_documents_newest_first_with_their_dates(
    emulator: TelegramEmulator, quotebot: Application, folder: Path
) -> None:
    (folder / "tram.md").write_text("---\ntitle: Tram\ndate: 2024-03-20\n---\nThe tram line reaches the airport.\n")
    (folder / "notice.txt").write_text("The town hall is closed on Monday for repairs to the roof.\n")
    (folder / "bridge.txt").write_text("title: Bridge\ndate: 2023-11-02\n\nThe bridge reopened to traffic.\n")
    assert "3 files added" in await reply_to(emulator, "/reload")
    listed = [
        "• Tram (20 March 2024)",
        "• Bridge (2 November 2023)",
        "• Ferry (6 March 2023)",
        "• The town hall is closed on Monday for repairs to the roof (undated)",
    ]
    for command in ("/sources", "/start"):
        lines = (await reply_to(emulator, command, user_id=READER)).splitlines()
        assert [line for line in lines if line.startswith("• ")] == listed, command
