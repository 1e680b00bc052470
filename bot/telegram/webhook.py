"""The webhook: Telegram POSTs each update here, and gets its 200 only once the update is journaled.

Telegram retries a POST that was not answered 200, so an update is never lost between its arrival
and the journal; a POST also waits while the intake is full, which is how a webhook slows
Telegram down (it sends at most `max_connections` at once). Served by tornado, like the health port.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.ops.listening import listen
from bot.telegram.intake import UpdateIntake

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Concurrent POSTs Telegram may make (its default is 40): the most updates waiting beyond the intake.
MAX_CONNECTIONS = 40


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where Telegram posts updates (the public URL) and where this process listens for them."""

    url: str
    secret: str
    port: int
    listen: str = "0.0.0.0"

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


class _Updates(RequestHandler):
    def initialize(self, intake: UpdateIntake, secret: str) -> None:
        self._intake = intake
        self._secret = secret

    async def post(self) -> None:
        offered = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(offered.encode(), self._secret.encode()):
            self.send_error(403)
            return
        try:
            raw = json.loads(self.request.body)
        except ValueError:
            self.send_error(400)
            return
        if not isinstance(raw, dict):
            self.send_error(400)
            return
        await self._intake.accept(raw)
        self.finish()


def start_webhook_server(webhook: Webhook, intake: UpdateIntake) -> HTTPServer:
    """Listen for Telegram's POSTs in the running event loop; the caller stops the returned server."""
    application = Application(
        [(f"/{webhook.path}", _Updates, {"intake": intake, "secret": webhook.secret})],
        log_function=lambda handler: None,
    )
    return listen(application, webhook.port, webhook.listen, "the webhook", "set PORT to another port")
