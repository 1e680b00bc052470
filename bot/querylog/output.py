"""Render log records and figures for a terminal (table), a spreadsheet (CSV) or a program (JSONL).

CSV cells that begin with = + - @ TAB or CR get a leading apostrophe: readers write the
questions, and a spreadsheet would otherwise run "=HYPERLINK(...)" typed by a stranger as a
formula. JSONL keeps every text exactly as stored, for programs. The table replaces control
characters, so a question cannot move the cursor or recolour a moderator's terminal.
"""

import csv
import json
import unicodedata
from typing import Any, Protocol, TextIO

from bot.querylog.record import LoggedQuery
from bot.querylog.stats import LogStats, PeriodStats

EXPORT_FIELDS = (
    "id",
    "time",
    "channel",
    "chat_type",
    "reader",
    "question",
    "answered",
    "score",
    "passage_id",
    "quote",
    "latency_ms",
    "feedback",
    "review_status",
    "review_note",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Always shown (the id is what /review and `quotebot log review` take), then the others while they fit.
_ESSENTIAL_COLUMNS = (("id", 26), ("time", 16), ("ans", 3), ("score", 6))
_OPTIONAL_COLUMNS = (("review", 7), ("fb", 4), ("channel", 7))
_MIN_QUESTION_WIDTH = 24
_GAP = "  "


def export_row(record: LoggedQuery) -> dict[str, Any]:
    """Return a record as the flat row every export format shares."""
    return {
        "id": record.id,
        "time": record.created_at.isoformat(timespec="milliseconds"),
        "channel": record.channel.value,
        "chat_type": record.chat_type,
        "reader": record.reader,
        "question": record.question,
        "answered": record.answered,
        "score": record.score,
        "passage_id": record.passage_id,
        "quote": record.quote,
        "latency_ms": record.latency_ms,
        "feedback": None if record.feedback is None else record.feedback.value,
        "review_status": record.review_status.value,
        "review_note": record.review_note,
    }


def _spreadsheet_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _terminal_safe(text: str) -> str:
    text = text.translate(_BIDI_CONTROLS)
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


def fit(text: str, width: int) -> str:
    """Return `text` made terminal-safe, cut with '…' to `width` columns and padded to exactly that."""
    text = _terminal_safe(text)
    used, kept = 0, list[str]()
    for char in text:
        char_width = _char_width(char)
        if used + char_width > width:
            while kept and used + 1 > width:
                used -= _char_width(kept.pop())
            kept.append("…")
            used += 1
            break
        kept.append(char)
        used += char_width
    return "".join(kept) + " " * (width - used)


def display_width(text: str) -> int:
    """Return how many terminal columns `text` takes."""
    return sum(_char_width(char) for char in text)


class RecordRows(Protocol):
    """Writes records one at a time, so an export streams instead of piling up in memory."""

    def write(self, record: LoggedQuery) -> None: ...


def record_rows(format_name: str, out: TextIO, width: int) -> RecordRows:
    """Return the writer for 'table', 'csv' or 'jsonl' (its header, if any, already written)."""
    if format_name == "table":
        return TableRows(out, width)
    if format_name == "csv":
        return CsvRows(out)
    return JsonlRows(out)


class JsonlRows:
    """One JSON object per line, texts exactly as stored."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, record: LoggedQuery) -> None:
        self._out.write(json.dumps(export_row(record), ensure_ascii=False) + "\n")


class CsvRows:
    """CSV with a header row, guarded against spreadsheet formulas."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)
        self._writer.writerow(EXPORT_FIELDS)

    def write(self, record: LoggedQuery) -> None:
        row = export_row(record)
        self._writer.writerow([_spreadsheet_cell(row[name]) for name in EXPORT_FIELDS])


class TableRows:
    """Aligned columns that fit `width`: id, time, answered and score always; review, feedback and channel
    while the question keeps room; question and quote share what the fixed columns leave."""

    def __init__(self, out: TextIO, width: int) -> None:
        self._out = out
        self._columns = list(_ESSENTIAL_COLUMNS)
        for column in _OPTIONAL_COLUMNS:
            if self._flexible([*self._columns, column], width) >= _MIN_QUESTION_WIDTH:
                self._columns.append(column)
        flexible = self._flexible(self._columns, width)
        if flexible >= 40:
            self._question_width = (flexible - len(_GAP)) * 3 // 5
            self._quote_width: int | None = flexible - len(_GAP) - self._question_width
        else:
            self._question_width, self._quote_width = max(flexible, 12), None
        self._line({name: name for name, _ in self._columns}, "question", "quote")

    @staticmethod
    def _flexible(columns: list[tuple[str, int]], width: int) -> int:
        return width - sum(size for _, size in columns) - len(_GAP) * len(columns)

    def _line(self, cells: dict[str, str], question: str, quote: str) -> None:
        pieces = [fit(cells[name], size) for name, size in self._columns] + [fit(question, self._question_width)]
        if self._quote_width is not None:
            pieces.append(fit(quote, self._quote_width))
        self._out.write(_GAP.join(pieces).rstrip() + "\n")

    def write(self, record: LoggedQuery) -> None:
        cells = {
            "id": record.id,
            "time": record.created_at.strftime("%Y-%m-%d %H:%M"),
            "channel": record.channel.value,
            "ans": "yes" if record.answered else "no",
            "score": "" if record.score is None else f"{record.score:.2f}",
            "fb": "" if record.feedback is None else record.feedback.value,
            "review": record.review_status.value,
        }
        self._line(cells, record.question, record.quote or "")


def stats_json(stats: LogStats) -> dict[str, Any]:
    """Return the figures as one JSON-ready object."""

    def period(figures: PeriodStats) -> dict[str, Any]:
        return {
            "questions": figures.questions,
            "answered": figures.answered,
            "answered_share": figures.answered_share,
        }

    return {
        "now": stats.now.isoformat(timespec="seconds"),
        "today": period(stats.today),
        "last_7_days": period(stats.last_7_days),
        "median_latency_ms": stats.median_latency_ms,
        "top_questions": [{"question": text, "count": count} for text, count in stats.top_questions],
    }


def write_stats_csv(stats: LogStats, out: TextIO) -> None:
    """The figures as CSV rows of (section, label, value), questions guarded against spreadsheet formulas."""
    writer = csv.writer(out)
    writer.writerow(("section", "label", "value"))
    writer.writerow(("now", "", stats.now.isoformat(timespec="seconds")))
    for label, figures in (("today", stats.today), ("last_7_days", stats.last_7_days)):
        writer.writerow((label, "questions", figures.questions))
        writer.writerow((label, "answered", figures.answered))
        writer.writerow((label, "answered_share", _spreadsheet_cell(figures.answered_share)))
    writer.writerow(("last_7_days", "median_latency_ms", _spreadsheet_cell(stats.median_latency_ms)))
    for text, count in stats.top_questions:
        writer.writerow(("top_question", _spreadsheet_cell(text), count))


def write_stats_table(stats: LogStats, out: TextIO, width: int) -> None:
    """Print the figures as a short report that fits `width` columns."""

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.1%}"

    latency = "-" if stats.median_latency_ms is None else f"{stats.median_latency_ms:.0f} ms"
    out.write(f"{'':<14}{'questions':>10}{'answered':>10}\n")
    for label, figures in (("today (UTC)", stats.today), ("last 7 days", stats.last_7_days)):
        out.write(f"{label:<14}{figures.questions:>10}{share(figures.answered_share):>10}\n")
    out.write(f"median latency, last 7 days: {latency}\n")
    out.write("top questions, last 7 days:\n")
    for text, count in stats.top_questions:
        out.write(f"{count:>7}  {fit(text, max(width - 9, 10)).rstrip()}\n")
