"""Deciding whether a group message is meant for the bot, and what the question in it is.

A photo or a file can carry the question in its caption; captions have their own entities, so
every function here reads the text or the caption, whichever the message has.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, MessageEntity


def message_text(message: Message) -> str:
    """The text of a text message, or the caption of a photo, file or other media."""
    return message.text or message.caption or ""


def addressed_question(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a group message that mentions or replies to the bot; None when it is not for us."""
    text = message_text(message)
    for entity in _entities(message):
        if _is_mention_of_bot(text, entity, bot_id, bot_username):
            return (text[: _offset(text, entity.offset)] + text[_offset(text, entity.offset + entity.length) :]).strip()
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text.strip()
    return None


def command_argument(message: Message) -> str:
    """The text after a leading /command (or /command@bot), keeping the reader's own spacing and case."""
    text = message_text(message)
    for entity in _entities(message):
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text[_offset(text, entity.length) :].strip()
    return text.strip()


def _entities(message: Message) -> Sequence[MessageEntity]:
    return message.entities if message.text else message.caption_entities


def _is_mention_of_bot(text: str, entity: MessageEntity, bot_id: int, bot_username: str) -> bool:
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == bot_id
    if entity.type == MessageEntity.MENTION:
        start = _offset(text, entity.offset)
        mention = text[start : _offset(text, entity.offset + entity.length)]
        return mention.lstrip("@").casefold() == bot_username.casefold()
    return False


def _offset(text: str, utf16_offset: int) -> int:
    """Telegram gives entity offsets in UTF-16 units; convert to a Python string index."""
    return len(text.encode("utf-16-le")[: utf16_offset * 2].decode("utf-16-le", errors="ignore"))
