"""`quotebot run` as a subprocess whose log goes to a file, for tests that stop, kill and restart it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from tests.cli_runner import QUOTEBOT
from tests.conftest import REPOSITORY
from tests.telegram_emulator import RecordedCall, TelegramEmulator


class BotProcess:
    """One run of `quotebot run` against the emulator; its stderr is kept in `log_path`.

    Every one started is killed after its test (tests/conftest.py), should the test fail before it stops it.
    """

    started: ClassVar[list[BotProcess]] = []

    def __init__(self, emulator: TelegramEmulator, data_dir: Path, log_path: Path, **env: str) -> None:
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QUOTEBOT_", "DATABASE_URL"))
        }
        environment.update(
            TELEGRAM_BOT_TOKEN=emulator.token,
            TELEGRAM_BASE_URL=emulator.base_url,
            QUOTEBOT_DATA_DIR=str(data_dir),
            QUOTEBOT_METRICS_PORT="0",
            QUOTEBOT_RATE_LIMIT="100000",
            # The emulator is no Telegram: it takes more than Telegram's 30 messages a second.
            QUOTEBOT_SEND_RATE="1000",
        )
        environment.update(env)
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [QUOTEBOT, "run"], cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL, stderr=log
            )
        BotProcess.started.append(self)

    @classmethod
    def kill_leftovers(cls) -> None:
        for bot in cls.started:
            if bot.process.poll() is None:
                bot.kill()
        cls.started.clear()

    def log(self, since: int = 0) -> str:
        """What the process wrote to stderr, from byte `since` on (all of it by default)."""
        return self.log_path.read_bytes()[since:].decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def status(self) -> str:
        """ "running", or its exit code and the last lines it wrote: what a test's timeout should say."""
        if self.process.poll() is None:
            return "the bot is running"
        last = "\n".join(self.log().splitlines()[-5:])
        return f"the bot exited with {self.process.returncode}; its log ends:\n{last}"

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as the OOM killer or a node drain does it."""
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 10.0) -> float:
        """SIGTERM, then wait as Docker does before it kills (10 s); returns the seconds it took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    progress: Callable[[], str] = lambda: "",
    bot: BotProcess | None = None,
) -> None:
    """Poll `condition` every 0.1 s until it holds; fail after `timeout` seconds, saying `progress()`
    (and whether `bot` runs), or as soon as `bot` has exited (nothing more will come), saying how it ended."""
    deadline = time.monotonic() + timeout
    while not condition():
        if bot is not None and bot.process.poll() is not None:
            raise AssertionError(f"{bot.status()}\nbefore {what}; {progress()}")
        if time.monotonic() > deadline:
            running = "" if bot is None else f"; {bot.status()}"
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; {progress()}{running}")
        time.sleep(0.1)


def successful(emulator: TelegramEmulator, method: str) -> list[RecordedCall]:
    return [call for call in emulator.calls if call.method == method and call.ok]
