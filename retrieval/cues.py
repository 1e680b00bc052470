"""Question-type cues: a "when" question wants a sentence with a date, "how many" one with a number, "who" a name."""

from __future__ import annotations

import re

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DATE = re.compile(
    rf"\b(?:1\d{{3}}|20\d{{2}})s?\b|\b(?:{_MONTHS}|{_WEEKDAYS})\b|\bcentur(?:y|ies)\b|\b(?:yesterday|today|last week)\b"
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half)\b",
    re.IGNORECASE,
)
# A capitalised word that does not open a sentence: most likely a name.
_NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][a-z]+")

_WANTS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|old|far|large|big|tall|high|fast)\b|\bwhat (?:percentage|percent|number|amount)\b",
    re.IGNORECASE,
)
_WANTS_DATE = re.compile(
    r"\bwhen\b|\bwhat (?:year|decade|century|date|month|day)\b|\b(?:which|what) year\b", re.IGNORECASE
)
_WANTS_NAME = re.compile(r"\bwho(?:m|se)?\b", re.IGNORECASE)


def answer_cue(question: str) -> re.Pattern[str] | None:
    """The pattern an answering sentence likely contains, or None when the question type says nothing."""
    if _WANTS_NUMBER.search(question):
        return _NUMBER
    if _WANTS_DATE.search(question):
        return _DATE
    if _WANTS_NAME.search(question):
        return _NAME
    return None
