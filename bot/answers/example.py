"""Which example question readers are offered: one the loaded corpus answers, or none.

An operator's QUOTEBOT_EXAMPLE_QUESTION is offered as typed. Otherwise the seed's example is offered only
when the engine answers it itself, which the seeds do and an operator's own corpus usually does not;
failing that, the messages are worded without an example. It is decided once per engine, so a corpus
reload (which brings a new engine) decides again. Readers' questions, logged or taught, are never offered.
"""

from __future__ import annotations

import threading
import weakref

from bot.answers.wording import SEED_EXAMPLE, Example
from retrieval.engine import AnswerEngine


def answered_example(engine: AnswerEngine) -> Example | None:
    """The seed's example when `engine` answers it; asked before any lesson is taught, it is the engine's own answer."""
    return SEED_EXAMPLE if engine.answer(SEED_EXAMPLE.question, top=1).answered else None


class ExampleChoice:
    """The example question for each engine: the operator's, else decided (one question asked) once per engine."""

    def __init__(self, configured: str | None = None) -> None:
        self._configured = Example(configured, translated=False) if configured else None
        self._decided: weakref.WeakKeyDictionary[AnswerEngine, Example | None] = weakref.WeakKeyDictionary()
        self._deciding = threading.Lock()

    def over(self, engine: AnswerEngine) -> Example | None:
        """The example to offer readers of `engine`; None when there is none its corpus answers."""
        if self._configured is not None:
            return self._configured
        with self._deciding:
            if engine not in self._decided:
                self._decided[engine] = answered_example(engine)
            return self._decided[engine]
