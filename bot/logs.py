"""Log output for long-running commands, with secrets replaced before anything is written."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks every secret: messages, arguments and tracebacks alike."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret in `text`."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def configure_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """Human-readable lines on stderr; httpx's per-request lines (they carry the token in the URL) are quieted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
