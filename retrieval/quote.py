"""Choosing the words to quote from a passage: all of a short one, the answering sentences of a long one."""

from __future__ import annotations

from collections.abc import Mapping

from corpus.model import Passage
from corpus.sentences import sentence_spans
from retrieval.tokens import tokenize

# A passage up to this length is quoted whole; longer ones are cut to their best sentences.
QUOTE_MAX_CHARS = 450
ELLIPSIS = "…"


def select_quote(passage: Passage, term_weights: Mapping[str, float]) -> str:
    """Verbatim text from the passage, with … wherever text was left out at either end."""
    text = passage.text
    if len(text) <= QUOTE_MAX_CHARS:
        return text
    spans = sentence_spans(text)
    scores = [_sentence_score(text[start:end], term_weights) for start, end in spans]
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    first = last = best
    while True:
        neighbours = [i for i in (first - 1, last + 1) if 0 <= i < len(spans) and scores[i] > 0]
        grown = [i for i in neighbours if _span_length(spans, min(first, i), max(last, i)) <= QUOTE_MAX_CHARS]
        if not grown:
            break
        pick = max(grown, key=lambda i: (scores[i], -i))
        first, last = min(first, pick), max(last, pick)
    start, end = spans[first][0], spans[last][1]
    prefix = ELLIPSIS + " " if start > 0 else ""
    suffix = " " + ELLIPSIS if end < len(text) else ""
    return prefix + text[start:end] + suffix


def _sentence_score(sentence: str, term_weights: Mapping[str, float]) -> float:
    return sum(term_weights.get(term, 0.0) for term in set(tokenize(sentence)))


def _span_length(spans: list[tuple[int, int]], first: int, last: int) -> int:
    return spans[last][1] - spans[first][0]
