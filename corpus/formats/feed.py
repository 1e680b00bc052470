"""RSS and Atom feeds (.xml, .rss, .atom), read by feedparser: one article per entry.

Each entry keeps its own title, link, author and date; its text is the full content when the feed
carries it, else its summary. The date is read from the entry's own string, so an article published
late in the evening in New York keeps its local day instead of moving to the next UTC day; an entry
whose date cannot be read is undated, with a warning.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import warnings
from typing import Any

from corpus.formats.extracted import Extracted, FileRead, Unreadable, clean, normalized, paragraphs_text
from corpus.formats.html_text import fragment_paragraphs


def read_feed(raw: bytes) -> FileRead:
    """Every entry with text; a file that is no feed, or whose entries have no text, is Unreadable."""
    import feedparser

    with warnings.catch_warnings():
        # feedparser warns when `updated` is read through its old alias of `published`; both are read here.
        warnings.simplefilter("ignore", DeprecationWarning)
        read = _entries(feedparser.parse(raw))
    if not read.articles:
        raise Unreadable(f"{'; '.join(read.warnings) or 'no feed entries'}; skipped")
    return read


def _entries(parsed: Any) -> FileRead:
    read = FileRead()
    entries = parsed.get("entries") or []
    if not entries:
        reason = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise Unreadable(f"not an RSS or Atom feed with entries{reason}; skipped")
    if parsed.get("bozo"):
        read.warnings.append(f"the feed is not well-formed ({parsed.get('bozo_exception')}); read what it holds")
    publisher = clean(parsed.get("feed", {}).get("title"))
    for number, entry in enumerate(entries, start=1):
        name = clean(entry.get("title")) or f"entry {number}"
        text = paragraphs_text(_entry_paragraphs(entry))
        if not text:
            read.warnings.append(f"entry {name!r} has no text; skipped")
            continue
        date = _entry_date(entry)
        if date is None and _raw_date(entry):
            read.warnings.append(f"entry {name!r}: unreadable date {_raw_date(entry)!r}; treated as undated")
        key = entry.get("id") or entry.get("link") or f"{name}\x1f{text[:200]}"
        read.articles.append(
            Extracted(
                text=normalized(text),
                title=clean(entry.get("title")),
                date=date,
                url=clean(entry.get("link")),
                author=clean((entry.get("author_detail") or {}).get("name")) or clean(entry.get("author")),
                publisher=publisher,
                key=hashlib.sha256(str(key).encode()).hexdigest()[:12],
            )
        )
    return read


def _entry_paragraphs(entry: Any) -> list[str]:
    contents = [part.get("value", "") for part in entry.get("content") or [] if isinstance(part, dict)]
    best = max(contents, key=len, default="") or entry.get("summary") or ""
    return fragment_paragraphs(str(best))


def _raw_date(entry: Any) -> str | None:
    return clean(entry.get("published") or entry.get("updated") or entry.get("created"))


def _entry_date(entry: Any) -> dt.date | None:
    """The day as the entry writes it (RFC 822 in RSS, ISO 8601 in Atom), else feedparser's UTC reading."""
    raw = _raw_date(entry)
    if raw is None:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None
