"""Plain text (.txt): the body as written, below an optional header block or the seed's date prefix."""

from __future__ import annotations

from corpus.formats.extracted import Extracted, FileRead, Unreadable, decode_text
from corpus.header import parse_header


def read_plain(raw: bytes) -> FileRead:
    """The whole body is one article; its paragraphs are separated by blank lines."""
    text = decode_text(raw)
    if not text.strip():
        raise Unreadable("empty file; skipped")
    header = parse_header(text)
    body = text[header.body_start :]
    if not body.strip():
        raise Unreadable("header but no text; skipped")
    read = FileRead([Extracted(body, header.title, header.date, header.url, header.author, header.publisher)])
    if header.problem:
        read.warnings.append(header.problem)
    return read
