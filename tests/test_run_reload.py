"""A real `quotebot run`: sources added to and deleted from its folder are answered (or not) without a restart."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

from tests.telegram_emulator import TelegramEmulator
from tests.test_telegram_run import start_quotebot

FORMATS = Path(__file__).parent / "data" / "formats"
PANDA_QUESTION = "When can visitors see the panda cubs?"
PANDA_QUOTE = "Visitors will be able to see them from June"
FERRY = "title: Ferry\ndate: 2023-03-06\n\nThe island ferry resumed service on Monday after the storm.\n"


def answer(emulator: TelegramEmulator, question: str) -> str:
    emulator.send_text(question)
    return emulator.wait_for_sync("sendMessage", timeout=10).result["text"]


def answer_within(emulator: TelegramEmulator, question: str, wanted: bool, seconds: float = 15) -> str:
    """Ask until the answer holds (or, with wanted=False, lacks) the panda quote."""
    deadline = time.monotonic() + seconds
    while True:
        text = answer(emulator, question)
        if (PANDA_QUOTE in text) == wanted or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


def test_a_file_added_while_running_is_quoted_and_a_deleted_one_is_gone(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    process = start_quotebot(emulator, tmp_path / "data", "run", "--corpus", str(folder))
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
        assert PANDA_QUOTE not in answer(emulator, PANDA_QUESTION)
        shutil.copy(FORMATS / "zoo-pandas.html", folder)
        found = answer_within(emulator, PANDA_QUESTION, wanted=True)
        assert PANDA_QUOTE in found and "4 May 2023" in found
        (folder / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
        (folder / "zoo-pandas.html").unlink()
        assert PANDA_QUOTE not in answer_within(emulator, PANDA_QUESTION, wanted=False)
        assert "ferry resumed service" in answer(emulator, "When did the ferry resume service?")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "broken.pdf: not a readable PDF" in stderr and "Traceback" not in stderr


def test_sighup_reloads_when_watching_is_off(emulator: TelegramEmulator, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    process = start_quotebot(emulator, tmp_path / "data", "run", "--corpus", str(folder), QUOTEBOT_WATCH="off")
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
        shutil.copy(FORMATS / "zoo-pandas.html", folder)
        time.sleep(1.5)
        assert PANDA_QUOTE not in answer(emulator, PANDA_QUESTION)
        process.send_signal(signal.SIGHUP)
        assert PANDA_QUOTE in answer_within(emulator, PANDA_QUESTION, wanted=True)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "corpus reloaded" in stderr
