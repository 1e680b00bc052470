"""What the bot submits to the query log and what moderators read back from it."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from bot.querylog.record_id import is_record_id, new_record_id

_PSEUDONYM = re.compile(r"[0-9a-f]{32}")
CHAT_TYPE_MAX = 16
PASSAGE_ID_MAX = 200


class Channel(StrEnum):
    """Where the question reached the bot."""

    PRIVATE = "private"
    GROUP = "group"
    INLINE = "inline"


class Vote(StrEnum):
    """The reader's 👍/👎 on an answer."""

    UP = "up"
    DOWN = "down"


class ReviewStatus(StrEnum):
    """A moderator's verdict; every record starts as NEW."""

    NEW = "new"
    OK = "ok"
    FLAGGED = "flagged"


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def clean_text(text: str) -> str:
    """Drop NUL characters: PostgreSQL text cannot hold them, and a record must never be refused."""
    return text.replace("\x00", "")


def check_pseudonym(reader: str) -> None:
    """Refuse anything but a pseudonym, so a raw Telegram id passed by mistake fails loudly."""
    if not _PSEUDONYM.fullmatch(reader):
        raise ValueError("reader must be a pseudonym from ReaderPseudonyms, not a Telegram id")


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """One question and the bot's answer, as submitted right after the reply was sent.

    `reader` is the pseudonym from `ReaderPseudonyms`, never a Telegram id or name. Values the
    database would refuse are refused here instead: the writer must never meet an op it cannot
    store, because it keeps retrying the oldest op until the database takes it.
    """

    channel: Channel
    reader: str
    chat_type: str
    question: str
    answered: bool
    passage_id: str | None = None
    score: float | None = None
    quote: str | None = None
    latency_ms: int | None = None
    id: str = field(default_factory=new_record_id)
    created_at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        check_pseudonym(self.reader)
        if not is_record_id(self.id):
            raise ValueError("id must come from new_record_id()")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        if len(self.chat_type) > CHAT_TYPE_MAX or len(self.passage_id or "") > PASSAGE_ID_MAX:
            raise ValueError(f"chat_type is at most {CHAT_TYPE_MAX} and passage_id {PASSAGE_ID_MAX} characters")
        if self.latency_ms is not None and not 0 <= self.latency_ms < 2**31:
            raise ValueError("latency_ms must be a non-negative 32-bit number")
        object.__setattr__(self, "channel", Channel(self.channel))
        for name in ("chat_type", "question", "passage_id", "quote"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clean_text(value))


@dataclass(frozen=True, slots=True)
class LoggedQuery:
    """A stored record with the reader's feedback and the moderator's review attached."""

    id: str
    created_at: datetime
    channel: Channel
    reader: str
    chat_type: str
    question: str
    answered: bool
    passage_id: str | None
    score: float | None
    quote: str | None
    latency_ms: int | None
    feedback: Vote | None
    review_status: ReviewStatus
    review_note: str | None
