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
_FIXED_COLUMNS = (("time", 16), ("channel", 7), ("ans", 3), ("score", 6), ("fb", 4), ("review", 7))
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
    """Aligned columns that fit `width`; question and quote share what the fixed columns leave."""

    def __init__(self, out: TextIO, width: int) -> None:
        self._out = out
        flexible = width - sum(size for _, size in _FIXED_COLUMNS) - len(_GAP) * len(_FIXED_COLUMNS)
        if flexible >= 40:
            self._question_width = (flexible - len(_GAP)) * 3 // 5
            self._quote_width: int | None = flexible - len(_GAP) - self._question_width
        else:
            self._question_width, self._quote_width = max(flexible, 12), None
        self._line(*(name for name, _ in _FIXED_COLUMNS), "question", "quote")

    def _line(self, *cells: str) -> None:
        sizes = [size for _, size in _FIXED_COLUMNS] + [self._question_width]
        if self._quote_width is not None:
            sizes.append(self._quote_width)
        self._out.write(
            _GAP.join(fit(cell, size) for cell, size in zip(cells[: len(sizes)], sizes, strict=True)).rstrip() + "\n"
        )

    def write(self, record: LoggedQuery) -> None:
        self._line(
            record.created_at.strftime("%Y-%m-%d %H:%M"),
            record.channel.value,
            "yes" if record.answered else "no",
            "" if record.score is None else f"{record.score:.2f}",
            "" if record.feedback is None else record.feedback.value,
            record.review_status.value,
            record.question,
            record.quote or "",
        )


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
