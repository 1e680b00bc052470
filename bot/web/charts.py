"""Server-rendered SVG charts for the dashboard: the geometry is worked out here, templates/_charts.html
draws it. No JavaScript, and the page's CSS colours the shapes by class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.answers.wording import wording_for
from bot.querylog.dashboard import Day

WIDTH, HEIGHT = 600.0, 160.0
# The inbox speaks English.
_ENGLISH = wording_for()
_GAP = 0.15


@dataclass(frozen=True, slots=True)
class Bar:
    """One rectangle, with the tooltip (SVG <title>) that says its figure."""

    x: float
    y: float
    width: float
    height: float
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart over days: bars, an optional line (SVG points), the scale's top label and the day range."""

    title: str
    bars: list[Bar]
    line: str
    scale: str
    first_day: str
    last_day: str
    baseline: float = HEIGHT
    width: float = WIDTH
    height: float = HEIGHT


def _slot(days: Sequence[Day]) -> float:
    return WIDTH / max(len(days), 1)


def _frame(
    title: str, days: Sequence[Day], bars: list[Bar], scale: str, line: str = "", baseline: float = HEIGHT
) -> Chart:
    first = _ENGLISH.date(days[0].day) if days else ""
    last = _ENGLISH.date(days[-1].day) if days else ""
    return Chart(title, bars, line, scale, first, last, baseline)


def questions_chart(days: Sequence[Day]) -> Chart:
    """Questions per day, the answered part of each bar drawn over the whole."""
    top = max((day.questions for day in days), default=0) or 1
    slot = _slot(days)
    bars = []
    for n, day in enumerate(days):
        x, width = n * slot + slot * _GAP / 2, slot * (1 - _GAP)
        for value, kind in ((day.questions, "all"), (day.answered, "answered")):
            height = HEIGHT * value / top
            label = f"{_ENGLISH.date(day.day)}: {day.questions} questions, {day.answered} answered"
            bars.append(Bar(x, HEIGHT - height, width, height, kind, label))
    return _frame("Questions per day (answered part darker)", days, bars, f"{top}")


def answered_share_chart(days: Sequence[Day]) -> Chart:
    """The answered share per day, 0 to 100 %, as a line through the days that had questions."""
    slot = _slot(days)
    points, bars = [], []
    for n, day in enumerate(days):
        share = day.answered_share
        if share is None:
            continue
        x, y = n * slot + slot / 2, HEIGHT * (1 - share)
        points.append(f"{x:.1f},{y:.1f}")
        label = f"{_ENGLISH.date(day.day)}: {share:.0%} answered"
        bars.append(Bar(x - 3, y - 3, 6, 6, "point", label))
    return _frame("Answered share per day", days, bars, "100%", " ".join(points))


def votes_chart(days: Sequence[Day]) -> Chart:
    """👍 per day above the middle line, 👎 below it."""
    top = max((max(day.liked, day.disliked) for day in days), default=0) or 1
    slot, middle = _slot(days), HEIGHT / 2
    bars = []
    for n, day in enumerate(days):
        x, width = n * slot + slot * _GAP / 2, slot * (1 - _GAP)
        label = f"{_ENGLISH.date(day.day)}: {day.liked} liked 👍, {day.disliked} disliked 👎"
        up, down = middle * day.liked / top, middle * day.disliked / top
        bars.append(Bar(x, middle - up, width, up, "liked", label))
        bars.append(Bar(x, middle, width, down, "disliked", label))
    return _frame("Liked 👍 (up) and disliked 👎 (down) per day", days, bars, f"{top}", baseline=middle)
