"""What a conversation adds to one question: earlier concepts at a lower weight, passages to favour or leave out.

retrieval/followup.py decides what to add; the engine only applies it (AnswerEngine.answer's `context`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The earlier question's concepts count this much against the question's own. BM25 counts a repeated
# query term once per repetition, so the question's own terms are sent TOPIC_REPEAT times and the
# topic's once: exactly BM25(question) + BM25(topic) / TOPIC_REPEAT, in one pass over the postings.
TOPIC_REPEAT = 2
TOPIC_WEIGHT = 1 / TOPIC_REPEAT


@dataclass(frozen=True, slots=True)
class Context:
    """The topic's words (their concepts are added at TOPIC_WEIGHT), bonuses by passage id, passages to skip.

    `favour` bonuses are shares of the best BM25 score among the candidates, like the second stage's; a
    favoured passage that BM25 did not return joins the candidates with a BM25 score of 0.
    """

    topic: str = ""
    favour: Mapping[str, float] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()
