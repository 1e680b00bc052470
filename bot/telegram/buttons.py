"""Inline keyboards under answers, with callback data kept compact (Telegram allows 64 bytes)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answers.wording import MORE_BUTTON, Wording
from bot.querylog import Vote, is_record_id

MORE, FEEDBACK = "m", "f"


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A decoded callback: which question (by its query-log record id), and a rank to show or a vote."""

    kind: str
    record_id: str
    value: str


def answer_keyboard(record_id: str, next_rank: int | None, words: Wording) -> InlineKeyboardMarkup:
    """More (when another passage exists) and the two feedback buttons."""
    row = [
        InlineKeyboardButton("👍", callback_data=f"{FEEDBACK}|{record_id}|{Vote.UP}"),
        InlineKeyboardButton("👎", callback_data=f"{FEEDBACK}|{record_id}|{Vote.DOWN}"),
    ]
    if next_rank is not None:
        row.insert(0, InlineKeyboardButton(words.text(MORE_BUTTON), callback_data=f"{MORE}|{record_id}|{next_rank}"))
    return InlineKeyboardMarkup([row])


def parse_press(data: str | None) -> ButtonPress | None:
    """Decode callback data, or None for anything this bot did not make."""
    parts = (data or "").split("|")
    if len(parts) != 3 or not is_record_id(parts[1]):
        return None
    kind, record_id, value = parts
    if kind == MORE and value.isdigit():
        return ButtonPress(kind, record_id, value)
    if kind == FEEDBACK and value in (Vote.UP, Vote.DOWN):
        return ButtonPress(kind, record_id, value)
    return None
