"""Inline keyboards under answers, with callback data kept compact (Telegram allows 64 bytes)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answers.wording import MORE_BUTTON, Wording
from bot.querylog import Vote

MORE, FEEDBACK = "m", "f"
# More never goes past the 10th passage (rank 9), so a forged press cannot make the engine rank everything.
MAX_MORE_RANK = 9
# Exactly what answer_keyboard writes, in ASCII only: '²'.isdigit() is true, so no str.isdigit() here.
_PRESS = re.compile(r"(?P<kind>[mf])\|(?P<record_id>[0-9A-HJKMNP-TV-Z]{26})\|(?P<value>[1-9]|up|down)", re.ASCII)


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A decoded callback: which question (by its query-log record id), and a rank to show or a vote."""

    kind: str
    record_id: str
    value: str

    @property
    def rank(self) -> int:
        """The passage rank a More press asks for (1 is the second best passage)."""
        return int(self.value)


def answer_keyboard(record_id: str, next_rank: int | None, words: Wording) -> InlineKeyboardMarkup:
    """More (when another passage exists and the cap allows it) and the two feedback buttons."""
    row = [
        InlineKeyboardButton("👍", callback_data=f"{FEEDBACK}|{record_id}|{Vote.UP}"),
        InlineKeyboardButton("👎", callback_data=f"{FEEDBACK}|{record_id}|{Vote.DOWN}"),
    ]
    if next_rank is not None and 1 <= next_rank <= MAX_MORE_RANK:
        row.insert(0, InlineKeyboardButton(words.text(MORE_BUTTON), callback_data=f"{MORE}|{record_id}|{next_rank}"))
    return InlineKeyboardMarkup([row])


def parse_press(data: str | None) -> ButtonPress | None:
    """Decode callback data, or None for anything this bot did not make."""
    match = _PRESS.fullmatch(data or "")
    if match is None:
        return None
    kind, record_id, value = match["kind"], match["record_id"], match["value"]
    if (kind == MORE) != value.isdigit():
        return None
    return ButtonPress(kind, record_id, value)
