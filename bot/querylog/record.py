"""What the bot submits to the query log and what moderators read back from it."""

import json
import math
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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage the engine ranked for a question, kept so moderators see what else it considered."""

    passage_id: str
    score: float
    coverage: float

    def __post_init__(self) -> None:
        if len(self.passage_id) > PASSAGE_ID_MAX:
            raise ValueError(f"passage_id is at most {PASSAGE_ID_MAX} characters")
        if not (math.isfinite(self.score) and math.isfinite(self.coverage)):
            raise ValueError("candidate scores must be finite numbers")


def candidates_json(candidates: tuple[Candidate, ...]) -> str | None:
    """The candidates as the JSON text stored in the query_log.candidates column (None when there are none)."""
    if not candidates:
        return None
    return json.dumps(
        [
            {"passage_id": c.passage_id, "score": round(c.score, 6), "coverage": round(c.coverage, 6)}
            for c in candidates
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def candidates_from_json(text: str | None) -> tuple[Candidate, ...]:
    """Parse the stored column; records logged before candidates were kept have none."""
    if not text:
        return ()
    return tuple(
        Candidate(item["passage_id"], float(item["score"]), float(item["coverage"])) for item in json.loads(text)
    )


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
    # The best passage's share of the question's weight, and every passage ranked (answered or not).
    coverage: float | None = None
    candidates: tuple[Candidate, ...] = ()

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
        if self.coverage is not None and not math.isfinite(self.coverage):
            raise ValueError("coverage must be a finite number")
        object.__setattr__(self, "candidates", tuple(self.candidates))
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
    coverage: float | None = None
    candidates: tuple[Candidate, ...] = ()
    # The pseudonym of the moderator who reviewed the record, and when (None for reviews before schema 3).
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
