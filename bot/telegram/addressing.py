"""Deciding whether a group message is meant for the bot, and what the question in it is."""

from __future__ import annotations

from telegram import Message, MessageEntity


def addressed_question(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a group message that mentions or replies to the bot; None when it is not for us."""
    text = message.text or ""
    for entity in message.entities:
        if _is_mention_of_bot(message, entity, bot_id, bot_username):
            return (text[: _offset(text, entity.offset)] + text[_offset(text, entity.offset + entity.length) :]).strip()
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text.strip()
    return None


def command_argument(message: Message) -> str:
    """The text after a leading /command (or /command@bot), keeping the reader's own spacing and case."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text[_offset(text, entity.length) :].strip()
    return text.strip()


def _is_mention_of_bot(message: Message, entity: MessageEntity, bot_id: int, bot_username: str) -> bool:
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == bot_id
    if entity.type == MessageEntity.MENTION:
        return message.parse_entity(entity).lstrip("@").casefold() == bot_username.casefold()
    return False


def _offset(text: str, utf16_offset: int) -> int:
    """Telegram gives entity offsets in UTF-16 units; convert to a Python string index."""
    return len(text.encode("utf-16-le")[: utf16_offset * 2].decode("utf-16-le", errors="ignore"))
