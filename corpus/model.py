"""The records every later stage passes around: a document and the passages quoted from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """One source article; `text` is exactly what was indexed (a file's body, or what was extracted from it)."""

    doc_id: str
    title: str
    date: dt.date | None
    text: str
    kind: str = "text"
    # Where it was read from, under the corpus root (a feed's entries share their feed's file).
    file: str = ""
    url: str | None = None
    author: str | None = None
    publisher: str | None = None

    @property
    def source(self) -> str | None:
        """Where a reader can find the article: its url, else its publisher; never the file name."""
        return self.url or self.publisher


@dataclass(frozen=True, slots=True)
class Passage:
    """A quotable span of a document; `text` is always `document.text[start:end]`, never rewritten."""

    passage_id: str
    document: Document
    paragraph: int
    start: int
    end: int
    text: str

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    @property
    def title(self) -> str:
        return self.document.title

    @property
    def date(self) -> dt.date | None:
        return self.document.date

    @property
    def source(self) -> str | None:
        return self.document.source
