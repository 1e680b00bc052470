"""The query log: every question the bot receives, for moderation and for improving answers.

Names are loaded on first use (PEP 562), so `quotebot ask` and `quotebot chat` never pay for importing
SQLAlchemy and the database drivers.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "InvalidDatabaseURL": "bot.querylog.database_url",
    "ReaderPseudonyms": "bot.querylog.pseudonym",
    "QueryLog": "bot.querylog.query_log",
    "WriterTuning": "bot.querylog.query_log",
    "Channel": "bot.querylog.record",
    "LoggedQuery": "bot.querylog.record",
    "QueryRecord": "bot.querylog.record",
    "ReviewStatus": "bot.querylog.record",
    "Vote": "bot.querylog.record",
    "is_record_id": "bot.querylog.record_id",
    "new_record_id": "bot.querylog.record_id",
    "InvalidSetting": "bot.querylog.settings",
    "LogSettings": "bot.querylog.settings",
    "settings_from_env": "bot.querylog.settings",
    "LogStats": "bot.querylog.stats",
    "PeriodStats": "bot.querylog.stats",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.querylog' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
