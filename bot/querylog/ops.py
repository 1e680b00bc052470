"""The changes the log queues for the database, and their one-line JSON form in the journal.

Every op is idempotent (insert-or-ignore by id, set a value, delete), so replaying a journal that
was partly committed before a crash leaves the database as if each op ran exactly once.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.querylog.record import Channel, QueryRecord, ReviewStatus, Vote, candidates_from_json, candidates_json


@dataclass(frozen=True, slots=True)
class Insert:
    """Store a new record."""

    record: QueryRecord


@dataclass(frozen=True, slots=True)
class SetFeedback:
    """Attach a reader's vote to their own record."""

    key: str
    record_id: str
    reader: str
    vote: Vote


@dataclass(frozen=True, slots=True)
class Review:
    """Record a moderator's verdict and note, and which moderator (a pseudonym) gave it when."""

    key: str
    record_id: str
    status: ReviewStatus
    note: str | None
    moderator: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Forget:
    """Delete every record of one reader."""

    key: str
    reader: str


Op = Insert | SetFeedback | Review | Forget


def concerns_reader(op: Op, reader: str) -> bool:
    """Tell whether `op` carries data of `reader` that forgetting them must remove."""
    if isinstance(op, Insert):
        return op.record.reader == reader
    return isinstance(op, SetFeedback) and op.reader == reader


def record_fields(record: QueryRecord) -> dict[str, Any]:
    """The record as the query_log table's columns; the journal stores the same with an ISO time."""
    return {
        "id": record.id,
        "created_at": record.created_at,
        "channel": record.channel.value,
        "reader": record.reader,
        "chat_type": record.chat_type,
        "question": record.question,
        "answered": record.answered,
        "passage_id": record.passage_id,
        "score": record.score,
        "quote": record.quote,
        "latency_ms": record.latency_ms,
        "coverage": record.coverage,
        "candidates": candidates_json(record.candidates),
    }


def encode(op: Op) -> bytes:
    """Return the op as one JSON line, newline included."""
    if isinstance(op, Insert):
        fields: dict[str, Any] = {
            "op": "insert",
            "record": {**record_fields(op.record), "created_at": op.record.created_at.isoformat()},
        }
    elif isinstance(op, SetFeedback):
        fields = {
            "op": "feedback",
            "key": op.key,
            "record_id": op.record_id,
            "reader": op.reader,
            "vote": op.vote.value,
        }
    elif isinstance(op, Review):
        fields = {
            "op": "review",
            "key": op.key,
            "record_id": op.record_id,
            "status": op.status.value,
            "note": op.note,
            "moderator": op.moderator,
            "at": None if op.at is None else op.at.isoformat(),
        }
    else:
        fields = {"op": "forget", "key": op.key, "reader": op.reader}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> Op:
    """Parse one journal line; raises ValueError (or KeyError) on a torn or foreign line."""
    fields = json.loads(line)
    kind = fields["op"]
    if kind == "insert":
        record = dict(fields["record"])
        record["created_at"] = datetime.fromisoformat(record["created_at"])
        record["channel"] = Channel(record["channel"])
        record["candidates"] = candidates_from_json(record.get("candidates"))
        return Insert(QueryRecord(**record))
    if kind == "feedback":
        return SetFeedback(fields["key"], fields["record_id"], fields["reader"], Vote(fields["vote"]))
    if kind == "review":
        at = fields.get("at")
        return Review(
            fields["key"],
            fields["record_id"],
            ReviewStatus(fields["status"]),
            fields["note"],
            fields.get("moderator"),
            None if at is None else datetime.fromisoformat(at),
        )
    if kind == "forget":
        return Forget(fields["key"], fields["reader"])
    raise ValueError(f"unknown journal op {kind!r}")
