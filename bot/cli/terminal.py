"""Writing reply lines to a terminal: wrapped at word boundaries to its width, coloured when it is a TTY.

Colour follows the NO_COLOR convention (https://no-color.org): any non-empty NO_COLOR turns it off, and
output that is not a terminal (a pipe, a file) is neither coloured nor wrapped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from bot.answers.formatting import Line, Style, plain_text

_COLOURS = {Style.QUOTE: "\033[36m", Style.DATE: "\033[33m", Style.SOURCE: "\033[32m"}
_RESET = "\033[0m"
MIN_WIDTH = 20


@dataclass(frozen=True, slots=True)
class Terminal:
    """Where replies go and how: `width` None leaves lines unwrapped."""

    out: TextIO
    width: int | None
    colour: bool

    @classmethod
    def for_stream(cls, out: TextIO, environ: Mapping[str, str] = os.environ) -> Terminal:
        """Wrap and colour only for a person at a terminal."""
        if not out.isatty():
            return cls(out, None, False)
        width = max(shutil.get_terminal_size().columns, MIN_WIDTH)
        return cls(out, width, not environ.get("NO_COLOR"))

    def write(self, lines: Sequence[Line]) -> None:
        if self.width is None:
            print(plain_text(lines), file=self.out, flush=True)
            return
        rows = [row for line in lines for row in wrap(line, self.width)]
        print("\n".join(self._paint(row) for row in rows), file=self.out, flush=True)

    def _paint(self, row: list[tuple[str, Style]]) -> str:
        if not self.colour:
            return "".join(text for text, _ in row)
        runs: list[tuple[str, Style]] = []
        for text, style in row:
            if runs and runs[-1][1] is style:
                runs[-1] = (runs[-1][0] + text, style)
            else:
                runs.append((text, style))
        return "".join(f"{_COLOURS[style]}{text}{_RESET}" if style in _COLOURS else text for text, style in runs)


def wrap(line: Line, width: int) -> list[list[tuple[str, Style]]]:
    """Break a line into rows of at most `width` characters between words; a longer word is cut."""
    hang = [(line.hang, Style.PLAIN)] if line.hang else []
    rows: list[list[tuple[str, Style]]] = [[]]
    used = 0
    for word in _words(line):
        size = sum(len(text) for text, _ in word)
        if used and used + 1 + size > width:
            rows.append(list(hang))
            used = len(line.hang)
        elif used:
            # A space inside a run of one style takes that style, so the run is painted in one piece.
            joined = rows[-1][-1][1] if rows[-1] and rows[-1][-1][1] is word[0][1] else Style.PLAIN
            rows[-1].append((" ", joined))
            used += 1
        for text, style in word:
            while used + len(text) > width > used:
                room = width - used
                rows[-1].append((text[:room], style))
                text = text[room:]
                rows.append(list(hang))
                used = len(line.hang)
            rows[-1].append((text, style))
            used += len(text)
    return rows


def _words(line: Line) -> list[list[tuple[str, Style]]]:
    """The line's words, each a run of styled pieces with no white space between them ("(" + "source" + ")")."""
    words: list[list[tuple[str, Style]]] = [[]]
    for text, style in line.spans:
        first, *others = text.split(" ")
        if first:
            words[-1].append((first, style))
        for piece in others:
            words.append([(piece, style)] if piece else [])
    return [word for word in words if word]
