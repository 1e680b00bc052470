"""Markdown (.md, .markdown): front matter or a header block, then the text with its markup removed.

markdown-it-py parses the body (CommonMark), so emphasis, links and code spans lose their markup but keep
their words. The first heading is the title when nothing else names one; headings never become passages,
each paragraph is one, and a list is one passage with an item per line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from corpus.formats.extracted import Extracted, FileRead, Unreadable, clean, decode_text
from corpus.header import parse_date, parse_header

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_INLINE_TEXT = frozenset(("text", "code_inline"))


def read_markdown(raw: bytes) -> FileRead:
    """One article per file."""
    text = decode_text(raw)
    if not text.strip():
        raise Unreadable("empty file; skipped")
    read = FileRead()
    metadata, body = _front_matter(text, read.warnings)
    if metadata is None:
        header = parse_header(text)
        body = text[header.body_start :]
        metadata = {"title": header.title, "url": header.url, "author": header.author, "publisher": header.publisher}
        date = header.date
        if header.problem:
            read.warnings.append(header.problem)
    else:
        date = _front_matter_date(metadata.get("date"), read.warnings)
    heading, paragraphs = _blocks(body)
    if not paragraphs:
        raise Unreadable("no text besides headings and markup; skipped")
    read.articles.append(
        Extracted(
            text="\n\n".join(paragraphs),
            title=clean(metadata.get("title")) or heading,
            date=date,
            url=clean(metadata.get("url") or metadata.get("link") or metadata.get("canonical_url")),
            author=_names(metadata.get("author") or metadata.get("authors")),
            publisher=clean(metadata.get("publisher") or metadata.get("site")),
        )
    )
    return read


def _front_matter(text: str, warnings: list[str]) -> tuple[Mapping[str, Any] | None, str]:
    """YAML between `---` lines at the very top; None when there is none (or it is unusable)."""
    import yaml

    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        metadata = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        reason = str(error).splitlines()[0]
        warnings.append(f"front matter is not valid YAML ({reason}); its fields are ignored")
        return {}, text[match.end() :]
    if not isinstance(metadata, dict):
        warnings.append("front matter is not a set of `key: value` fields; ignored")
        return {}, text[match.end() :]
    return {str(key).lower(): value for key, value in metadata.items()}, text[match.end() :]


def _front_matter_date(value: object, warnings: list[str]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    date, problem = parse_date(str(value).strip())
    if problem:
        warnings.append(problem)
    return date


def _names(value: object) -> str | None:
    if isinstance(value, list):
        return clean(", ".join(str(name) for name in value))
    return clean(value)


def _blocks(body: str) -> tuple[str | None, list[str]]:
    """The first heading's text, and the plain text of every paragraph, list and code block in order."""
    from markdown_it import MarkdownIt

    heading: str | None = None
    paragraphs: list[str] = []
    items: list[str] = []
    in_heading = False
    lists = 0
    for token in MarkdownIt("commonmark").parse(body):
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
            if lists == 0 and items:
                paragraphs.append("\n".join(items))
                items = []
        elif token.type == "inline":
            words = _inline_text(token.children or [])
            if not words:
                continue
            if in_heading:
                heading = heading or words
            elif lists:
                items.append(words)
            else:
                paragraphs.append(words)
        elif token.type in ("fence", "code_block") and token.content.strip():
            paragraphs.append(token.content.strip("\n"))
    return heading, paragraphs


def _inline_text(children: Iterable[Any]) -> str:
    """Words of an inline run without their markup; a soft line break is a space, a hard one a new line."""
    pieces: list[str] = []
    for child in children:
        if child.type in _INLINE_TEXT:
            pieces.append(child.content)
        elif child.type == "softbreak":
            pieces.append(" ")
        elif child.type == "hardbreak":
            pieces.append("\n")
    return "".join(pieces).strip()
