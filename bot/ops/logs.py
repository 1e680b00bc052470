"""Log output for long-running commands, with secrets replaced before anything is written."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Human-readable lines; every secret is blanked in messages, arguments and tracebacks alike."""

    def __init__(self, secrets: Iterable[str], fmt: str = TEXT_FORMAT) -> None:
        super().__init__(fmt)
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


class JsonFormatter(RedactingFormatter):
    """One JSON object per line for log collectors, redacted the same way."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False), self._secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret in `text`."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def configure_logging(secrets: Iterable[str], log_format: str = "text", level: int = logging.INFO) -> None:
    """Log to stderr; httpx's per-request lines (they carry the token in the URL) and python-telegram-bot's
    started/stopping lines are quieted: quotebot says itself when it polls and when it stopped."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if log_format == "json" else RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram.ext.Application").setLevel(logging.WARNING)
