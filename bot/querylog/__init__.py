"""The query log: every question the bot receives, for moderation and for improving answers.

Names are loaded on first use (PEP 562), so `quotebot ask` and `quotebot chat` never pay for importing
SQLAlchemy and the database drivers.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.querylog.database_url import InvalidDatabaseURL
    from bot.querylog.pseudonym import ReaderPseudonyms
    from bot.querylog.query_log import QueryLog, WriterTuning
    from bot.querylog.record import Channel, LoggedQuery, QueryRecord, ReviewStatus, Vote
    from bot.querylog.record_id import is_record_id, new_record_id
    from bot.querylog.settings import InvalidSetting, LogSettings, settings_from_env
    from bot.querylog.stats import LogStats, PeriodStats

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

__all__ = [
    "Channel",
    "InvalidDatabaseURL",
    "InvalidSetting",
    "LogSettings",
    "LogStats",
    "LoggedQuery",
    "PeriodStats",
    "QueryLog",
    "QueryRecord",
    "ReaderPseudonyms",
    "ReviewStatus",
    "Vote",
    "WriterTuning",
    "is_record_id",
    "new_record_id",
    "settings_from_env",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.querylog' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
