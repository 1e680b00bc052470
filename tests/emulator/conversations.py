"""The chats the emulated bot is in and every message in them, as Telegram's server keeps them.

Messages are stored so the bot can only reply to, edit or attach buttons to messages that
exist, and so callback queries carry the message as it currently looks (after edits).
"""

import copy
import itertools
import time
from typing import Any


class Conversations:
    """Chats by id and their messages; message ids count up per chat like Telegram's."""

    def __init__(self) -> None:
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: set[int] = set()
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._file_ids = itertools.count(1)

    def add_chat(self, chat: dict[str, Any]) -> None:
        self._chats[chat["id"]] = chat

    def add_user(self, user_id: int) -> None:
        """A user the bot has seen somewhere, in a private chat with it or not."""
        self._users.add(user_id)

    def knows_user(self, user_id: int) -> bool:
        return user_id in self._users

    def chat(self, chat_id: int | str) -> dict[str, Any] | None:
        """A known chat by numeric id or by ``@username``, as the Bot API accepts either."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            return next(
                (chat for chat in self._chats.values() if chat.get("username") == chat_id[1:]),
                None,
            )
        try:
            return self._chats.get(int(chat_id))
        except ValueError:
            return None

    def post(
        self,
        chat: dict[str, Any],
        sender: dict[str, Any],
        content: dict[str, Any],
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a new message in ``chat`` and return a copy of it as the Bot API shows it."""
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = {key: value for key, value in reply_to.items() if key != "reply_to_message"}
        message.update(content)
        self._messages[chat["id"], message_id] = message
        return copy.deepcopy(message)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        stored = self._messages.get((chat_id, message_id))
        return copy.deepcopy(stored) if stored is not None else None

    def replace(self, message: dict[str, Any]) -> None:
        """Store a changed (edited) version of an existing message."""
        self._messages[message["chat"]["id"], message["message_id"]] = copy.deepcopy(message)

    def sent_by(self, user_id: int) -> list[dict[str, Any]]:
        """Messages from ``user_id`` in the order they were posted, as they look now."""
        return [copy.deepcopy(m) for m in self._messages.values() if m["from"]["id"] == user_id]

    def new_file_ids(self, kind: str) -> dict[str, str]:
        """A fresh ``file_id``/``file_unique_id`` pair for a stored file."""
        number = next(self._file_ids)
        return {"file_id": f"emu-{kind}-{number:06d}", "file_unique_id": f"emu{number:06d}"}
