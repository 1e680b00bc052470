"""The records every later stage passes around: a document and the passages quoted from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """One source article; `text` is the body exactly as in the file, header removed."""

    doc_id: str
    title: str
    date: dt.date | None
    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A quotable span of a document; `text` is always `document.text[start:end]`, never rewritten."""

    passage_id: str
    doc_id: str
    title: str
    date: dt.date | None
    source: str
    paragraph: int
    start: int
    end: int
    text: str
