"""`sources.toml` beside the source files: what a file cannot say about itself (title, url, publisher, author).

Source files stay exactly as published (the seed is kept byte for byte), so their metadata lives here,
one table per file, keyed by its path under the corpus folder:

    ["000_f1d616dfc469d761.txt"]
    title = "…"
    publisher = "…"

What this file says wins over what the file itself says. A feed's entries take its publisher and
author; their titles, links and dates stay their own.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

SOURCES_FILE = "sources.toml"
_TEXT_FIELDS = ("title", "url", "publisher", "author")


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """The metadata given for one file."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: dt.date | None = None


def read_sources(folder: Path) -> tuple[dict[str, SourceInfo], list[str]]:
    """The tables of `folder/sources.toml` by file path, and a warning per unusable part (never an error)."""
    path = folder / SOURCES_FILE
    if not path.is_file():
        return {}, []
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return {}, [f"{path}: unreadable ({error}); its metadata is ignored"]
    sources: dict[str, SourceInfo] = {}
    warnings: list[str] = []
    for name, table in tables.items():
        if not isinstance(table, dict):
            warnings.append(f"{path}: {name!r} is not a table of fields; ignored")
            continue
        unknown = sorted(set(table) - {*_TEXT_FIELDS, "date"})
        if unknown:
            warnings.append(f"{path}: [{name!r}] has unknown field(s) {', '.join(unknown)}; ignored")
        fields = {key: _text(table.get(key)) for key in _TEXT_FIELDS}
        date = table.get("date")
        if date is not None and not (isinstance(date, dt.date) and not isinstance(date, dt.datetime)):
            warnings.append(f"{path}: [{name!r}] date must be a TOML date such as 2022-12-03; ignored")
            date = None
        sources[name] = SourceInfo(date=date, **fields)
    return sources, warnings


def _text(value: object) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None
