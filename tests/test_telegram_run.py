"""`quotebot run` as operators start it: token checks, secrecy, signals, and one poller per token."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from telegram import Bot
from telegram.error import Conflict

from bot.querylog import QueryLog, settings_from_env
from tests.bot_process import BotProcess, wait_until
from tests.cli_runner import QUOTEBOT, run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION, REPOSITORY
from tests.telegram_emulator import TelegramEmulator


def start_quotebot(emulator: TelegramEmulator, data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """`quotebot ARGS` against the emulator, with its data (query log) under `data_dir`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QUOTEBOT_", "DATABASE_URL"))}
    environment.update(
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_BASE_URL=emulator.base_url,
        QUOTEBOT_DATA_DIR=str(data_dir),
        QUOTEBOT_METRICS_PORT="0",
    )
    environment.update(env)
    return subprocess.Popen(
        [QUOTEBOT, *args], cwd=REPOSITORY, env=environment, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def test_run_without_a_token_is_a_one_line_usage_error() -> None:
    run = run_quotebot("run")
    assert run.returncode == 2
    assert run.stderr == "quotebot: error: TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather\n"


def test_malformed_token_is_refused_without_echoing_it() -> None:
    run = run_quotebot("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token-secret-value"})
    assert run.returncode == 2
    assert "malformed" in run.stderr and "not-a-token-secret-value" not in run.stderr


def test_token_rejected_by_telegram_is_a_clear_failure_that_hides_the_token(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    wrong = "123456:" + "W" * 35
    environment = {
        "TELEGRAM_BOT_TOKEN": wrong,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "QUOTEBOT_DATA_DIR": str(tmp_path),
        # Not the default 9090: another quotebot on this machine may hold it.
        "QUOTEBOT_METRICS_PORT": "0",
    }
    run = run_quotebot("run", env=environment)
    assert run.returncode == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in run.stderr
    assert wrong not in run.stderr and "W" * 35 not in run.stderr and "Traceback" not in run.stderr


def test_bot_answers_then_stops_cleanly_on_sigterm_without_logging_the_token(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    process = start_quotebot(emulator, tmp_path)
    emulator.wait_for_sync("setMyCommands", timeout=30)
    emulator.send_text(CARD_QUESTION)
    assert CARD_ANSWER in emulator.wait_for_sync("sendMessage", timeout=10).result["text"]
    stopping = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert time.monotonic() - stopping < 5
    assert "polling as @quotebot_test_bot" in stderr
    assert emulator.token not in stderr and emulator.token.split(":")[1] not in stderr


def test_plain_quotebot_with_a_token_runs_the_bot_and_stops_on_sigint(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    process = start_quotebot(emulator, tmp_path)
    emulator.wait_for_sync("setMyCommands", timeout=30)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)
    assert process.returncode == 0


async def test_second_poller_fails_with_a_clear_message(emulator: TelegramEmulator, tmp_path: Path) -> None:
    async with Bot(emulator.token, base_url=emulator.base_url) as other:
        process = start_quotebot(emulator, tmp_path, "run")
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(Conflict):
                await other.get_updates(timeout=1)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 1
    assert "already polling with this token" in stderr and "webhook" in stderr
    assert "Traceback" not in stderr


async def test_a_second_quotebot_on_the_same_token_exits_and_the_first_keeps_answering(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    first = BotProcess(emulator, tmp_path / "first", tmp_path / "first.log")
    emulator.wait_for_sync("setMyCommands", timeout=30)
    await emulator.wait_for_long_poll(timeout=30)
    second = BotProcess(emulator, tmp_path / "second", tmp_path / "second.log")
    second.process.wait(timeout=30)
    emulator.send_text(CARD_QUESTION)
    answer = await emulator.wait_for("sendMessage", timeout=30)
    first.terminate()
    assert second.process.returncode == 1 and first.process.returncode == 0
    assert "already polling with this token" in second.log() and "Traceback" not in second.log()
    assert CARD_ANSWER in answer.result["text"]
    assert "another poller uses this token too" in first.log()


async def test_sigterm_after_the_bot_api_went_away_prints_one_line(emulator: TelegramEmulator, tmp_path: Path) -> None:
    bot = BotProcess(emulator, tmp_path / "data", tmp_path / "bot.log")
    emulator.wait_for_sync("setMyCommands", timeout=30)
    emulator.send_text(CARD_QUESTION)
    await emulator.wait_for("sendMessage", timeout=30)
    with emulator.outage():
        emulator.send_text(CARD_QUESTION)
        wait_until(lambda: "getUpdates failed" in bot.log(), 30, "the failed poll to be logged")
        stopping = bot.log_size()
        bot.terminate()
    [line] = bot.log(stopping).splitlines()
    assert "stopped while the Telegram Bot API was unreachable" in line
    assert bot.process.returncode == 0 and "Traceback" not in bot.log()


async def test_a_question_answered_just_before_sigkill_is_loaded_on_the_next_start(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    process = start_quotebot(emulator, tmp_path)
    emulator.wait_for_sync("setMyCommands", timeout=30)
    emulator.send_text(CARD_QUESTION)
    await emulator.wait_for("sendMessage", timeout=10)
    process.kill()
    process.communicate(timeout=10)
    log = await QueryLog.start(settings_from_env({"QUOTEBOT_DATA_DIR": str(tmp_path)}))
    try:
        await log.flush()
        [record] = await log.recent()
    finally:
        await log.close()
    assert record.question == CARD_QUESTION and record.answered


async def test_a_429_or_a_5xx_while_checking_for_another_poller_does_not_stop_the_bot(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    emulator.fail_next("getUpdates", status=429)
    emulator.fail_next("getUpdates", status=500, description="Internal Server Error")
    bot = BotProcess(emulator, tmp_path / "data", tmp_path / "bot.log")
    emulator.wait_for_sync("setMyCommands", timeout=30)
    emulator.send_text(CARD_QUESTION)
    answer = await emulator.wait_for("sendMessage", timeout=30)
    bot.terminate()
    assert CARD_ANSWER in answer.result["text"]
    assert bot.process.returncode == 0 and "Traceback" not in bot.log()
