"""PDF files: the text layer of every page (pypdf), with paragraphs rebuilt from its lines.

A PDF stores lines, not paragraphs. Lines are joined into paragraphs: a word hyphenated at a line end is
joined again ("borrow-" + "ing" = "borrowing"), a paragraph ends at a clearly short line that ends a
sentence or at a blank line after a sentence end, and one running over a page break is continued. Lines
that are only a page number are left out; a short line on its own is a heading (the first one is the
title when the file names none), never a passage. The /Title and /Author of the document information
become title and author; its creation date is when the file was made, not when the article was
published, so it is not used.
"""

from __future__ import annotations

import io
import re

from corpus.formats.extracted import Extracted, FileRead, Unreadable, clean, normalized

_PAGE_NUMBER = re.compile(r"\A(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\Z", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:][\"'”’)\]]*\Z")
_HYPHENATED = re.compile(r"[A-Za-zÀ-ÿ]-\Z")
# A line shorter than this share of a full line, ending a sentence, ends its paragraph.
_SHORT_LINE = 0.85
# A line on its own shorter than this share of a full line, ending no sentence, is a heading.
_HEADING_LINE = 0.6
_PLACEHOLDER_TITLES = re.compile(r"\A(?:untitled|microsoft word - .*|document\d*)\Z", re.IGNORECASE)


def read_pdf(raw: bytes) -> FileRead:
    """One article per file; a PDF with no text layer (a scan) is Unreadable."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF; skipped")
        pages = [normalized(page.extract_text() or "") for page in reader.pages]
        metadata = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise Unreadable(f"not a readable PDF ({error}); skipped") from None
    headings, paragraphs = rebuild_paragraphs(pages)
    if not paragraphs:
        raise Unreadable("PDF has no text layer (a scanned image?); skipped")
    title = clean(metadata.title) if metadata else None
    if not title or _PLACEHOLDER_TITLES.match(title):
        title = headings[0] if headings else None
    author = clean(metadata.author) if metadata else None
    return FileRead([Extracted("\n\n".join(paragraphs), title=title, author=author)])


def rebuild_paragraphs(pages: list[str]) -> tuple[list[str], list[str]]:
    """The heading lines and the paragraphs of the pages' text; see the module docstring for the rules.

    A heading is a short line on its own that ends no sentence and is followed by a capitalised line.
    """
    lines = [line.strip() for page in pages for line in [*page.split("\n"), ""]]
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return [], []
    full = lengths[int(len(lengths) * 0.8)]
    headings: list[str] = []
    paragraphs: list[str] = []
    current = ""
    for line, following in zip(lines, _next_non_empty(lines), strict=True):
        if _PAGE_NUMBER.match(line):
            continue
        if not current and line and _is_heading(line, following, full):
            headings.append(line)
            continue
        current = _join(current, line) if line else current
        if (not line and not _continues(current)) or (
            line and _SENTENCE_END.search(line) and len(line) < _SHORT_LINE * full
        ):
            current = _flush(current, paragraphs)
    _flush(current, paragraphs)
    return headings, paragraphs


def _next_non_empty(lines: list[str]) -> list[str]:
    """For each line, the next line after it that is not blank ("" at the end)."""
    following: list[str] = []
    later = ""
    for line in reversed(lines):
        following.append(later)
        later = line or later
    return following[::-1]


def _is_heading(line: str, following: str, full: int) -> bool:
    return len(line) < _HEADING_LINE * full and not _SENTENCE_END.search(line) and following[:1].isupper()


def _continues(current: str) -> bool:
    """A paragraph cut by a page break (no sentence end yet) goes on on the next page."""
    return bool(current) and not _SENTENCE_END.search(current)


def _join(current: str, line: str) -> str:
    if not current:
        return line
    if _HYPHENATED.search(current) and line[:1].islower():
        return current[:-1] + line
    return f"{current} {line}"


def _flush(current: str, paragraphs: list[str]) -> str:
    if current.strip():
        paragraphs.append(" ".join(current.split()))
    return ""
