"""Re-ranking candidates by when they were written or what days they speak of, for questions about a time.

A question about a period ("last week", "in February 2022") lifts the candidates whose document is dated
in it, or that have a sentence about a day in it (the relative dates of retrieval/dates.py, resolved by
the document's date: a December article's "on February 8" is 8 February of that year). A question asking
for the latest lifts newer documents, the newest candidate most, halving every 30 days older. Both
bonuses are shares of the best candidate's score, like the second stage's; undated passages get none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from corpus.model import Passage
from retrieval.dates import resolve_dates
from retrieval.question_dates import TimeFocus
from retrieval.ranking_options import RankingOptions
from retrieval.rerank import Ranked

RECENCY_HALF_LIFE_DAYS = 30
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_MONTHS = "January February March April May June July August September October November December".split()
# A date that carries its year, in the text: "8 February 2022", "February 8, 2022", "February 2022".
_MONTH_YEAR = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}})\s+)?(?P<month>{'|'.join(_MONTHS)})\s+(?:(?P<day2>\d{{1,2}}),?\s+)?"
    r"(?P<year>(?:19|20)\d\d)\b"
)


def by_date(
    ranked: Sequence[Ranked], focus: TimeFocus, passages: Sequence[Passage], options: RankingOptions
) -> list[Ranked]:
    """`ranked` with the date bonuses added, best first."""
    if not ranked:
        return []
    scale = max(r.score for r in ranked) or 1.0
    dates = {r.index: passages[r.index].date for r in ranked}
    newest = max((date for date in dates.values() if date is not None), default=None)
    rescored = []
    for r in ranked:
        bonus = 0.0
        date = dates[r.index]
        if options.dates and focus.first is not None and _in_period(focus, passages[r.index]):
            bonus += options.dates
        if options.recency and focus.newest and date is not None and newest is not None:
            bonus += options.recency * 0.5 ** ((newest - date).days / RECENCY_HALF_LIFE_DAYS)
        rescored.append(Ranked(r.index, r.score + scale * bonus))
    rescored.sort(key=lambda r: (-r.score, r.index))
    return rescored


def _in_period(focus: TimeFocus, passage: Passage) -> bool:
    """Dated in the period, or saying something about a day in it (or, for a question about a year, naming it)."""
    if passage.date is not None and focus.covers(passage.date, passage.date):
        return True
    if any(focus.covers(m.first, m.last) for m in resolve_dates(passage.text, passage.date)):
        return True
    year = _whole_year(focus)
    if year is not None and str(year) in _YEAR.findall(passage.text):
        return True
    return any(focus.covers(*_span(match)) for match in _MONTH_YEAR.finditer(passage.text))


def _whole_year(focus: TimeFocus) -> int | None:
    """The year a question is about ("and in 2014?"), which a passage speaks of when it names it."""
    first, last = focus.first, focus.last
    if first is None or last is None or first.year != last.year:
        return None
    return first.year if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) else None


def _span(match: re.Match[str]) -> tuple[dt.date, dt.date]:
    year, month = int(match.group("year")), _MONTHS.index(match.group("month")) + 1
    day = match.group("day") or match.group("day2")
    if day:
        try:
            date = dt.date(year, month, int(day))
            return date, date
        except ValueError:
            pass
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, 1), following - dt.timedelta(days=1)
