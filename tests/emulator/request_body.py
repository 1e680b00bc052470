"""Decoding of Bot API requests: query string plus an urlencoded, multipart or JSON body.

Telegram reads every parameter as a string and interprets it per field, so form posts carry
nested objects (reply_markup, results, commands, entities, ...) as JSON text. The decoder turns
them into what a test wants to assert on: objects for JSON fields, ints for ids, bools for flags,
and uploaded files with their name and bytes.
"""

import json
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from typing import Any
from urllib.parse import parse_qsl

_JSON_FIELDS = frozenset(
    "allowed_updates button caption_entities commands entities link_preview_options media "
    "reply_markup reply_parameters results scope".split()
)
_INTEGER_FIELDS = frozenset(
    "cache_time chat_id duration from_chat_id limit max_connections message_id "
    "message_thread_id offset reply_to_message_id timeout user_id".split()
)
_BOOLEAN_FIELDS = frozenset(
    "allow_sending_without_reply disable_content_type_detection disable_notification "
    "disable_web_page_preview drop_pending_updates is_personal protect_content "
    "show_alert".split()
)
_UNPARSABLE_JSON = {
    "reply_markup": "can't parse reply keyboard markup JSON object",
    "entities": "can't parse entities JSON object",
}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, kept whole so tests can assert on what was sent."""

    filename: str
    content: bytes
    content_type: str


class MalformedRequest(ValueError):
    """A parameter Telegram could not parse; the message is the Bot API error description."""


def decode_request(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """All parameters of one request, typed per field the way the Bot API interprets them."""
    header = Message()
    header["content-type"] = content_type or "application/x-www-form-urlencoded"
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    mime_type = header.get_content_type()
    if mime_type == "application/json" and body:
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise MalformedRequest("Bad Request: request body must be a JSON object")
        raw.update(decoded)
    elif mime_type == "multipart/form-data":
        raw.update(_decode_multipart(body, str(header.get_param("boundary"))))
    elif body:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {name: _typed(name, _attached(value, raw)) for name, value in raw.items()}


def _decode_multipart(body: bytes, boundary: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for part in body.split(b"--" + boundary.encode("ascii"))[1:-1]:
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = HeaderParser().parsestr(head.decode("utf-8"))
        name = headers.get_param("name", header="content-disposition")
        filename = headers.get_filename()
        if filename is None:
            fields[str(name)] = content.decode("utf-8")
        else:
            fields[str(name)] = UploadedFile(filename, content, headers.get_content_type())
    return fields


def _attached(value: Any, raw: dict[str, Any]) -> Any:
    """Resolve an ``attach://name`` reference to the uploaded part it names."""
    if isinstance(value, str) and value.startswith("attach://"):
        return raw.get(value.removeprefix("attach://"), value)
    return value


def _typed(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            reason = _UNPARSABLE_JSON.get(name, f"can't parse {name} JSON object")
            raise MalformedRequest(f"Bad Request: {reason}") from error
    if name in _INTEGER_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if name in _BOOLEAN_FIELDS:
        return value.lower() in ("true", "1")
    return value
