"""Reading a folder (or one file) of source articles into documents and passages, warning about bad files."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.header import parse_header
from corpus.model import Document, Passage
from corpus.sentences import sentence_spans
from corpus.splitting import paragraph_spans, window_spans

_TITLE_WORDS = 10


class CorpusError(Exception):
    """The corpus cannot be used at all (missing, or nothing loadable in it)."""


@dataclass(slots=True)
class Corpus:
    """Everything loaded from one corpus path, with a warning line for each file that was skipped or doubtful.

    `documents` and `passages` are lists when read from the files, and mapped sequences when reopened from
    a saved index (retrieval.saved_corpus).
    """

    root: Path
    documents: Sequence[Document] = field(default_factory=list)
    passages: Sequence[Passage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_corpus(path: str | Path) -> Corpus:
    """Load every document under `path`; raise CorpusError only when nothing usable is found."""
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"corpus path {str(root)!r} does not exist")
    documents: list[Document] = []
    passages: list[Passage] = []
    warnings: list[str] = []
    base = root.parent if root.is_file() else root
    for file in _source_files(root, warnings):
        document, problem = _read_document(file, base)
        if problem:
            warnings.append(f"{file}: {problem}")
        if document is None:
            continue
        documents.append(document)
        passages.extend(split_document(document))
    if not passages:
        raise CorpusError(f"no loadable documents in {str(root)!r}" + _reasons(warnings))
    return Corpus(root=root, documents=documents, passages=passages, warnings=warnings)


def split_document(document: Document) -> list[Passage]:
    """Cut a document into passages that remember exactly where their text came from."""
    passages: list[Passage] = []
    for number, (p_start, p_end) in enumerate(paragraph_spans(document.text), start=1):
        windows = window_spans(document.text, p_start, p_end)
        for part, (start, end) in enumerate(windows, start=1):
            suffix = f".{part}" if len(windows) > 1 else ""
            passages.append(
                Passage(
                    passage_id=f"{document.doc_id}#p{number}{suffix}",
                    doc_id=document.doc_id,
                    title=document.title,
                    date=document.date,
                    source=document.source,
                    paragraph=number,
                    start=start,
                    end=end,
                    text=document.text[start:end],
                )
            )
    return passages


def _source_files(root: Path, warnings: list[str]) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    if not entries:
        warnings.append(f"{root}: directory is empty")
    for entry in entries:
        if entry.is_dir():
            yield from _source_files(entry, warnings)
        elif entry.is_file():
            yield entry


def _read_document(file: Path, base: Path) -> tuple[Document | None, str | None]:
    try:
        raw = file.read_bytes()
    except OSError as error:
        return None, f"unreadable ({error.strerror or error}); skipped"
    if b"\x00" in raw:
        return None, "binary file (contains NUL bytes); skipped"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 (byte {error.start}); skipped"
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        return None, "empty file; skipped"
    header = parse_header(text)
    body = text[header.body_start :]
    if not body.strip():
        return None, "header but no text; skipped"
    relative = file.relative_to(base)
    document = Document(
        doc_id=relative.with_suffix("").as_posix(),
        title=header.title or _title_from(body),
        date=header.date,
        source=header.url or relative.as_posix(),
        text=body,
    )
    return document, header.problem


def _title_from(body: str) -> str:
    stripped = body.strip()
    spans = sentence_spans(stripped)
    first = stripped[spans[0][0] : spans[0][1]] if spans else stripped
    words = first.split()
    if len(words) <= _TITLE_WORDS:
        return " ".join(words).rstrip(".")
    return " ".join(words[:_TITLE_WORDS]).rstrip(",;:") + "…"


def _reasons(warnings: list[str]) -> str:
    return "".join(f"\n  {line}" for line in warnings)
