"""Metadata at the top of a source file: the seed's `date YYYY-MM-DD` prefix or a `title:/date:/url:` block."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DATE_PREFIX = re.compile(r"\A\s*date\s+(\S+)[ \t]+")
_HEADER_LINE = re.compile(r"\A(title|date|url|source):[ \t]*(.*)\Z", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Header:
    """What the file says about itself, and where its body begins."""

    title: str | None
    date: dt.date | None
    url: str | None
    body_start: int
    problem: str | None


def parse_header(text: str) -> Header:
    """Split metadata from the body; a bad date is reported as a problem, never guessed."""
    block = _header_block(text)
    if block is not None:
        return block
    match = _DATE_PREFIX.match(text)
    if match:
        date, problem = _parse_date(match.group(1))
        return Header(None, date, None, match.end(), problem)
    return Header(None, None, None, 0, None)


def _header_block(text: str) -> Header | None:
    fields: dict[str, str] = {}
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if not stripped:
            if fields:
                break
            offset += len(line)
            continue
        match = _HEADER_LINE.match(stripped)
        if not match:
            return None
        fields[match.group(1).lower()] = match.group(2).strip()
        offset += len(line)
    else:
        if not fields:
            return None
    date, problem = _parse_date(fields["date"]) if fields.get("date") else (None, None)
    url = fields.get("url") or fields.get("source") or None
    return Header(fields.get("title") or None, date, url, offset, problem)


def _parse_date(value: str) -> tuple[dt.date | None, str | None]:
    try:
        return dt.date.fromisoformat(value), None
    except ValueError:
        return None, f"malformed date {value!r} (expected YYYY-MM-DD); treated as undated"
