"""Recent questions by record id, so the More button can ask the same question again."""

from __future__ import annotations

from collections import OrderedDict


class RecentQuestions:
    """A bounded map; the oldest questions are forgotten first, and More then asks the reader to re-ask."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._questions: OrderedDict[str, str] = OrderedDict()

    def remember(self, record_id: str, question: str) -> None:
        self._questions[record_id] = question
        self._questions.move_to_end(record_id)
        while len(self._questions) > self.capacity:
            self._questions.popitem(last=False)

    def recall(self, record_id: str) -> str | None:
        return self._questions.get(record_id)
