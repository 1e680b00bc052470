"""Cutting a document body into passages: paragraphs, and sentence windows for very long paragraphs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from corpus.sentences import sentence_spans

# A paragraph longer than this is split, so a passage stays short enough to quote and to rank fairly.
MAX_PASSAGE_CHARS = 1200
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraph_spans(body: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of every non-empty paragraph, blank lines being the separators."""
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        yield from _trimmed(body, start, match.start())
        start = match.end()
    yield from _trimmed(body, start, len(body))


def window_spans(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """Group whole sentences of body[start:end] into windows of at most MAX_PASSAGE_CHARS where possible."""
    if end - start <= MAX_PASSAGE_CHARS:
        return [(start, end)]
    windows: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for s_start, s_end in sentence_spans(body[start:end]):
        s_start, s_end = s_start + start, s_end + start
        if current and s_end - current[0] > MAX_PASSAGE_CHARS:
            windows.append(current)
            current = None
        current = (current[0] if current else s_start, s_end)
    if current:
        windows.append(current)
    return windows


def _trimmed(body: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end
