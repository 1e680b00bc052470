"""When a question is about: "last week", "in February 2022", "on 8 February", "the latest on …".

Relative periods are counted back from the day the question is asked (`today`), with the same calendar
rules as the dates inside quotes (retrieval/dates.py): "last week" is the seven days before today, "last
month" the calendar month before this one. A month or a day without a year is the latest such one on or
before today. "latest", "recent", "newest" and "lately" ask for the newest documents rather than a
period. The phrases found are returned with their offsets, so the engine can leave them out of the words
it searches for: "last week" or "in February 2022" says when, not what, and is matched against the
documents' dates and the days their sentences speak of instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = [name for name in calendar.month_name if name]
_MONTH = "|".join(_MONTHS)
_YEAR = r"(?:19|20)\d\d"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_PATTERNS = (
    ("day", re.compile(rf"\b(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MONTH})(?:,?\s+(?P<year>{_YEAR}))?\b", re.I)),
    ("day", re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<day>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?\b", re.I)),
    (
        "month",
        re.compile(
            rf"\b(?:(?P<prep>in|during|since|from|early|late|mid|by|of)[\s-]+)?(?P<month>{_MONTH})"
            rf"(?:\s+(?:of\s+)?(?P<year>{_YEAR}))?\b",
            re.I,
        ),
    ),
    ("year", re.compile(rf"\b(?:in|during|since|from|of)\s+(?P<year>{_YEAR})\b", re.I)),
    ("relative", re.compile(r"\b(?P<which>last|this|past|previous)\s+(?P<unit>week|month|year)\b", re.I)),
    ("relative", re.compile(r"\b(?P<word>yesterday|today|tonight)\b", re.I)),
    ("recency", re.compile(r"\b(?:the\s+)?(?:latest|newest|most\s+recent|recent(?:ly)?|lately)\b", re.I)),
)
# One word that names a time on its own: a year, a month (capitalised: "may" is no month), the unit of "this week".
_TIME_WORD = re.compile(rf"{_YEAR}|{_MONTH}|(?i:week|month|year|yesterday|today|tonight)")


@dataclass(frozen=True, slots=True)
class TimeFocus:
    """The period a question asks about (first and last day), and whether it wants the newest documents."""

    first: dt.date | None
    last: dt.date | None
    newest: bool
    # Where the time phrases ("last week", "in February 2022", "latest") are, to leave out of its terms.
    spans: tuple[tuple[int, int], ...]

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """Whether the days start..end overlap the period."""
        return self.first is not None and self.last is not None and start <= self.last and end >= self.first

    def without_time_words(self, question: str) -> str:
        """The question with "last week", "in February 2022", "latest" and the like blanked out."""
        text = question
        for start, end in sorted(self.spans, reverse=True):
            text = text[:start] + " " * (end - start) + text[end:]
        return text


def question_focus(question: str, today: dt.date) -> TimeFocus | None:
    """The question's time focus, or None when it names no time."""
    taken: list[tuple[int, int]] = []
    period: tuple[dt.date, dt.date] | None = None
    newest = False
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(question):
            if any(match.start() < end and match.end() > start for start, end in taken):
                continue
            if kind == "recency":
                newest = True
                taken.append(match.span())
                continue
            span = _period(kind, match, today)
            if span is None:
                continue
            taken.append(match.span())
            period = period or span
    if period is None and not newest:
        return None
    first, last = period if period else (None, None)
    return TimeFocus(first, last, newest, tuple(taken))


def time_words(text: str) -> frozenset[str]:
    """The words of `text` that name a time ("2014", "February", "week"), casefolded.

    Word by word, so it also reads a conversation's topic, which keeps "week" of "this week" but not "this".
    """
    return frozenset(word.casefold() for word in re.findall(r"\w+", text) if _TIME_WORD.fullmatch(word))


def _period(kind: str, match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date] | None:
    groups = match.groupdict()
    if kind == "relative":
        return _relative(groups, today)
    year = int(groups["year"]) if groups.get("year") else None
    if kind == "year":
        return dt.date(year or today.year, 1, 1), dt.date(year or today.year, 12, 31)
    name = groups["month"] or ""
    if name != name.capitalize():
        return None
    month = _MONTHS.index(name) + 1
    if kind == "month" and year is None and not groups.get("prep"):
        return None
    if kind == "month":
        year = year or (today.year if month <= today.month else today.year - 1)
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    day = int(re.sub(r"\D", "", groups["day"]))
    try:
        date = dt.date(year or today.year, month, day)
        if year is None and date > today:
            date = dt.date(today.year - 1, month, day)
    except ValueError:
        return None
    return date, date


def _relative(groups: dict[str, str | None], today: dt.date) -> tuple[dt.date, dt.date]:
    word = (groups.get("word") or "").lower()
    if word == "yesterday":
        day = today - dt.timedelta(days=1)
        return day, day
    if word in ("today", "tonight"):
        return today, today
    which, unit = (groups.get("which") or "").lower(), (groups.get("unit") or "").lower()
    back = which != "this"
    if unit == "week":
        if back:
            return today - dt.timedelta(days=7), today - dt.timedelta(days=1)
        monday = today - dt.timedelta(days=today.weekday())
        return monday, today
    if unit == "month":
        year, month = (today.year, today.month - 1) if back else (today.year, today.month)
        if month == 0:
            year, month = year - 1, 12
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    year = today.year - 1 if back else today.year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
