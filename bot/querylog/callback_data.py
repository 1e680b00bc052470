"""The compact callback data of the 👍/👎 buttons under an answer (Telegram allows 64 bytes)."""

import re

from bot.querylog.record import Vote

FEEDBACK_CALLBACK_PATTERN = r"^fb:(up|down):([0-9A-HJKMNP-TV-Z]{26})$"
_FEEDBACK = re.compile(FEEDBACK_CALLBACK_PATTERN)


def feedback_callback_data(record_id: str, vote: Vote) -> str:
    """Return the callback data of a feedback button, e.g. 'fb:up:01J...' (at most 34 bytes)."""
    data = f"fb:{Vote(vote).value}:{record_id}"
    if not _FEEDBACK.fullmatch(data):
        raise ValueError("record_id must come from new_record_id()")
    return data


def parse_feedback_callback_data(data: str) -> tuple[str, Vote] | None:
    """Return (record id, vote) from a button press, or None for data that is not ours."""
    match = _FEEDBACK.fullmatch(data)
    return None if match is None else (match.group(2), Vote(match.group(1)))
