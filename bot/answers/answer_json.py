"""The stable JSON shape of an answer, one object per question (documented in README)."""

from __future__ import annotations

from typing import Any

from bot.answers.ask import Reply


def reply_record(reply: Reply, dialogue: bool = False) -> dict[str, Any]:
    """{"question", "answered", "results": [...]}, results best first, near misses included.

    In a dialogue (`ask --dialogue`) `read_as` follows the question: how the conversation's context made it
    read, or null when it was answered on its own.
    """
    answer = reply.answer
    results = answer.results if answer else []
    read_as = {"read_as": reply.reading} if dialogue else {}
    return {
        "question": reply.question.text,
        **read_as,
        "answered": bool(answer and answer.answered),
        "results": [
            {
                "quote": result.quote,
                "passage": result.passage.text,
                "passage_id": result.passage.passage_id,
                "source": result.passage.source,
                "title": result.passage.title,
                "date": result.passage.date.isoformat() if result.passage.date else None,
                "score": round(result.score, 6),
            }
            for result in results
        ],
    }
