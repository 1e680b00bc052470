"""The Bot API methods a bot calls to talk to users, with Telegram's validation and errors.

Each method takes the decoded parameters and returns the ``result`` Telegram would send, or
raises ApiError with Telegram's status and description. Update delivery (getUpdates and the
webhook methods) lives in ``delivery``; this module is the bot's side of the conversation.
"""

import json
import re
import secrets
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from tests.emulator.conversations import Conversations
from tests.emulator.request_body import UploadedFile
from tests.emulator.telegram_html import FormattedText, HtmlParseError, parse_html, utf16_length

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_LIMIT = 64
INLINE_RESULTS_LIMIT = 50
COMMANDS_LIMIT = 100
QUERY_ID_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
NEXT_OFFSET_LIMIT = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
_BUTTON_ACTIONS = frozenset(
    "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay".split()
)
_INLINE_RESULT_TYPES = frozenset(
    "article audio contact game document gif location mpeg4_gif photo venue video voice sticker".split()
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BAD_BUTTON = "can't parse inline keyboard button"


class ApiError(Exception):
    """A failed Bot API call: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class BotApi:
    """Messaging, keyboards, queries and commands of one bot, over shared Conversations."""

    def __init__(self, bot_user: dict[str, Any], conversations: Conversations) -> None:
        self.bot_user = bot_user
        self.conversations = conversations
        self._open_callback_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self._documents: dict[str, dict[str, Any]] = {}
        self._file_contents: dict[str, bytes] = {}
        self._commands: dict[str, list[dict[str, str]]] = {}

    def methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        """Handlers by the Bot API's method name."""
        return {
            "getMe": self.get_me,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "sendDocument": self.send_document,
            "getFile": self.get_file,
            "sendChatAction": self.send_chat_action,
            "answerCallbackQuery": self.answer_callback_query,
            "answerInlineQuery": self.answer_inline_query,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "close": lambda params: True,
            "logOut": lambda params: True,
        }

    def open_callback_query(self) -> str:
        """A new callback query id that the bot must answer exactly once."""
        query_id = str(secrets.randbits(62))
        self._open_callback_queries.add(query_id)
        return query_id

    def open_inline_query(self) -> str:
        """A new inline query id that the bot may answer exactly once."""
        query_id = str(secrets.randbits(62))
        self._open_inline_queries.add(query_id)
        return query_id

    def remember_document(self, document: dict[str, Any], content: bytes | None = None) -> None:
        """Accept the document's file_id in later sends, as Telegram does for files it has; keep its bytes."""
        self._documents[document["file_id"]] = document
        if content is not None:
            self._file_contents[document["file_id"]] = content

    def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """A file the bot may download: its path under the file URL, as Telegram gives it."""
        file_id = params.get("file_id")
        if file_id not in self._file_contents:
            raise bad_request("invalid file_id")
        document = self._documents[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": document["file_unique_id"],
            "file_size": len(self._file_contents[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def file_content(self, file_path: str) -> bytes | None:
        """The bytes behind a `file_path` that getFile gave out."""
        return self._file_contents.get(file_path.removeprefix("documents/"))

    def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        formatted = _formatted_text(
            params.get("text", ""),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MESSAGE_LIMIT,
            too_long="message is too long",
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        markup = _inline_keyboard(params.get("reply_markup"))
        reply_to = self._replied_message(chat, params)
        content = _text_fields(formatted, "text")
        if markup is not None:
            content["reply_markup"] = markup
        return self.conversations.post(chat, self.bot_user, content, reply_to)

    def edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        formatted = _formatted_text(
            params.get("text", ""),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MESSAGE_LIMIT,
            too_long="MESSAGE_TOO_LONG",
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        markup = _inline_keyboard(params.get("reply_markup"))
        if "inline_message_id" in params:
            return True
        message = self._editable_message(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        edited = {k: v for k, v in message.items() if k not in ("entities", "reply_markup")}
        edited.update(_text_fields(formatted, "text"))
        if markup is not None:
            edited["reply_markup"] = markup
        return self._store_edit(message, edited)

    def edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = _inline_keyboard(params.get("reply_markup"))
        if "inline_message_id" in params:
            return True
        message = self._editable_message(params)
        edited = {key: value for key, value in message.items() if key != "reply_markup"}
        if markup is not None:
            edited["reply_markup"] = markup
        return self._store_edit(message, edited)

    def send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        document = self._document(params.get("document"))
        content: dict[str, Any] = {"document": document}
        caption = _formatted_text(
            params.get("caption", ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            too_long="message caption is too long",
        )
        if caption.text:
            content.update(_text_fields(caption, "caption"))
        markup = _inline_keyboard(params.get("reply_markup"))
        if markup is not None:
            content["reply_markup"] = markup
        reply_to = self._replied_message(chat, params)
        return self.conversations.post(chat, self.bot_user, content, reply_to)

    def send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callback_queries:
            raise ApiError(400, QUERY_ID_INVALID)
        if utf16_length(params.get("text", "")) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(query_id)
        return True

    def answer_inline_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id", ""))
        if query_id not in self._open_inline_queries:
            raise ApiError(400, QUERY_ID_INVALID)
        results = params.get("results", [])
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad_request("RESULTS_TOO_MUCH")
        result_ids = [_checked_inline_result(result) for result in results]
        if len(set(result_ids)) != len(result_ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        if len(str(params.get("next_offset", "")).encode("utf-8")) > NEXT_OFFSET_LIMIT:
            raise bad_request("NEXT_OFFSET_INVALID")
        self.inline_answers[query_id] = results
        self._open_inline_queries.discard(query_id)
        return True

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands", [])
        if not isinstance(commands, list) or len(commands) > COMMANDS_LIMIT:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(command.get("description", "").strip()) <= 256):
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[_commands_key(params)] = [
            {"command": command["command"], "description": command["description"]} for command in commands
        ]
        return True

    def get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self._commands.get(_commands_key(params), [])

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self.conversations.chat(params["chat_id"])
        if chat is None and str(params["chat_id"]).isdigit() and self.conversations.knows_user(int(params["chat_id"])):
            raise ApiError(403, CANT_INITIATE)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _replied_message(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
        """The message a send replies to (reply_parameters or the older reply_to_message_id)."""
        reply = {**params, **(params.get("reply_parameters") or {})}
        message_id = reply.get("message_id", reply.get("reply_to_message_id"))
        if message_id is None:
            return None
        replied = self.conversations.message(chat["id"], int(message_id))
        if replied is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return replied

    def _editable_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        message = self.conversations.message(chat["id"], int(params["message_id"]))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _store_edit(self, message: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
        if _without_edit_date(edited) == _without_edit_date(message):
            raise ApiError(400, NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self.conversations.replace(edited)
        return edited

    def _document(self, document: Any) -> dict[str, Any]:
        """The Document object for an upload, a URL or the file_id of a known document."""
        if isinstance(document, UploadedFile):
            stored = {
                "file_name": document.filename,
                "mime_type": document.content_type,
                **self.conversations.new_file_ids("document"),
                "file_size": len(document.content),
            }
        elif isinstance(document, str) and document.startswith(("http://", "https://")):
            stored = {
                "file_name": PurePosixPath(document).name,
                **self.conversations.new_file_ids("document"),
            }
        elif isinstance(document, str) and document in self._documents:
            return self._documents[document]
        elif document:
            raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise bad_request("there is no document in the request")
        self.remember_document(stored)
        return stored


def _without_edit_date(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "edit_date"}


def _parsed(text: Any, parse_mode: str | None, entities: Any) -> FormattedText:
    """Apply the parse mode; only HTML is emulated, so other modes fail loudly, not silently."""
    if not isinstance(text, str):
        text = json.dumps(text)
    if not parse_mode:
        return FormattedText(text, list(entities or []))
    if parse_mode.lower() == "html":
        return parse_html(text)
    if parse_mode.lower() in ("markdown", "markdownv2"):
        raise bad_request(f"telegram_emulator does not implement parse_mode {parse_mode}")
    raise bad_request("unsupported parse_mode")


def _trimmed(formatted: FormattedText) -> FormattedText:
    """Strip surrounding whitespace as Telegram does, moving entities with the text."""
    left_stripped = formatted.text.lstrip()
    shift = utf16_length(formatted.text) - utf16_length(left_stripped)
    text = left_stripped.rstrip()
    end = utf16_length(text)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(text, entities)


def _formatted_text(text: Any, parse_mode: str | None, entities: Any, *, limit: int, too_long: str) -> FormattedText:
    """Text as Telegram stores it (parsed and trimmed), refused when it exceeds ``limit``."""
    try:
        formatted = _trimmed(_parsed(text, parse_mode, entities))
    except HtmlParseError as error:
        raise bad_request(f"can't parse entities: {error}") from error
    if utf16_length(formatted.text) > limit:
        raise bad_request(too_long)
    return formatted


def _text_fields(formatted: FormattedText, key: str) -> dict[str, Any]:
    fields: dict[str, Any] = {key: formatted.text}
    if formatted.entities:
        fields["entities" if key == "text" else "caption_entities"] = formatted.entities
    return fields


def _inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The validated inline keyboard to echo in the message; other keyboards are not echoed."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request(f'{_BAD_BUTTON}: Field "text" must be of type String')
        if not _BUTTON_ACTIONS & button.keys():
            raise bad_request(f"{_BAD_BUTTON}: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button and not (
            1 <= len(str(button["callback_data"]).encode("utf-8")) <= CALLBACK_DATA_LIMIT
        ):
            raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows}


def _checked_inline_result(result: Any) -> str:
    """Validate one InlineQueryResult like Telegram and return its id."""
    if not isinstance(result, dict):
        raise bad_request("can't parse inline query result: expected an Object")
    result_type = result.get("type", "")
    if result_type not in _INLINE_RESULT_TYPES:
        raise bad_request(
            f'can\'t parse inline query result: type "{result_type}" is unsupported for the inline query result'
        )
    result_id = str(result.get("id", ""))
    if not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    _inline_keyboard(result.get("reply_markup"))
    content = result.get("input_message_content")
    if result_type == "article" and not isinstance(content, dict):
        raise bad_request('can\'t parse inline query result: Field "input_message_content" must be of type Object')
    if isinstance(content, dict) and "message_text" in content:
        try:
            formatted = _trimmed(_parsed(content["message_text"], content.get("parse_mode"), content.get("entities")))
        except HtmlParseError as error:
            raise bad_request(f"can't parse inline query result: Can't parse entities: {error}") from error
        if not formatted.text:
            raise bad_request("can't parse inline query result: Message text is empty")
        if utf16_length(formatted.text) > MESSAGE_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
    return result_id


def _commands_key(params: dict[str, Any]) -> str:
    """Commands are stored per scope and language, as setMyCommands documents."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code", "")], sort_keys=True)
