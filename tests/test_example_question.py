"""The example question the console and the bot offer is one the loaded corpus answers, or none at all."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.querylog import QueryLog
from corpus import load_corpus
from retrieval.engine import AnswerEngine
from tests.cli_runner import run_quotebot
from tests.conftest import CARD_QUESTION, REPOSITORY
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import TelegramEmulator

DIALOGUES = REPOSITORY / "tests" / "data" / "dialogue_corpus"
OFF_TOPIC = "What is the capital of Australia?"
NO_EXAMPLE = "Ask about a person, place or event named in the sources."
TRAM_QUESTION = "When did the Lakeside tram line open?"


def own_corpus(tmp_path: Path) -> Path:
    """An operator's corpus without the seed: a tram line and an Arctic expedition."""
    folder = tmp_path / "own"
    folder.mkdir()
    for name in ("101_tram_line.txt", "102_arctic_expedition.txt"):
        shutil.copy(DIALOGUES / name, folder)
    return folder


def test_the_console_over_an_own_corpus_offers_no_question_it_cannot_answer(tmp_path: Path) -> None:
    run = run_quotebot("chat", "--corpus", str(own_corpus(tmp_path)), stdin=f"{OFF_TOPIC}\n???\n/help\n")
    assert run.returncode == 0, run.stderr
    assert "The sources don't cover that" in run.stdout and "Lakeside tram line" in run.stdout
    assert "Putin" not in run.stdout and "for example" not in run.stdout.lower()
    assert f"\n{NO_EXAMPLE}\n" in run.stdout
    assert "That question has no words to search for. Ask about a person, place or event named in" in run.stdout


def test_the_console_offers_the_operators_example_question(tmp_path: Path) -> None:
    run = run_quotebot(
        "chat",
        "--corpus",
        str(own_corpus(tmp_path)),
        stdin=f"{OFF_TOPIC}\n",
        env={"QUOTEBOT_EXAMPLE_QUESTION": f"  {TRAM_QUESTION} "},
    )
    assert f"Try, for example: {TRAM_QUESTION}\n" in run.stdout and "Putin" not in run.stdout


def test_the_console_over_the_seeds_offers_the_seeds_question() -> None:
    run = run_quotebot("chat", stdin=f"{OFF_TOPIC}\n", cwd=REPOSITORY)
    assert f"Try, for example: {CARD_QUESTION}\n" in run.stdout


def test_an_example_question_of_several_lines_is_a_usage_error(tmp_path: Path) -> None:
    run = run_quotebot("chat", stdin=f"{OFF_TOPIC}\n", env={"QUOTEBOT_EXAMPLE_QUESTION": "Who?\nWhen?"})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "QUOTEBOT_EXAMPLE_QUESTION must be one line" in run.stderr


async def test_the_bot_over_an_own_corpus_offers_no_question_in_any_language(
    emulator: TelegramEmulator, sqlite_log: QueryLog, tmp_path: Path
) -> None:
    engine = AnswerEngine(load_corpus(own_corpus(tmp_path)))
    async with running_quotebot(emulator, engine, sqlite_log):
        emulator.send_text("/start")
        welcome = (await emulator.wait_for("sendMessage")).result["text"]
        assert "Lakeside tram line" in welcome and "Putin" not in welcome
        assert "Ask me about a person, place or event named in the sources." in welcome

        emulator.send_text(OFF_TOPIC, language_code="fr")
        refusal = (await emulator.wait_for("sendMessage")).result["text"]
        assert "Poutine" not in refusal and "par exemple" not in refusal
        assert "Interrogez-moi sur une personne, un lieu ou un événement cité dans les sources." in refusal

        emulator.send_text("/ask")
        assert (
            "Put your question after the command: /ask your question"
            in (await emulator.wait_for("sendMessage")).result["text"]
        )


async def test_the_bot_offers_the_operators_example_question_as_typed_and_escaped(
    emulator: TelegramEmulator, sqlite_log: QueryLog, tmp_path: Path
) -> None:
    folder = own_corpus(tmp_path)
    settings = bot_settings(emulator, corpus=folder, example_question="When did the <tram> line open?")
    async with running_quotebot(emulator, AnswerEngine(load_corpus(folder)), sqlite_log, settings):
        emulator.send_text("/start", language_code="de")
        call = await emulator.wait_for("sendMessage")
        assert "Fragen Sie mich zum Beispiel: When did the <tram> line open?" in call.result["text"]
        assert "<i>When did the &lt;tram&gt; line open?</i>" in call.params["text"]
