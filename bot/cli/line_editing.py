"""Reading the console's lines with readline: arrow keys, Ctrl-L, and a history kept between sessions."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

HISTORY_LENGTH = 1000

try:
    import readline
except ImportError:  # Python built without readline (Windows): plain input() still works
    readline = None  # type: ignore[assignment]


class LineEditor:
    """input() with line editing; the history file (private, 0600) is read at start and written by save().

    It lives in the data folder, which the query log shares: a folder created here is 0700, as the log makes it.
    """

    def __init__(self, history: Path | None) -> None:
        self._history = history
        if readline is None or history is None:
            return
        readline.set_history_length(HISTORY_LENGTH)
        with contextlib.suppress(OSError):
            readline.read_history_file(history)

    def read(self, prompt: str) -> str | None:
        """One typed line, or None at Ctrl-D or Ctrl-C."""
        try:
            return input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return None

    def forget_last(self) -> None:
        """Drop the line just read from the history (a /quit is not worth recalling)."""
        if readline is not None and readline.get_current_history_length():
            readline.remove_history_item(readline.get_current_history_length() - 1)

    def save(self) -> None:
        """Write the history; a read-only data folder only loses the history, never the session."""
        if readline is None or self._history is None:
            return
        with contextlib.suppress(OSError):
            self._history.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._history.touch(mode=0o600)
            os.chmod(self._history, 0o600)
            readline.write_history_file(self._history)
