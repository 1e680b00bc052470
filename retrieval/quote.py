"""Choosing the words to quote from a passage: all of a short one, the answering sentences of a long one."""

from __future__ import annotations

from collections.abc import Sequence

# A passage up to this length is quoted whole; longer ones are cut to their best sentences.
QUOTE_MAX_CHARS = 450
ELLIPSIS = "…"


def select_quote(text: str, spans: Sequence[tuple[int, int]], scores: Sequence[float]) -> str:
    """Verbatim text: the best sentence, grown by matching neighbours while it fits, … wherever text was left out."""
    if len(text) <= QUOTE_MAX_CHARS or not spans:
        return text
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    first = last = best
    while True:
        neighbours = [i for i in (first - 1, last + 1) if 0 <= i < len(spans) and scores[i] > 0]
        grown = [i for i in neighbours if spans[max(last, i)][1] - spans[min(first, i)][0] <= QUOTE_MAX_CHARS]
        if not grown:
            break
        pick = max(grown, key=lambda i: (scores[i], -i))
        first, last = min(first, pick), max(last, pick)
    start, end = spans[first][0], spans[last][1]
    prefix = ELLIPSIS + " " if start > 0 else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return prefix + text[start:end] + suffix
