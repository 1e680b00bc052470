"""Sentence boundaries found by rule, because nltk's punkt data cannot be downloaded here."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets) and whitespace, when the
# next sentence starts with an upper-case letter, a digit or an opening quote.
_BOUNDARY = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    (
        "mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep rev vs etc inc ltd co corp no fig "
        "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k e.g i.e a.m p.m"
    ).split()
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each sentence, so callers can quote the original text exactly."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ends_with_abbreviation(text[start : match.start()]):
            continue
        end = _rstrip_end(text, start, match.start() + len(match.group(0).rstrip()))
        spans.append((start, end))
        start = match.end()
    end = _rstrip_end(text, start, len(text))
    if end > start:
        spans.append((start, end))
    return spans


def _ends_with_abbreviation(chunk: str) -> bool:
    words = chunk.rstrip(".!?").rsplit(maxsplit=1)
    if not words:
        return True
    last = words[-1].lower().lstrip("(\"'“‘")
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
