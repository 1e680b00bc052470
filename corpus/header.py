"""Metadata at the top of a text file: the seed's `date YYYY-MM-DD` prefix or a `title:/date:/url:` block."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DATE_PREFIX = re.compile(r"\A\s*date\s+(\S+)[ \t]+")
_HEADER_LINE = re.compile(r"\A(title|date|url|source|author|publisher):[ \t]*(.*)\Z", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Header:
    """What the file says about itself, and where its body begins."""

    title: str | None
    date: dt.date | None
    url: str | None
    body_start: int
    problem: str | None
    author: str | None = None
    publisher: str | None = None


def parse_header(text: str) -> Header:
    """Split metadata from the body; a bad date is reported as a problem, never guessed.

    The block ends at a blank line or at the first line that is not a `key: value` header line, so a
    header written straight above the text never becomes part of a quote.
    """
    block = _header_block(text)
    if block is not None:
        return block
    match = _DATE_PREFIX.match(text)
    if match:
        date, problem = parse_date(match.group(1))
        return Header(None, date, None, match.end(), problem)
    return Header(None, None, None, 0, None)


def parse_date(value: str) -> tuple[dt.date | None, str | None]:
    """A YYYY-MM-DD date (a time after it is ignored), or None with the reason."""
    day = value[:10] if len(value) > 10 and value[10] in "T " else value
    try:
        return dt.date.fromisoformat(day), None
    except ValueError:
        return None, f"malformed date {value!r} (expected YYYY-MM-DD); treated as undated"


def _header_block(text: str) -> Header | None:
    fields: dict[str, str] = {}
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if not stripped:
            if fields:
                offset += len(line)
                break
            offset += len(line)
            continue
        match = _HEADER_LINE.match(stripped)
        if not match:
            break
        fields[match.group(1).lower()] = match.group(2).strip()
        offset += len(line)
    if not fields:
        return None
    date, problem = parse_date(fields["date"]) if fields.get("date") else (None, None)
    return Header(
        title=fields.get("title") or None,
        date=date,
        url=fields.get("url") or fields.get("source") or None,
        body_start=offset,
        problem=problem,
        author=fields.get("author") or None,
        publisher=fields.get("publisher") or None,
    )
