"""A Telegram Bot API emulator for testing quotebot against something that behaves like Telegram.

It serves ``/bot<token>/<method>`` on 127.0.0.1 from a background thread, so it works both for a
bot running in the test's own event loop and for a bot in another process or container. Point
python-telegram-bot at it with ``base_url=emulator.base_url``. Tests play the users: they inject
messages, button presses and inline queries, then wait for and inspect the bot's calls.

    with TelegramEmulator() as emulator:
        application = ApplicationBuilder().token(emulator.token).base_url(emulator.base_url)...
        emulator.send_text("/start")
        reply = await emulator.wait_for("sendMessage")

Standalone, for a bot in a container: ``python -m tests.telegram_emulator --port 8081 --ask
"What were Putin's three demands?"`` prints the base URL, injects the question and prints the
bot's reply as JSON (exit 1 if none arrives in time).
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from tests.emulator import updates
from tests.emulator.bot_api import ApiError, BotApi
from tests.emulator.conversations import Conversations
from tests.emulator.delivery import UpdateDelivery, WebhookDelivery
from tests.emulator.request_body import MalformedRequest, UploadedFile, decode_request
from tests.emulator.updates import DEFAULT_FIRST_NAME, DEFAULT_USER_ID, ChatType

__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "RecordedCall",
    "TelegramEmulator",
    "UploadedFile",
    "WebhookDelivery",
]

DEFAULT_TOKEN = "7000000001:AAHemulatedTokenForQuotebotTests0000"
BOT_USERNAME = "quotebot_test_bot"
BOT_FIRST_NAME = "Quotebot Test"
_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<file_path>.+)")
_WAIT_STEP = 0.01
_SHUTDOWN_POLL = 0.05

T = TypeVar("T")


@dataclass(frozen=True)
class RecordedCall:
    """One Bot API request and Telegram's answer; ``status`` is None for a dropped connection."""

    method: str
    params: dict[str, Any]
    status: int | None
    response: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.response is not None and self.response["ok"]

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call, e.g. the Message a sendMessage created."""
        if self.response is None or not self.response["ok"]:
            raise AssertionError(f"{self.method} failed: {self.response}")
        return self.response["result"]


@dataclass(frozen=True)
class _Fault:
    """A planned failure: an error answer, or ``error=None`` to drop the connection."""

    error: ApiError | None


class TelegramEmulator:
    """The Bot API server, its users and a record of everything the bot asked of it."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = BOT_USERNAME,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("a bot token looks like Telegram's: '<bot id>:<secret>'")
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id),
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": bot_username,
        }
        self._state = threading.Condition()
        self._conversations = Conversations()
        self._api = BotApi(self.bot_user, self._conversations)
        self._delivery = UpdateDelivery(self._state)
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            **self._api.methods(),
            "getUpdates": self._delivery.get_updates,
            "setWebhook": self._delivery.set_webhook,
            "deleteWebhook": self._delivery.delete_webhook,
            "getWebhookInfo": self._delivery.webhook_info,
        }
        self._method_names = {name.lower(): name for name in self._methods}
        self._calls: list[RecordedCall] = []
        self._returned_calls: set[int] = set()
        self._returned_deliveries: set[int] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._random_faults: tuple[set[str], float, random.Random] = (set(), 0.0, random.Random())
        self._partitioned = False
        self._partitions = 0
        self._outage = False
        self._chat_instances = itertools.count(1)
        self._inline_messages: dict[str, dict[str, Any]] = {}
        self._host = host
        self._server = _EmulatorServer((host, port), self)
        self._serving = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL},
            name="telegram-emulator",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        """python-telegram-bot's ``base_url``: the token is appended to it."""
        return f"http://{self._host}:{self._server.server_port}/bot"

    @property
    def base_file_url(self) -> str:
        """python-telegram-bot's ``base_file_url``: documents sent with ``content`` can be downloaded."""
        return self.base_url.removesuffix("/bot") + "/file/bot"

    def start(self) -> "TelegramEmulator":
        self._serving.start()
        return self

    def stop(self) -> None:
        """Release waiting long polls, stop serving and stop the webhook worker."""
        self._delivery.close()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "TelegramEmulator":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Users' side: each returns the update it injected.

    def send_text(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        reply_to_message_id: int | None = None,
        first_name: str = DEFAULT_FIRST_NAME,
        username: str | None = None,
        language_code: str | None = "en",
        anonymous_admin: bool = False,
        as_channel: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text``; /commands and @mentions get the entities Telegram adds.

        In a group, ``anonymous_admin`` sends it as an anonymous admin (``from`` is
        GroupAnonymousBot, ``sender_chat`` the group) and ``as_channel`` on behalf of that channel
        (``from`` is Channel_Bot, ``sender_chat`` the channel), as Telegram shows such posts.
        """
        if (anonymous_admin or as_channel is not None) and chat_type == "private":
            raise ValueError("only group messages can be sent as an anonymous admin or a channel")
        return self._user_message(
            updates.text_content(text),
            user_id,
            chat_id,
            chat_type,
            reply_to_message_id,
            first_name,
            username,
            language_code,
            sender_chat="group" if anonymous_admin else as_channel,
        )

    def send_poll(
        self,
        question: str = "Which source next?",
        options: tuple[str, ...] = ("Le Monde", "Reuters"),
        *,
        older_server: bool = False,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> dict[str, Any]:
        """A user sends a poll; ``older_server`` sends it as Bot API servers before 9.6 did."""
        poll_id = self._conversations.new_file_ids("poll")["file_unique_id"]
        content = updates.poll_content(poll_id, question, list(options), older_server=older_server)
        return self._user_message(content, user_id, chat_id, chat_type, None, first_name, None)

    def send_sticker(
        self,
        emoji: str = "👍",
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> dict[str, Any]:
        sticker = {
            **self._conversations.new_file_ids("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message({"sticker": sticker}, user_id, chat_id, chat_type, None, first_name, None)

    def send_photo(
        self,
        caption: str | None = None,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> dict[str, Any]:
        sizes = [
            {
                **self._conversations.new_file_ids("photo"),
                "width": side,
                "height": side,
                "file_size": side * 40,
            }
            for side in (90, 320, 800)
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content.update(updates.text_content(caption, "caption"))
        return self._user_message(content, user_id, chat_id, chat_type, None, first_name, None)

    def send_voice(
        self,
        duration: int = 3,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> dict[str, Any]:
        voice = {
            **self._conversations.new_file_ids("voice"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 2000,
        }
        return self._user_message({"voice": voice}, user_id, chat_id, chat_type, None, first_name, None)

    def send_document(
        self,
        file_name: str = "notes.txt",
        *,
        content: bytes | None = None,
        mime_type: str = "text/plain",
        caption: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        first_name: str = DEFAULT_FIRST_NAME,
    ) -> dict[str, Any]:
        document = {
            "file_name": file_name,
            "mime_type": mime_type,
            **self._conversations.new_file_ids("document"),
            "file_size": 1024 if content is None else len(content),
        }
        message: dict[str, Any] = {"document": document}
        if caption is not None:
            message.update(updates.text_content(caption, "caption"))
        with self._state:
            self._api.remember_document(document, content)
        return self._user_message(message, user_id, chat_id, chat_type, None, first_name, None)

    def edit_text(self, message: dict[str, Any], new_text: str) -> dict[str, Any]:
        """The user edits a text message they sent earlier (an ``edited_message`` update)."""
        with self._state:
            stored = self._conversations.message(message["chat"]["id"], message["message_id"])
            if stored is None or stored["from"]["id"] == self.bot_user["id"]:
                raise ValueError("only a message a user sent through the emulator can be edited")
            edited = {k: v for k, v in stored.items() if k not in ("text", "entities")}
            edited.update(updates.text_content(new_text))
            edited["edit_date"] = int(time.time())
            self._conversations.replace(edited)
            return self._delivery.push({"edited_message": edited})

    def press_button(
        self,
        message: dict[str, Any],
        callback_data: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        forged: bool = False,
    ) -> dict[str, Any]:
        """A user presses the inline button with ``callback_data`` under the bot's ``message``.

        ``message`` is a message the bot sent, or an inline message from ``choose_inline_result``
        (the query then carries its ``inline_message_id`` and no ``message``, as Telegram's does).
        ``forged`` sends data no button offers, as a modified client can.
        """
        with self._state:
            query: dict[str, Any] = {
                "id": self._api.open_callback_query(),
                "from": updates.user(user_id, first_name),
                "chat_instance": str(next(self._chat_instances)),
                "data": callback_data,
            }
            if "inline_message_id" in message:
                current = self._inline_messages.get(message["inline_message_id"])
                if current is None:
                    raise ValueError("no such inline message in the emulator")
                query["inline_message_id"] = message["inline_message_id"]
            else:
                current = self._conversations.message(message["chat"]["id"], message["message_id"])
                if current is None:
                    raise ValueError("the message is not in the emulator's chats")
                query["message"] = current
            keyboard = current.get("reply_markup", {}).get("inline_keyboard", [])
            offered = [button.get("callback_data") for row in keyboard for button in row]
            if callback_data not in offered and not forged:
                raise ValueError(f"no button with callback_data {callback_data!r}; offered: {offered}")
            self._conversations.add_user(user_id)
            return self._delivery.push({"callback_query": query})

    def choose_inline_result(self, answer: RecordedCall, result_id: str) -> dict[str, Any]:
        """The user picks a result the bot offered in ``answer`` (its answerInlineQuery call):
        Telegram posts it as an inline message, which the bot knows only by its id."""
        if answer.method != "answerInlineQuery" or not answer.ok:
            raise ValueError("choose a result from a successful answerInlineQuery call")
        [result] = [r for r in answer.params["results"] if str(r["id"]) == result_id]
        inline = {"inline_message_id": f"emu-inline-{next(self._chat_instances):06d}"}
        if "reply_markup" in result:
            inline["reply_markup"] = result["reply_markup"]
        with self._state:
            self._inline_messages[inline["inline_message_id"]] = inline
        return dict(inline)

    def inline_query(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = DEFAULT_FIRST_NAME,
        offset: str = "",
    ) -> dict[str, Any]:
        """A user types ``@bot query`` in some chat (an ``inline_query`` update)."""
        with self._state:
            inline = {
                "id": self._api.open_inline_query(),
                "from": updates.user(user_id, first_name),
                "query": query,
                "offset": offset,
                "chat_type": "sender",
            }
            return self._delivery.push({"inline_query": inline})

    def forged_webhook_secret(self, secret_token: str | None) -> contextlib.AbstractContextManager[None]:
        """Within the block, injected updates reach the webhook with this secret header instead
        of the registered one (None sends no header): what a forged request looks like."""
        return self._delivery.forged_secret(secret_token)

    # The bot's side, as recorded.

    @property
    def calls(self) -> list[RecordedCall]:
        """Every request the bot made, in order, with Telegram's answer."""
        with self._state:
            return list(self._calls)

    def transcript(self) -> str:
        """The calls as readable lines, for assertion messages and debugging."""
        lines = []
        for call in self.calls:
            outcome = "dropped" if call.response is None else json.dumps(call.response, default=repr)
            params = json.dumps(call.params, default=repr, ensure_ascii=False)
            lines.append(f"{call.method} {params} -> {call.status} {outcome}")
        return "\n".join(lines)

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (optionally to one chat), in order, as they look after edits."""
        with self._state:
            sent = self._conversations.sent_by(self.bot_user["id"])
        return [m for m in sent if chat_id is None or m["chat"]["id"] == chat_id]

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return self._delivery.deliveries

    @property
    def is_long_polling(self) -> bool:
        return self._delivery.is_long_polling

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> RecordedCall:
        """The earliest matching call that no earlier wait_for returned; waits without blocking
        the event loop, so a bot running in the same loop keeps working meanwhile."""
        return await self._await(lambda: self._take_call(method, predicate), timeout, method)

    def wait_for_sync(
        self,
        method: str | tuple[str, ...],
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,
    ) -> RecordedCall:
        """wait_for for code outside an event loop (the bot runs in another thread or process); ``method``
        may name several methods, any of which matches."""
        deadline = time.monotonic() + timeout
        with self._state:
            while (call := self._take_call(method, predicate)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        self._nothing_matched(" or ".join(method) if isinstance(method, tuple) else method, timeout)
                    )
                self._state.wait(remaining)
            return call

    async def wait_for_delivery(self, update_id: int, timeout: float = 5.0) -> WebhookDelivery:
        """The webhook POST of the injected update ``update_id`` once the bot has answered it."""
        return await self._await(lambda: self._take_delivery(update_id), timeout, "webhook delivery")

    async def wait_for_long_poll(self, timeout: float = 5.0) -> None:
        """Return once a getUpdates call is waiting in the emulator."""
        await self._await(lambda: True if self.is_long_polling else None, timeout, "long poll")

    # Faults.

    def fail_next(
        self,
        method: str,
        status: int = 429,
        description: str = "Too Many Requests: retry after 1",
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error, before doing anything;
        ``retry_after`` is sent (as Telegram does) only with status 429."""
        error = ApiError(status, description, retry_after if status == 429 else None)
        self._plan(method, _Fault(error), times)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` without answering."""
        self._plan(method, _Fault(None), times)

    def inject_faults(self, methods: tuple[str, ...], rate: float, seed: int = 0) -> None:
        """From now on a share ``rate`` of the calls of ``methods`` fail before anything is done, drawn
        from a seeded generator: 502 Bad Gateway, 500, a dropped connection, or 429 with retry_after 1."""
        names = {self._method_names[method.lower()] for method in methods}
        with self._state:
            self._random_faults = (names, rate, random.Random(seed))

    @contextlib.contextmanager
    def partition(self) -> Iterator[None]:
        """Cut the bot off from Telegram for the block: its requests (a long poll already waiting
        included) reach nothing and get no answer; when the block ends they are dropped unprocessed,
        as requests into a dead network are. Requests answered before the cut keep their answers."""
        with self._state:
            self._partitioned = True
            self._partitions += 1
            self._delivery.hold = True
        try:
            yield
        finally:
            with self._state:
                self._partitioned = False
                self._delivery.hold = False
                self._state.notify_all()

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """The Bot API goes away for the block: every request's connection is closed unanswered."""
        with self._state:
            self._outage = True
        try:
            yield
        finally:
            with self._state:
                self._outage = False

    # Serving.

    def download(self, path: str) -> bytes | None:
        """The bytes of ``/file/bot<token>/<file_path>``, or None (404)."""
        match = _FILE_PATH.fullmatch(unquote(urlsplit(path).path))
        if match is None or match["token"] != self.token:
            return None
        with self._state:
            return self._api.file_content(match["file_path"])

    def answer_request(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]] | None:
        """Answer and record one HTTP request: (status, JSON body), or None to drop it."""
        parts = urlsplit(path)
        match = _PATH.fullmatch(parts.path)
        method = parts.path if match is None else self._method_names.get(match["method"].lower(), match["method"])
        params: dict[str, Any] = {}
        answer: tuple[int, dict[str, Any]] | None
        try:
            if match is None:
                raise ApiError(404, "Not Found")
            params = decode_request(content_type, body, parts.query)
            answer = 200, {"ok": True, "result": self._call(match["token"], method, params)}
        except ApiError as error:
            answer = error.status, error.response()
        except ValueError as error:
            description = str(error) if isinstance(error, MalformedRequest) else f"Bad Request: {error}"
            answer = 400, ApiError(400, description).response()
        except _Dropped:
            answer = None
        except Exception as error:  # an emulator bug: answer it visibly instead of hanging up
            failure = f"Internal Server Error: telegram_emulator failed: {error!r}"
            answer = 500, ApiError(500, failure).response()
        with self._state:
            if self._outage:
                answer = None
            status, response = answer if answer is not None else (None, None)
            self._calls.append(RecordedCall(method, params, status, response))
            self._state.notify_all()
        return answer

    def _call(self, token: str, method: str, params: dict[str, Any]) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if method not in self._methods:
            raise ApiError(404, "Not Found")
        with self._state:
            if self._partitioned:
                while self._partitioned:
                    self._state.wait()
                raise _Dropped
            if self._outage:
                raise _Dropped
            planned = self._faults.get(method)
            if planned:
                fault = planned.popleft()
                raise _Dropped if fault.error is None else fault.error
            names, rate, draw = self._random_faults
            if method in names and draw.random() < rate:
                error = draw.choice(_RANDOM_FAULTS)
                raise _Dropped if error is None else error
            partitions = self._partitions
            result = self._methods[method](params)
            if self._partitions != partitions:
                raise _Dropped
            return result

    def _plan(self, method: str, fault: _Fault, times: int) -> None:
        name = self._method_names.get(method.lower())
        if name is None:
            raise ValueError(f"{method} is not a method the emulator serves")
        with self._state:
            self._faults.setdefault(name, deque()).extend([fault] * times)

    def _user_message(
        self,
        content: dict[str, Any],
        user_id: int,
        chat_id: int | None,
        chat_type: ChatType,
        reply_to_message_id: int | None,
        first_name: str,
        username: str | None,
        language_code: str | None = "en",
        sender_chat: Literal["group"] | int | None = None,
    ) -> dict[str, Any]:
        person = updates.user(user_id, first_name, username, language_code)
        chat = updates.chat(chat_type, chat_id, person)
        if sender_chat == "group":
            sender, content = updates.GROUP_ANONYMOUS_BOT, {"sender_chat": chat, **content}
        elif sender_chat is not None:
            sender, content = updates.CHANNEL_BOT, {"sender_chat": updates.channel(sender_chat), **content}
        else:
            sender = person
        with self._state:
            self._conversations.add_chat(chat)
            self._conversations.add_user(user_id)
            reply_to = None
            if reply_to_message_id is not None:
                reply_to = self._conversations.message(chat["id"], reply_to_message_id)
                if reply_to is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat['id']}")
            message = self._conversations.post(chat, sender, content, reply_to)
            return self._delivery.push({"message": message})

    def _take_call(
        self, method: str | tuple[str, ...], predicate: Callable[[RecordedCall], bool] | None
    ) -> RecordedCall | None:
        methods = (method,) if isinstance(method, str) else method
        with self._state:
            for index, call in enumerate(self._calls):
                if index in self._returned_calls or call.method not in methods:
                    continue
                if predicate is None or predicate(call):
                    self._returned_calls.add(index)
                    return call
            return None

    def _take_delivery(self, update_id: int) -> WebhookDelivery | None:
        with self._state:
            for index, delivery in enumerate(self._delivery.deliveries):
                if index not in self._returned_deliveries and delivery.update["update_id"] == update_id:
                    self._returned_deliveries.add(index)
                    return delivery
            return None

    async def _await(self, find: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while (found := find()) is None:
            if time.monotonic() >= deadline:
                raise TimeoutError(self._nothing_matched(what, timeout))
            await asyncio.sleep(_WAIT_STEP)
        return found

    def _nothing_matched(self, what: str, timeout: float) -> str:
        return f"no matching {what} within {timeout}s; calls so far:\n{self.transcript()}"


class _Dropped(Exception):
    """A planned fault: the connection closes without an answer."""


_RANDOM_FAULTS: tuple[ApiError | None, ...] = (
    ApiError(502, "Bad Gateway"),
    ApiError(500, "Internal Server Error"),
    None,
    ApiError(429, "Too Many Requests: retry after 1", 1),
)


class _RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as python-telegram-bot's httpx client expects."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: "_EmulatorServer"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the emulator's transcript is the log."""

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/file/"):
            self._send_file(self.server.emulator.download(self.path))
            return
        answer = self.server.emulator.answer_request(self.path, self.headers.get("Content-Type", ""), body)
        if answer is None:
            self.close_connection = True
            return
        status, payload = answer
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_file(self, data: bytes | None) -> None:
        self.send_response(404 if data is None else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data or b"")))
        self.end_headers()
        self.wfile.write(data or b"")


class _EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: TelegramEmulator) -> None:
        super().__init__(address, _RequestHandler)
        self.emulator = emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A bot that hung up mid long-poll is normal; anything else is reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.telegram_emulator",
        description="Serve the Telegram Bot API emulator; optionally ask the bot questions.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--ask",
        action="append",
        default=[],
        metavar="QUESTION",
        help="send QUESTION as a private message and wait for the bot's reply (repeatable)",
    )
    parser.add_argument(
        "--script",
        type=argparse.FileType("r", encoding="utf-8"),
        help="a file of questions, one per line, asked in order after any --ask",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to wait for each reply",
    )
    parser.add_argument(
        "--language",
        default="en",
        metavar="CODE",
        help="the user's language_code, as their Telegram app sends it (default en)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Print the base URL, then serve until interrupted or ask the questions given."""
    arguments = _parse_arguments(argv)
    questions = list(arguments.ask)
    if arguments.script is not None:
        questions += [line.strip() for line in arguments.script if line.strip()]
    with TelegramEmulator(arguments.token, host=arguments.host, port=arguments.port) as emulator:
        print(emulator.base_url, flush=True)
        if not questions:
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
            return 0
        for question in questions:
            emulator.send_text(question, language_code=arguments.language)
            try:
                reply = emulator.wait_for_sync(_REPLY_METHODS, _is_private_reply, arguments.timeout)
            except TimeoutError as error:
                print(error, file=sys.stderr)
                return 1
            print(json.dumps({"question": question, **_shown(reply.result)}, ensure_ascii=False), flush=True)
    return 0


# A reply is a message or a file (/export answers with a CSV document), so a script never waits for the wrong one.
_REPLY_METHODS = ("sendMessage", "sendDocument")


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    """What the user sees of a reply: its text, or the file's name and caption."""
    if "document" in message:
        return {"document": message["document"].get("file_name"), "caption": message.get("caption", "")}
    return {"text": message["text"]}


def _is_private_reply(call: RecordedCall) -> bool:
    """A message the bot delivered to the standalone mode's one user."""
    return call.ok and call.result["chat"]["id"] == DEFAULT_USER_ID


if __name__ == "__main__":
    sys.exit(main())
