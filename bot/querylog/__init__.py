"""The query log: every question the bot receives, for moderation and for improving answers."""

from bot.querylog.database_url import InvalidDatabaseURL
from bot.querylog.pseudonym import ReaderPseudonyms
from bot.querylog.query_log import QueryLog, WriterTuning
from bot.querylog.record import Channel, LoggedQuery, QueryRecord, ReviewStatus, Vote
from bot.querylog.record_id import is_record_id, new_record_id
from bot.querylog.settings import InvalidSetting, LogSettings, settings_from_env
from bot.querylog.stats import LogStats, PeriodStats

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
