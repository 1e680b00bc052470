"""Adding a source to the corpus folder: checked, stored under a stable name, never a duplicate.

Shared by `quotebot add` and the bot's moderator upload and /add, so both give the same answer.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from corpus.fetch import MAX_SOURCE_BYTES
from corpus.formats import Unreadable, kind_of, read_bytes
from corpus.loader import READ_TYPES, Corpus, SourceFile, read_document_file, text_digest
from corpus.sources_file import SOURCES_FILE, read_sources

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class AddRefused(Exception):
    """The source was not added; the message says why in words a moderator can act on."""


@dataclass(frozen=True, slots=True)
class Added:
    """The stored file (its path under the corpus folder) and what the corpus now reads from it."""

    relative: str
    source: SourceFile


def add_source(corpus: Corpus, name: str, raw: bytes, url: str | None = None) -> Added:
    """Store `raw` as a new file of the corpus folder, named `<name>-<content hash><ext>`.

    Refused: a type quotebot does not read, an oversized or unreadable file, and a file whose extracted
    text is exactly that of a document already in the corpus (the message names that file). When `url`
    is given (the article was fetched) and the article names no url of its own, it is kept in sources.toml.
    """
    folder = corpus.root
    if not folder.is_dir():
        raise AddRefused(f"the corpus {folder} is a single file; point QUOTEBOT_CORPUS at a folder to add sources")
    kind = kind_of(Path(name))
    if kind is None:
        raise AddRefused(f"{name} is not a type quotebot reads ({READ_TYPES})")
    if len(raw) > MAX_SOURCE_BYTES:
        raise AddRefused(f"{name} is larger than {MAX_SOURCE_BYTES:,} bytes")
    try:
        read = read_bytes(raw, kind)
    except Unreadable as problem:
        raise AddRefused(f"{name}: {problem}".removesuffix("; skipped")) from None
    existing = {text_digest(document.text): document for document in corpus.documents}
    for article in read.articles:
        twin = existing.get(text_digest(article.text))
        if twin is not None:
            raise AddRefused(f"{name} has the same text as {twin.file}, already in the corpus")
    relative = stable_name(name, raw)
    target = folder / relative
    if target.exists():
        raise AddRefused(f"{name} is already in the corpus as {relative}")
    _write_new(target, raw)
    if url and not any(article.url for article in read.articles) and kind != "feed":
        _remember_url(folder, relative, url)
    info = read_sources(folder)[0].get(relative)
    return Added(relative, read_document_file(target, relative, info))


def stable_name(name: str, raw: bytes) -> str:
    """The same bytes under the same name always get the same file name, safe on any file system."""
    path = Path(name)
    stem = _UNSAFE.sub("-", path.stem).strip("-.")[:60] or "source"
    return f"{stem}-{hashlib.sha256(raw).hexdigest()[:12]}{path.suffix.lower()}"


def _write_new(target: Path, raw: bytes) -> None:
    """Write whole or not at all: the watcher of a running bot never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".adding-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(raw)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remember_url(folder: Path, relative: str, url: str) -> None:
    """Append the file's table to sources.toml, leaving what is already written (comments too) as it is."""
    path = folder / SOURCES_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    table = tomli_w.dumps({relative: {"url": url}})
    separator = "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    with path.open("a", encoding="utf-8") as file:
        file.write(separator + table)
