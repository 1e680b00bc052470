"""The chat console as a person at a terminal meets it: line editing, history, wrapping, colour, /more."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

from tests.cli_runner import QUOTEBOT, run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION, REPOSITORY

PROMPT = b"you> "
UP = b"\x1b[A"
QUOTE_COLOUR = "\x1b[36m"
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")


class ConsoleSession:
    """`quotebot chat` in a pseudo-terminal of the given size, typed into like a keyboard."""

    def __init__(self, data_dir: Path, columns: int = 100, environ: dict[str, str] | None = None) -> None:
        parent, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_", "NO_COLOR"))}
        environment.update({"QUOTEBOT_DATA_DIR": str(data_dir), "TERM": "xterm", **(environ or {})})
        self.process = subprocess.Popen(
            [QUOTEBOT, "chat"], stdin=child, stdout=child, stderr=child, cwd=REPOSITORY, env=environment
        )
        os.close(child)
        self._terminal = parent
        self.transcript = b""

    def until_prompt(self, timeout: float = 30) -> str:
        """Everything printed since the last prompt, up to the next one."""
        start = len(self.transcript)
        deadline = time.monotonic() + timeout
        while PROMPT not in self.transcript[start:]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no prompt; the console printed {self.transcript[start:]!r}"
            if select.select([self._terminal], [], [], remaining)[0]:
                self.transcript += os.read(self._terminal, 65536)
        return self.transcript[start:].decode("utf-8", "replace")

    def type(self, keys: bytes) -> str:
        os.write(self._terminal, keys)
        return self.until_prompt()

    def close(self) -> None:
        os.write(self._terminal, b"/quit\r")
        self.process.wait(timeout=30)
        os.close(self._terminal)


def visible(text: str) -> str:
    return _ESCAPES.sub("", text)


def unwrapped(text: str) -> str:
    """The visible text with wrapped quote lines joined again."""
    return visible(text).replace("\n> ", " ").replace("\n", " ")


def test_history_is_kept_in_the_data_folder_and_recalled_with_the_up_arrow(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = ConsoleSession(data_dir)
    first.until_prompt()
    assert CARD_ANSWER in unwrapped(first.type(CARD_QUESTION.encode() + b"\r"))
    first.close()
    assert CARD_QUESTION in (data_dir / "console_history").read_text()
    assert (data_dir / "console_history").stat().st_mode & 0o777 == 0o600
    # The console may be the first to make the data folder the query log later shares: private, as the log makes it.
    assert data_dir.stat().st_mode & 0o777 == 0o700

    second = ConsoleSession(data_dir)
    second.until_prompt()
    recalled = visible(second.type(UP + b"\r"))
    second.close()
    assert "^[[A" not in recalled and CARD_QUESTION in recalled
    assert "NATO enlargement" in recalled


def test_answers_wrap_at_word_boundaries_and_are_coloured(tmp_path: Path) -> None:
    session = ConsoleSession(tmp_path, columns=50)
    session.until_prompt()
    shown = session.type(CARD_QUESTION.encode() + b"\r")
    session.close()
    assert QUOTE_COLOUR + "At a joint news conference" in shown
    lines = [line for line in visible(shown).split("\n") if line.startswith("> ")]
    assert len(lines) > 5 and all(len(line) <= 50 for line in lines)
    words = " ".join(line.removeprefix("> ") for line in lines).split()
    assert "enlargement," in words and "missile" in words


def test_no_color_turns_colour_off(tmp_path: Path) -> None:
    session = ConsoleSession(tmp_path, environ={"NO_COLOR": "1"})
    session.until_prompt()
    shown = session.type(CARD_QUESTION.encode() + b"\r")
    session.close()
    assert CARD_ANSWER in unwrapped(shown) and QUOTE_COLOUR not in shown


def test_piped_console_more_unknown_commands_and_no_colour() -> None:
    run = run_quotebot(
        "chat", stdin=f"/more\n{CARD_QUESTION}\n/more\n/frobnicate\nWhat is the capital of Australia?\n", cwd=REPOSITORY
    )
    assert run.returncode == 0 and "\x1b" not in run.stdout
    assert run.stdout.split("\n", 1)[0] == "Ask a question first; /more then shows the next passage for it."
    assert CARD_ANSWER in run.stdout
    after_answer = run.stdout.split(CARD_ANSWER, 1)[1]
    assert after_answer.count("\n> ") >= 1 and "3 December 2022" in after_answer
    assert "I don't know that command. /help says what I can do." in run.stdout
    assert "The sources don't cover that, so I won't guess. They are about:" in run.stdout


def test_more_after_a_refused_question_says_there_is_nothing_more_for_it() -> None:
    run = run_quotebot("chat", stdin=f"{CARD_QUESTION}\nWhat is the capital of Australia?\n/more\n", cwd=REPOSITORY)
    assert run.returncode == 0
    assert run.stdout.endswith("The sources don't cover the last question, so there is no next passage for it.\n")
