"""A real `quotebot run`: sources added to and deleted from its folder are answered (or not) without a restart,
while readers keep asking."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections import Counter
from pathlib import Path

from tests.bot_process import wait_until
from tests.conftest import CARD_QUESTION, SEED_FILE
from tests.telegram_emulator import DEFAULT_USER_ID, TelegramEmulator
from tests.test_telegram_run import start_quotebot

FORMATS = Path(__file__).parent / "data" / "formats"
OFF_TOPIC = "What is the capital of Australia?"
PANDA_QUESTION = "When can visitors see the panda cubs?"
PANDA_QUOTE = "Visitors will be able to see them from June"
FERRY = "title: Ferry\ndate: 2023-03-06\n\nThe island ferry resumed service on Monday after the storm.\n"


def answer(emulator: TelegramEmulator, question: str, user_id: int = DEFAULT_USER_ID, timeout: float = 10) -> str:
    """Ask as `user_id` and wait for the reply in that reader's chat."""
    emulator.send_text(question, user_id=user_id)
    return emulator.wait_for_sync(
        "sendMessage", lambda call: call.ok and call.result["chat"]["id"] == user_id, timeout=timeout
    ).result["text"]


def answer_within(
    emulator: TelegramEmulator,
    question: str,
    wanted: bool,
    seconds: float = 15,
    user_id: int = DEFAULT_USER_ID,
    timeout: float = 10,
) -> str:
    """Ask until the answer holds (or, with wanted=False, lacks) the panda quote."""
    deadline = time.monotonic() + seconds
    while True:
        text = answer(emulator, question, user_id, timeout)
        if (PANDA_QUOTE in text) == wanted or time.monotonic() > deadline:
            return text
        time.sleep(0.3)


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


def test_the_example_question_is_decided_again_when_the_corpus_changes(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    process = start_quotebot(emulator, tmp_path / "data", "run", "--corpus", str(folder))
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
        refusal = answer(emulator, OFF_TOPIC)
        assert "Ask about a person, place or event named in the sources." in refusal and "Putin" not in refusal
        shutil.copy(SEED_FILE, folder)
        deadline = time.monotonic() + 15
        while CARD_QUESTION not in (refusal := answer(emulator, OFF_TOPIC)) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert f"Try, for example: {CARD_QUESTION}" in refusal
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    assert process.returncode == 0


FERRY_QUESTION = "When did the ferry resume service?"
ASKER, READERS = 7001, (7101, 7102, 7103)
# Enough other articles that each rebuild takes a while, so questions arrive in the middle of one.
FILLER = 150


def _filler(number: int) -> str:
    paragraphs = [" ".join(f"w{number}x{p}x{k}" for k in range(60)) + "." for p in range(10)]
    return f"title: Notice {number}\ndate: 2023-01-{number % 28 + 1:02d}\n\n" + "\n\n".join(paragraphs) + "\n"


def test_questions_asked_while_sources_come_and_go_are_each_answered_once(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    for number in range(FILLER):
        (folder / f"notice-{number:03d}.txt").write_text(_filler(number))
    process = start_quotebot(emulator, tmp_path / "data", "run", "--corpus", str(folder), QUOTEBOT_RATE_LIMIT="10000")
    asked: Counter[int] = Counter()
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            for reader in READERS:
                emulator.send_text(FERRY_QUESTION, user_id=reader)
                asked[reader] += 1
            time.sleep(0.1)

    asking = threading.Thread(target=keep_asking)
    try:
        emulator.wait_for_sync("setMyCommands", timeout=60)
        asking.start()
        shutil.copy(FORMATS / "zoo-pandas.html", folder)
        assert PANDA_QUOTE in answer_within(
            emulator, PANDA_QUESTION, wanted=True, seconds=60, user_id=ASKER, timeout=30
        )
        (folder / "zoo-pandas.html").unlink()
        assert PANDA_QUOTE not in answer_within(
            emulator, PANDA_QUESTION, wanted=False, seconds=60, user_id=ASKER, timeout=30
        )
        stop.set()
        asking.join()
        wait_until(
            lambda: all(len(emulator.sent_messages(reader)) >= asked[reader] for reader in READERS),
            60,
            "a reply to every reader's question",
            lambda: f"asked {dict(asked)}, answered {[len(emulator.sent_messages(r)) for r in READERS]}",
        )
    finally:
        stop.set()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert stderr.count("corpus reloaded") >= 2 and "Traceback" not in stderr
    for reader in READERS:
        replies = [message["text"] for message in emulator.sent_messages(reader)]
        assert len(replies) == asked[reader] >= 5
        assert all("ferry resumed service" in reply for reply in replies), set(replies)
