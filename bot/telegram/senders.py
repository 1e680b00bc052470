"""Who a message is from, as far as pseudonyms and rate limits are concerned."""

from __future__ import annotations

from telegram import Update


def sender_key(update: Update) -> int | None:
    """The Telegram id that stands for the sender: the user, or the chat they posted as.

    Anonymous group admins all arrive as GroupAnonymousBot and people posting as a channel as
    Channel_Bot, so `from` would lump them together across every group; `sender_chat` (the group
    or channel they speak for) keeps them apart. Button presses always come from a real user.
    """
    message = update.message or update.edited_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    user = update.effective_user
    return user.id if user else None
