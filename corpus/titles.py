"""A title for a document that has none: the start of its first sentence, short and ending cleanly."""

from __future__ import annotations

import re

from corpus.sentences import sentence_spans

MAX_TITLE_CHARS = 80
# Words a title never ends on: it would read as cut mid-thought ("Macron said that…").
_DANGLING = frozenset(
    (
        "a an the that which who whom whose what when where while whether if as than then and or but nor so "
        "because since although though of to in on at by for from with without about into onto over under "
        "after before between against during amid among via per is are was were be been being has have had "
        "do does did will would shall should can could may might must said says told his her its their our "
        "my your this these those there here not no"
    ).split()
)
_CLAUSE_END = re.compile(r"[,;:]\s|\s[–—-]\s|\s\(")


def derived_title(text: str) -> str:
    """At most ~80 characters of the first sentence, cut at a clause break or else a word, never on "that"."""
    stripped = " ".join(text.split())
    spans = sentence_spans(stripped)
    first = stripped[spans[0][0] : spans[0][1]] if spans else stripped
    first = first.rstrip(".")
    if len(first) <= MAX_TITLE_CHARS:
        return first
    clause = _last_clause(first[: MAX_TITLE_CHARS + 1])
    if clause:
        return clause
    words = first[: MAX_TITLE_CHARS + 1].split()[:-1] or first.split()[:1]
    return " ".join(_without_dangling_end(words)) + "…"


def _last_clause(head: str) -> str | None:
    """The head up to its last clause break, when that keeps at least half of it and ends on a real word."""
    ends = [match.start() for match in _CLAUSE_END.finditer(head)]
    for end in reversed(ends):
        if end < MAX_TITLE_CHARS // 2:
            break
        words = head[:end].split()
        if words and words[-1].lower().strip("\"'“”‘’") not in _DANGLING:
            return head[:end].rstrip()
    return None


def _without_dangling_end(words: list[str]) -> list[str]:
    trimmed = list(words)
    while len(trimmed) > 1 and trimmed[-1].lower().strip(",;:\"'“”‘’") in _DANGLING:
        trimmed.pop()
    if trimmed:
        trimmed[-1] = trimmed[-1].rstrip(",;:–—-")
    return trimmed
