"""Query-log configuration from the environment, with defaults that work with nothing set."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from bot.ops.data_dir import data_directory
from bot.querylog.database_url import default_sqlite_url, to_async_url

DEFAULT_RETENTION_DAYS = 90


class InvalidSetting(ValueError):
    """An environment variable has a value the log cannot use; the message says which."""


@dataclass(frozen=True, slots=True)
class LogSettings:
    """Where the log keeps its files and database, and how long it keeps records."""

    data_dir: Path
    database_url: URL
    retention_days: int
    secret: str | None

    def __repr__(self) -> str:
        return (
            f"LogSettings(data_dir={self.data_dir!r}, database_url=<redacted>, "
            f"retention_days={self.retention_days}, secret=<hidden>)"
        )


def _retention_days(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise InvalidSetting(f"QUOTEBOT_LOG_RETENTION_DAYS must be a whole number of days >= 1, got {raw!r}")
    return days


def settings_from_env(environ: Mapping[str, str] = os.environ) -> LogSettings:
    """Read QUOTEBOT_DATA_DIR, DATABASE_URL, DATABASE_PASSWORD, QUOTEBOT_LOG_RETENTION_DAYS and QUOTEBOT_LOG_SECRET."""
    data_dir = data_directory(environ)
    raw_url = environ.get("DATABASE_URL", "").strip()
    return LogSettings(
        data_dir=data_dir,
        database_url=(
            to_async_url(raw_url, environ.get("DATABASE_PASSWORD") or None) if raw_url else default_sqlite_url(data_dir)
        ),
        retention_days=_retention_days(environ.get("QUOTEBOT_LOG_RETENTION_DAYS")),
        secret=environ.get("QUOTEBOT_LOG_SECRET") or None,
    )
