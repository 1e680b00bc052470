"""Reading a folder (or one file) of source articles into documents and passages, warning about bad files.

A reload passes the previous Corpus: files whose size, modification time and sources.toml entry are
unchanged keep their documents and passages, so only new and changed files are read and split again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.formats import KINDS, Extracted, Unreadable, kind_of, read_bytes
from corpus.model import Document, Passage
from corpus.sources_file import SOURCES_FILE, SourceInfo, read_sources
from corpus.splitting import paragraph_spans, window_spans
from corpus.titles import derived_title

READ_TYPES = ", ".join(sorted(KINDS))


class CorpusError(Exception):
    """The corpus cannot be used at all (missing, or nothing loadable in it)."""


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What says a file may have changed without reading it."""

    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class SourceFile:
    """Everything one file gave: its documents and passages, and the warnings about it."""

    path: str
    stamp: FileStamp
    info: SourceInfo | None
    documents: tuple[Document, ...]
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...]


@dataclass(slots=True)
class Corpus:
    """Everything loaded from one corpus path, with a warning line for each file that was skipped or doubtful.

    `documents` and `passages` are lists when read from the files, and mapped sequences when reopened from
    a saved index (retrieval.saved_corpus); `files` is what each file gave, for a reload to reuse, and is
    empty for a reopened corpus (its first reload reads every file).
    """

    root: Path
    documents: Sequence[Document] = field(default_factory=list)
    passages: Sequence[Passage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: dict[str, SourceFile] = field(default_factory=dict)

    def document(self, doc_id: str) -> Document | None:
        """The document with this id, if the corpus has it."""
        return next((document for document in self.documents if document.doc_id == doc_id), None)


def load_corpus(path: str | Path, previous: Corpus | None = None) -> Corpus:
    """Load every document under `path`; raise CorpusError only when nothing usable is found."""
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"corpus path {str(root)!r} does not exist")
    base = root.parent if root.is_file() else root
    sources, warnings = read_sources(base)
    documents: list[Document] = []
    passages: list[Passage] = []
    read: dict[str, SourceFile] = {}
    files = list(_source_files(root, base, warnings))
    ids = _document_ids([relative for _, relative in files])
    reusable = previous.files if previous is not None and previous.root == root else {}
    texts: dict[str, str] = {}
    for file, relative in files:
        source = _read_file(file, relative, ids[relative], sources.get(relative), reusable.get(relative))
        if source is None:
            continue
        read[relative] = source
        warnings.extend(source.warnings)
        for document in source.documents:
            digest = text_digest(document.text)
            if digest in texts:
                warnings.append(f"{file}: {document.doc_id} has the same text as {texts[digest]}; skipped")
                continue
            texts[digest] = document.doc_id
            documents.append(document)
            passages.extend(p for p in source.passages if p.document is document)
    for name in sorted(set(sources) - {relative for _, relative in files}):
        warnings.append(f"{base / SOURCES_FILE}: no file {name!r} in the corpus; its entry is unused")
    if not passages:
        raise CorpusError(f"no loadable documents in {str(root)!r}" + _reasons(warnings))
    return Corpus(root=root, documents=documents, passages=passages, warnings=warnings, files=read)


def text_digest(text: str) -> str:
    """Equal for two texts that differ only in white space: what "the same text" means for duplicates."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def read_document_file(file: Path, relative: str, info: SourceInfo | None = None) -> SourceFile:
    """One file's documents and passages, however it fails (a failure is a warning and no documents)."""
    return _read_file(file, relative, _document_ids([relative])[relative], info, None) or SourceFile(
        relative, FileStamp(0, 0), info, (), (), (f"{file}: unreadable; skipped",)
    )


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
                    document=document,
                    paragraph=number,
                    start=start,
                    end=end,
                    text=document.text[start:end],
                )
            )
    return passages


def _read_file(
    file: Path, relative: str, doc_id: str, info: SourceInfo | None, previous: SourceFile | None
) -> SourceFile | None:
    try:
        status = file.stat()
    except OSError:
        return None
    stamp = FileStamp(status.st_size, status.st_mtime_ns)
    if previous is not None and previous.stamp == stamp and previous.info == info:
        return previous
    kind = kind_of(file)
    if kind is None:
        warning = f"{file}: not a type quotebot reads ({READ_TYPES}); skipped"
        return SourceFile(relative, stamp, info, (), (), (warning,))
    try:
        read = read_bytes(file.read_bytes(), kind)
    except OSError as error:
        return SourceFile(relative, stamp, info, (), (), (f"{file}: unreadable ({error.strerror or error}); skipped",))
    except Unreadable as problem:
        return SourceFile(relative, stamp, info, (), (), (f"{file}: {problem}",))
    warnings = [f"{file}: {warning}" for warning in read.warnings]
    several = len(read.articles) > 1 or kind == "feed"
    documents = tuple(
        _document(article, f"{doc_id}/{article.key}" if several and article.key else doc_id, kind, relative, info)
        for article in read.articles
    )
    passages = tuple(passage for document in documents for passage in split_document(document))
    return SourceFile(relative, stamp, info, documents, passages, tuple(warnings))


def _document(article: Extracted, doc_id: str, kind: str, relative: str, info: SourceInfo | None) -> Document:
    given = info or SourceInfo()
    return Document(
        doc_id=doc_id,
        title=given.title or article.title or derived_title(article.text),
        date=given.date or article.date,
        text=article.text,
        kind=kind,
        file=relative,
        url=given.url or article.url,
        author=given.author or article.author,
        publisher=given.publisher or article.publisher,
    )


def _source_files(root: Path, base: Path, warnings: list[str]) -> Iterator[tuple[Path, str]]:
    """Every file under `root` with its path under `base`; hidden files and sources.toml are not sources."""
    if root.is_file():
        yield root, root.relative_to(base).as_posix()
        return
    try:
        entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    except OSError as error:
        warnings.append(f"{root}: unreadable folder ({error.strerror or error}); skipped")
        return
    if not entries:
        warnings.append(f"{root}: directory is empty")
    for entry in entries:
        if entry.is_dir():
            yield from _source_files(entry, base, warnings)
        elif entry.is_file() and not (root == base and entry.name == SOURCES_FILE):
            yield entry, entry.relative_to(base).as_posix()


def _document_ids(relatives: list[str]) -> dict[str, str]:
    """A file's path without its extension, unless another file shares that; then the path with it."""
    stems: dict[str, int] = {}
    for relative in relatives:
        stem = _stem(relative)
        stems[stem] = stems.get(stem, 0) + 1
    return {relative: _stem(relative) if stems[_stem(relative)] == 1 else relative for relative in relatives}


def _stem(relative: str) -> str:
    path = Path(relative)
    return path.with_suffix("").as_posix() if path.suffix else relative


def _reasons(warnings: list[str]) -> str:
    return "".join(f"\n  {line}" for line in warnings)
