"""Web pages (.html, .htm): the article's main text and metadata, found by trafilatura.

trafilatura drops navigation, ads, scripts and comments, and reads title, author, canonical url and
publisher from the page's metadata; its dates come from htmldate (`article:published_time`, JSON-LD, the
URL, dated markup), with no search of the free text for a likely-looking date and no fallback to today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from corpus.formats.extracted import Extracted, FileRead, Unreadable, clean, normalized, paragraphs_text

# A page whose every line is shorter than this many words holds menus and links, not an article.
_SENTENCE_WORDS = 5
# Dates the page states, never one guessed from the body's words or the file's own time.
_DATE_PARAMETERS = {"extensive_search": False, "original_date": True}


def read_html(raw: bytes) -> FileRead:
    """One article per page; a page with no article text (all navigation, say) is Unreadable."""
    extracted = _extract(raw)
    if extracted is None or not (extracted.text or "").strip():
        raise Unreadable("no article text found (only navigation, boilerplate or markup); skipped")
    title = clean(extracted.title)
    lines = normalized(extracted.text).split("\n")
    if title and lines and " ".join(lines[0].split()) == title:
        lines = lines[1:]
    text = paragraphs_text(lines)
    if not any(len(line.split()) >= _SENTENCE_WORDS for line in lines):
        raise Unreadable("no article text found (only menus, links or a title); skipped")
    return FileRead(
        [
            Extracted(
                text=text,
                title=title,
                date=_date(extracted.date),
                url=clean(extracted.url),
                author=clean(extracted.author),
                publisher=clean(extracted.sitename),
            )
        ]
    )


def _extract(raw: bytes) -> Any:
    import trafilatura

    if not raw.strip():
        raise Unreadable("empty file; skipped")
    return trafilatura.bare_extraction(
        raw,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        date_extraction_params=_DATE_PARAMETERS,
    )


def _date(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
