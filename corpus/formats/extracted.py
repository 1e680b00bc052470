"""What a reader of one file type returns: the articles it found, and what went wrong on the way."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Extracted:
    """One article's text exactly as it will be indexed and quoted, with whatever metadata the file gave."""

    text: str
    title: str | None = None
    date: dt.date | None = None
    url: str | None = None
    author: str | None = None
    publisher: str | None = None
    # Names a feed entry within its feed, so its document id survives new entries being added above it.
    key: str | None = None


@dataclass(slots=True)
class FileRead:
    """The articles read from one file, and warnings about it (without the file name: the loader adds it)."""

    articles: list[Extracted] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Unreadable(Exception):
    """The file cannot give any article; the message says why, for a warning that names the file."""


def decode_text(raw: bytes) -> str:
    """UTF-8 (a byte-order mark allowed) with every line end as \\n, in NFC; anything else is Unreadable."""
    if b"\x00" in raw:
        raise Unreadable("binary file (contains NUL bytes); skipped")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(f"not valid UTF-8 (byte {error.start}); skipped") from None
    return normalized(text)


def normalized(text: str) -> str:
    """One form for every extracted text: \\n line ends, composed (NFC) characters."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def paragraphs_text(paragraphs: list[str]) -> str:
    """Paragraphs, each folded onto clean white space, separated by blank lines (the passage splitter's breaks)."""
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def clean(value: object) -> str | None:
    """A metadata string with white space folded, or None when there is nothing in it."""
    if not isinstance(value, str):
        return None
    folded = " ".join(value.split())
    return folded or None
