"""Shapes of what Telegram users send a bot: users, chats, message content and its entities.

Telegram's server, not the client, marks ``/commands`` and ``@mentions`` in incoming text as
entities; python-telegram-bot's CommandHandler relies on the ``bot_command`` entity at offset 0,
so injected messages must carry them exactly as Telegram computes them.
"""

import re
from typing import Any, Literal

from tests.emulator.telegram_html import utf16_length

ChatType = Literal["private", "group", "supergroup"]

DEFAULT_USER_ID = 424242
DEFAULT_FIRST_NAME = "Reader"
DEFAULT_CHAT_IDS: dict[str, int] = {"group": -400200300, "supergroup": -1001002003004}
GROUP_TITLE = "Quotebot test group"
CHANNEL_TITLE = "Quotebot test channel"
# Telegram's stand-ins in `from`: an anonymous group admin, and someone posting in a group as a channel.
GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}

# tdlib's patterns: a command is not glued to a word, '/', '<' or '>' on either side and may be
# addressed as /command@botname; a mention is @ plus 2-32 of [A-Za-z0-9_] standing alone.
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>@])")
_MENTION = re.compile(r"(?<!\w)@[a-zA-Z0-9_]{2,32}(?!\w)")


def user(
    user_id: int, first_name: str, username: str | None = None, language_code: str | None = "en"
) -> dict[str, Any]:
    """A human Telegram user as it appears in ``from``; ``language_code`` is their app's language (None:
    Telegram sent none)."""
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username is not None:
        person["username"] = username
    if language_code is not None:
        person["language_code"] = language_code
    return person


def chat(chat_type: ChatType, chat_id: int | None, sender: dict[str, Any]) -> dict[str, Any]:
    """The chat a user writes in; a private chat's id is always the user's id."""
    if chat_type == "private":
        if chat_id not in (None, sender["id"]):
            raise ValueError("a private chat's id is the user's id; pass user_id instead")
        private = {"id": sender["id"], "first_name": sender["first_name"], "type": "private"}
        if "username" in sender:
            private["username"] = sender["username"]
        return private
    group_id = DEFAULT_CHAT_IDS[chat_type] if chat_id is None else chat_id
    if group_id >= 0:
        raise ValueError("group and supergroup chat ids are negative")
    return {"id": group_id, "title": GROUP_TITLE, "type": chat_type}


def channel(channel_id: int) -> dict[str, Any]:
    """A channel as it appears in ``sender_chat`` when someone posts in a group on its behalf."""
    if channel_id >= 0:
        raise ValueError("channel ids are negative")
    return {"id": channel_id, "title": CHANNEL_TITLE, "type": "channel"}


def poll_content(poll_id: str, question: str, options: list[str], *, older_server: bool = False) -> dict[str, Any]:
    """A regular anonymous poll; ``older_server`` leaves out what Bot API 9.6 and 10.0 added (the
    options' ``persistent_id``, ``allows_revoting``, ``members_only``), as older self-hosted Bot API
    servers still send it. python-telegram-bot 22.8 refuses to parse such a poll."""
    poll_options = []
    for number, text in enumerate(options):
        option: dict[str, Any] = {"text": text, "voter_count": 0}
        if not older_server:
            option["persistent_id"] = str(number)
        poll_options.append(option)
    poll: dict[str, Any] = {
        "id": poll_id,
        "question": question,
        "options": poll_options,
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    if not older_server:
        poll.update(allows_revoting=False, members_only=False)
    return {"poll": poll}


def text_content(text: str, key: str = "text") -> dict[str, Any]:
    """``text`` (or ``caption``) with the entities Telegram detects in what a user typed."""
    found = [("bot_command", match) for match in _BOT_COMMAND.finditer(text)]
    found += [("mention", match) for match in _MENTION.finditer(text)]
    entities = [
        {
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group()),
            "type": entity_type,
        }
        for entity_type, match in sorted(found, key=lambda item: item[1].start())
    ]
    content: dict[str, Any] = {key: text}
    if entities:
        content["entities" if key == "text" else "caption_entities"] = entities
    return content
