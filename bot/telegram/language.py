"""The language a Telegram reader gets the bot's own words in: their app's language_code, English otherwise."""

from __future__ import annotations

from telegram import Update

from bot.answers.wording import Wording, wording_for


def reader_words(update: Update) -> Wording:
    """Telegram sends the reader's interface language with each update (an IETF tag, or nothing)."""
    user = update.effective_user
    return wording_for(user.language_code if user else None)
