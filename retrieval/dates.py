"""Relative and partial dates in source text ("on Friday", "last week", "February 8"), resolved by the article date.

A reader may see a quote months later, when "on Friday" no longer says which Friday. News reports past
events, so a bare weekday is the latest such day on or before the article date (the article's own day
included: a Saturday paper's "on Saturday" is that day), "last Friday" the one strictly before it, and
"last week" the seven days before the article date, since writers use it loosely for the days just past.
A day and month without a year is in the article's year, unless that falls more than 90 days after the
article date, then in the year before. Dates that already carry a year are left alone. An undated
article gets no resolutions: a date is never invented.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = ("January February March April May June July August September October November December").split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_MONTH = "|".join(_MONTHS)
_ORDINAL = r"(?:st|nd|rd|th)?"
# A day and month ("February 8", "8th of February") not followed by a year.
_MONTH_DAY = rf"(?P<md_month>{_MONTH})\s+(?P<md_day>\d{{1,2}}){_ORDINAL}\b(?!,?\s*\d{{4}})"
_DAY_MONTH = rf"\b(?P<dm_day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<dm_month>{_MONTH})\b(?!,?\s*\d{{4}})"
_WEEKDAY = rf"\b(?:(?P<wd_which>last|this|next)\s+)?(?P<weekday>{'|'.join(_WEEKDAYS)})\b"
_PERIOD = r"\b(?P<p_which>last|this|next)\s+(?P<period>week|month|year)\b"
_DAY_WORD = r"\b(?P<day_word>yesterday|today|tonight|tomorrow)\b"
_MENTION = re.compile("|".join((_MONTH_DAY, _DAY_MONTH, _WEEKDAY, _PERIOD, _DAY_WORD)), re.IGNORECASE)
# Every mention holds one of these words: a text without any is not searched (ten times quicker than the search).
_MENTION_WORDS = tuple(
    word.casefold()
    for word in (*_MONTHS, *_WEEKDAYS, "week", "month", "year", "yesterday", "today", "tonight", "tomorrow")
)
# A day-and-month that falls this far after the article date is taken to be last year's.
_FUTURE_DAYS = 90


@dataclass(frozen=True, slots=True)
class DateMention:
    """A relative or partial date in a text: where it is, and the days it stands for (first = last for one day)."""

    phrase: str
    start: int
    end: int
    first: dt.date
    last: dt.date


def resolve_dates(text: str, published: dt.date | None) -> list[DateMention]:
    """Every relative or partial date in `text` that `published` pins down, in text order."""
    if published is None:
        return []
    folded = text.casefold()
    if not any(word in folded for word in _MENTION_WORDS):
        return []
    mentions = []
    for match in _MENTION.finditer(text):
        span = _resolve(match, published)
        if span is not None:
            mentions.append(DateMention(match.group(0), match.start(), match.end(), *span))
    return mentions


def _resolve(match: re.Match[str], published: dt.date) -> tuple[dt.date, dt.date] | None:
    if match.group("md_month"):
        return _day_and_month(int(match.group("md_day")), match.group("md_month"), published)
    if match.group("dm_month"):
        return _day_and_month(int(match.group("dm_day")), match.group("dm_month"), published)
    if match.group("weekday"):
        if match.group("weekday") != match.group("weekday").capitalize():
            return None
        day = _weekday(
            _WEEKDAYS.index(match.group("weekday").capitalize()), (match.group("wd_which") or "").lower(), published
        )
        return day, day
    if match.group("period"):
        return _period(match.group("period").lower(), match.group("p_which").lower(), published)
    offset = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[match.group("day_word").lower()]
    day = published + dt.timedelta(days=offset)
    return day, day


def _day_and_month(day: int, month_name: str, published: dt.date) -> tuple[dt.date, dt.date] | None:
    if month_name != month_name.capitalize():
        return None
    month = _MONTHS.index(month_name) + 1
    try:
        date = dt.date(published.year, month, day)
        if (date - published).days > _FUTURE_DAYS:
            date = dt.date(published.year - 1, month, day)
    except ValueError:
        return None
    return date, date


def _weekday(weekday: int, which: str, published: dt.date) -> dt.date:
    back = (published.weekday() - weekday) % 7
    if which == "last":
        return published - dt.timedelta(days=back or 7)
    if which == "next":
        return published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7)
    if which == "this":
        return published + dt.timedelta(days=weekday - published.weekday())
    return published - dt.timedelta(days=back)


def _period(period: str, which: str, published: dt.date) -> tuple[dt.date, dt.date]:
    step = {"last": -1, "this": 0, "next": 1}[which]
    if period == "week":
        if step == 0:
            monday = published - dt.timedelta(days=published.weekday())
            return monday, monday + dt.timedelta(days=6)
        if step < 0:
            return published - dt.timedelta(days=7), published - dt.timedelta(days=1)
        return published + dt.timedelta(days=1), published + dt.timedelta(days=7)
    if period == "month":
        index = published.year * 12 + published.month - 1 + step
        first = dt.date(index // 12, index % 12 + 1, 1)
        following = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    year = published.year + step
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
