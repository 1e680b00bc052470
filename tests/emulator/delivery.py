"""How updates reach the bot, the two ways Telegram offers: getUpdates long polling or a webhook.

Telegram keeps one queue of updates per bot. getUpdates returns the updates with
``update_id >= offset`` (a positive offset confirms, i.e. forgets, the older ones) and, when
there are none, waits up to ``timeout`` seconds. A newer waiting getUpdates terminates the older
one with 409 Conflict, which is how a second running instance of a bot shows up. While a
webhook is set, getUpdates is refused with 409 and each update is POSTed to the webhook URL,
one at a time, with the ``X-Telegram-Bot-Api-Secret-Token`` header.
"""

import contextlib
import json
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.emulator.bot_api import ApiError, bad_request

LONG_POLL_MAX_TIMEOUT = 50.0
WEBHOOK_TIMEOUT = 10.0
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
TERMINATED_BY_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
TERMINATED_BY_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
UPDATE_TYPES = frozenset(
    "message edited_message channel_post edited_channel_post business_connection "
    "business_message edited_business_message deleted_business_messages message_reaction "
    "message_reaction_count inline_query chosen_inline_result callback_query shipping_query "
    "pre_checkout_query purchased_paid_media poll poll_answer my_chat_member chat_member "
    "chat_join_request chat_boost removed_chat_boost".split()
)
DEFAULT_UPDATE_TYPES = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook and what the bot's server answered."""

    update: dict[str, Any]
    url: str
    secret_token: str | None
    status: int | None
    error: str | None


@dataclass(frozen=True)
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int


class UpdateDelivery:
    """The bot's update queue, its long pollers and its webhook, guarded by one condition."""

    def __init__(self, condition: threading.Condition) -> None:
        self._condition = condition
        self._pending: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._allowed = DEFAULT_UPDATE_TYPES
        self._poller: object | None = None
        self._terminated: dict[object, str] = {}
        self._webhook: _Webhook | None = None
        self._forged_secret: tuple[str | None] | None = None
        self._outbox: queue.Queue[tuple[dict[str, Any], str, str | None] | None] = queue.Queue()
        self._deliveries: list[WebhookDelivery] = []
        self._last_error: tuple[int, str] | None = None
        self._closed = False
        # While set (a network partition), a waiting long poll does not return, whatever arrives.
        self.hold = False
        self._worker = threading.Thread(target=self._deliver_forever, name="telegram-emulator-webhook", daemon=True)
        self._worker.start()

    @property
    def deliveries(self) -> list[WebhookDelivery]:
        with self._condition:
            return list(self._deliveries)

    @property
    def is_long_polling(self) -> bool:
        """Whether a getUpdates call is currently waiting for updates."""
        with self._condition:
            return self._poller is not None

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Give ``payload`` the next update_id and queue or POST it; returns the update."""
        with self._condition:
            self._last_update_id += 1
            update = {"update_id": self._last_update_id, **payload}
            if not self._allowed & update.keys():
                return update
            if self._webhook is not None:
                self._post_later(update, self._webhook)
            else:
                self._pending.append(update)
                self._condition.notify_all()
            return update

    @contextlib.contextmanager
    def forged_secret(self, secret_token: str | None) -> Iterator[None]:
        """POST updates queued inside the block with this secret header (None: no header)."""
        with self._condition:
            self._forged_secret = (secret_token,)
        try:
            yield
        finally:
            with self._condition:
                self._forged_secret = None

    def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._condition:
            if self._webhook is not None:
                raise ApiError(409, WEBHOOK_ACTIVE)
            offset = int(params.get("offset", 0))
            limit = min(max(int(params.get("limit", 100)), 1), 100)
            timeout = min(max(float(params.get("timeout", 0)), 0.0), LONG_POLL_MAX_TIMEOUT)
            self._allow(params.get("allowed_updates"))
            if offset > 0:
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
            elif offset < 0:
                self._pending = self._pending[offset:]
            if self._pending or timeout == 0:
                return self._pending[:limit]
            return self._long_poll(limit, time.monotonic() + timeout)

    def _long_poll(self, limit: int, deadline: float) -> list[dict[str, Any]]:
        ticket = object()
        self._terminate_poller(TERMINATED_BY_OTHER_POLL)
        self._poller = ticket
        try:
            while ticket not in self._terminated:
                remaining = deadline - time.monotonic()
                if (self._pending or self._closed or remaining <= 0) and not self.hold:
                    return self._pending[:limit]
                self._condition.wait(remaining if remaining > 0 else None)
            raise ApiError(409, self._terminated.pop(ticket))
        finally:
            if self._poller is ticket:
                self._poller = None

    def _terminate_poller(self, reason: str) -> None:
        if self._poller is not None:
            self._terminated[self._poller] = reason
            self._poller = None
            self._condition.notify_all()

    def set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url", "")
        if not url:
            return self.delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("invalid webhook URL specified")
        secret_token = params.get("secret_token") or None
        if secret_token is not None and len(secret_token) > 256:
            raise bad_request("secret token is too long")
        if secret_token is not None and not _SECRET_TOKEN.fullmatch(secret_token):
            raise bad_request("secret token contains unallowed characters")
        with self._condition:
            self._terminate_poller(TERMINATED_BY_SET_WEBHOOK)
            if params.get("drop_pending_updates"):
                self._pending.clear()
            self._allow(params.get("allowed_updates"))
            self._webhook = _Webhook(url, secret_token, int(params.get("max_connections", 40)))
            self._last_error = None
            for update in self._pending:
                self._post_later(update, self._webhook)
            self._pending.clear()
            return True

    def delete_webhook(self, params: dict[str, Any]) -> bool:
        with self._condition:
            self._webhook = None
            if params.get("drop_pending_updates"):
                self._pending.clear()
            return True

    def webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._condition:
            info: dict[str, Any] = {
                "url": self._webhook.url if self._webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending) + self._outbox.qsize(),
            }
            if self._webhook is not None:
                info["max_connections"] = self._webhook.max_connections
            if self._allowed != DEFAULT_UPDATE_TYPES:
                info["allowed_updates"] = sorted(self._allowed)
            if self._last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._last_error
            return info

    def close(self) -> None:
        """Release waiting pollers and stop the webhook worker."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        self._outbox.put(None)
        self._worker.join(timeout=WEBHOOK_TIMEOUT)

    def _allow(self, allowed_updates: Any) -> None:
        """Change the filter like Telegram: absent keeps it, [] or nothing known resets it."""
        if allowed_updates is None:
            return
        requested = UPDATE_TYPES & set(allowed_updates)
        self._allowed = frozenset(requested) or DEFAULT_UPDATE_TYPES

    def _post_later(self, update: dict[str, Any], webhook: _Webhook) -> None:
        forged = self._forged_secret
        secret_token = webhook.secret_token if forged is None else forged[0]
        self._outbox.put((update, webhook.url, secret_token))

    def _deliver_forever(self) -> None:
        while (job := self._outbox.get()) is not None:
            update, url, secret_token = job
            status, error = _post_update(url, update, secret_token)
            with self._condition:
                self._deliveries.append(WebhookDelivery(update, url, secret_token, status, error))
                if error is not None:
                    self._last_error = (int(time.time()), error)
                self._condition.notify_all()


def _post_update(url: str, update: dict[str, Any], secret_token: str | None) -> tuple[int | None, str | None]:
    """POST one update like Telegram; returns the HTTP status and Telegram's error text."""
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if secret_token is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret_token)
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, f"Wrong response from the webhook: {error.code} {error.reason}"
    except (urllib.error.URLError, OSError) as error:
        return None, str(getattr(error, "reason", error))
