"""A conversation with the bot: what it remembers between questions, the same for the console, `ask --dialogue`
and Telegram (where bot/telegram/conversations.py keeps one per chat or reply thread, also in the database).

It holds the last few questions, how each was asked of the engine (so More can ask it again) and the topic and
passages retrieval/followup.py needs. It is bounded: MAX_TURNS questions, and it is forgotten after IDLE_SECONDS
without a question.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from bot.answers.ask import Reply
from bot.answers.questions import clean_question
from retrieval.engine import Answer, AnswerEngine
from retrieval.followup import Asked, Previous, Reading, answer_in_context, answer_more

MAX_TURNS = 5
IDLE_SECONDS = 30 * 60
# The conversation's JSON shape; bump when it changes, older states are then started afresh.
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Turn:
    """One question of the conversation: as the reader asked it, as the engine was asked it, its log record."""

    question: str
    asked: Asked
    record_id: str | None = None


@dataclass(slots=True)
class Conversation:
    """The turns so far (newest last) and what the next question may lean on."""

    previous: Previous = field(default_factory=Previous)
    turns: list[Turn] = field(default_factory=list)
    updated_at: float = field(default_factory=time.time)

    def reset(self) -> None:
        """Forget every question: /new, or a conversation idle for too long."""
        self.previous, self.turns, self.updated_at = Previous(), [], time.time()

    def ask(self, engine: AnswerEngine, raw: str, top: int = 3, record_id: str | None = None) -> Reply:
        """Clean `raw`, answer it as the next turn, and remember it; an empty question changes nothing."""
        question = clean_question(raw)
        if question.empty:
            return Reply(question, None)
        reading = self.answer(engine, question.text, top)
        self.remember(question.text, reading, record_id)
        return Reply(question, reading.answer, reading.reading)

    def answer(self, engine: AnswerEngine, question: str, top: int = 3) -> Reading:
        """The next turn's answer, without remembering it yet (Telegram logs it first, for the record id)."""
        return answer_in_context(engine, question, self.previous if self.turns else None, top)

    def remember(self, question: str, reading: Reading, record_id: str | None = None) -> None:
        self.previous = self.previous.after(reading)
        self.turns = [*self.turns, Turn(question, reading.asked, record_id)][-MAX_TURNS:]
        self.updated_at = time.time()

    def logged_as(self, record_id: str) -> None:
        """The last turn's query-log record, so a More press under its answer finds the turn."""
        if self.turns:
            self.turns[-1] = replace(self.turns[-1], record_id=record_id)

    def turn(self, record_id: str | None) -> Turn | None:
        """The turn logged as `record_id`, or the last turn for None."""
        if record_id is None:
            return self.turns[-1] if self.turns else None
        return next((turn for turn in self.turns if turn.record_id == record_id), None)

    def more(self, engine: AnswerEngine, turn: Turn, top: int = 3) -> Answer:
        """The turn's question asked again without any passage this conversation has shown."""
        return answer_more(engine, turn.asked, self.previous, top)

    def showed(self, passage_id: str) -> None:
        """A More answer showed this passage: it is the last quote now, and never shown again here."""
        self.previous = self.previous.showing(passage_id)
        self.updated_at = time.time()

    def expired(self, now: float | None = None, idle: float = IDLE_SECONDS) -> bool:
        return (time.time() if now is None else now) - self.updated_at > idle

    def to_json(self) -> str:
        state: dict[str, Any] = {
            "version": STATE_VERSION,
            "topic": self.previous.topic,
            "quoted": self.previous.quoted,
            "shown": sorted(self.previous.shown),
            "turns": [
                {
                    "question": turn.question,
                    "text": turn.asked.text,
                    "topic": turn.asked.topic,
                    "favour": dict(turn.asked.favour),
                    "record_id": turn.record_id,
                }
                for turn in self.turns
            ],
            "updated_at": self.updated_at,
        }
        return json.dumps(state, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Conversation | None:
        """The stored conversation, or None for a state of another version or one that cannot be read."""
        try:
            state = json.loads(text)
            if state.get("version") != STATE_VERSION:
                return None
            previous = Previous(str(state["topic"]), state["quoted"], frozenset(map(str, state["shown"])))
            turns = [Turn(t["question"], _asked(t), t["record_id"]) for t in state["turns"]]
            return cls(previous, turns, float(state["updated_at"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def _asked(turn: dict[str, Any]) -> Asked:
    return Asked(str(turn["text"]), str(turn["topic"]), {str(k): float(v) for k, v in turn["favour"].items()})
