"""Cleaning what a reader typed into a question the engine can take, the same for every front end."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Questions are a sentence or two; anything longer is cut so one message cannot make the bot slow.
MAX_QUESTION_CHARS = 500
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Question:
    """The text the engine will see, and whether the reader's text had to be shortened to get it."""

    text: str
    truncated: bool

    @property
    def empty(self) -> bool:
        return not self.text


def clean_question(raw: str) -> Question:
    """Drop control and format characters, fold runs of white space, and cut to MAX_QUESTION_CHARS."""
    visible = "".join(" " if char.isspace() else char for char in raw if char.isspace() or not _invisible(char))
    text = _SPACES.sub(" ", visible).strip()
    if len(text) <= MAX_QUESTION_CHARS:
        return Question(text, truncated=False)
    cut = text[:MAX_QUESTION_CHARS]
    if " " in cut[MAX_QUESTION_CHARS // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return Question(cut, truncated=True)


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}
