"""One reader per file type, each turning a file's bytes into the same extracted articles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from corpus.formats.extracted import Extracted, FileRead, Unreadable
from corpus.formats.feed import read_feed
from corpus.formats.html import read_html
from corpus.formats.markdown import read_markdown
from corpus.formats.pdf import read_pdf
from corpus.formats.plain import read_plain

Reader = Callable[[bytes], FileRead]

# The document type each file name ending stands for, and how it is read.
KINDS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
READERS: dict[str, Reader] = {
    "text": read_plain,
    "markdown": read_markdown,
    "html": read_html,
    "pdf": read_pdf,
    "feed": read_feed,
}


def kind_of(path: Path) -> str | None:
    """The document type of a file by its name, or None for a type quotebot does not read."""
    return KINDS.get(path.suffix.lower())


def read_bytes(raw: bytes, kind: str) -> FileRead:
    """The articles in `raw`, read as `kind`; Unreadable when there are none."""
    return READERS[kind](raw)


__all__ = ["KINDS", "Extracted", "FileRead", "Unreadable", "kind_of", "read_bytes"]
