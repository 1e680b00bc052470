"""The operators' HTTP port: /healthz for orchestrators, /metrics for Prometheus (served by tornado)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.ops.listening import listen
from bot.ops.metrics import Metrics


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Healthy when the corpus is indexed and the query log can take records (written or buffered);
    `status` says why not ("unhealthy", or "degraded" while Telegram is out of reach)."""

    healthy: bool
    details: dict[str, Any] = field(default_factory=dict)
    status: str = ""


class _Healthz(RequestHandler):
    def initialize(self, check: Callable[[], HealthReport]) -> None:
        self._check = check

    def get(self) -> None:
        report = self._check()
        self.set_status(200 if report.healthy else 503)
        self.set_header("Content-Type", "application/json")
        status = report.status or ("ok" if report.healthy else "unhealthy")
        self.finish(json.dumps({"status": status, **report.details}))


class _Metrics(RequestHandler):
    def initialize(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self._metrics.exposition())


def start_health_server(metrics: Metrics, check: Callable[[], HealthReport], port: int, host: str) -> HTTPServer:
    """Listen on host:port in the running event loop; the caller stops the returned server."""
    application = Application(
        [(r"/healthz", _Healthz, {"check": check}), (r"/metrics", _Metrics, {"metrics": metrics})],
        log_function=lambda handler: None,
    )
    return listen(
        application, port, host, "/healthz and /metrics", "set QUOTEBOT_METRICS_PORT to another port, or 0 for none"
    )
