"""What a corpus folder held when it was last read: every file's path, size, mtime and content hash.

Comparing a fresh scan with the saved manifest says, cheaply, whether anything changed and what: a file
whose size and mtime are as recorded is taken to be unchanged without being read; only files whose size or
mtime differ are hashed, so touching a file without changing it is recognised too. The saved search index
keeps the manifest of the corpus it was built from, and start-up skips reading the corpus when the scan
says nothing changed; a reload can re-read only the files in `changes(...).changed`.

The manifest lists every non-hidden file under the root, which includes everything the loader reads
(documents, and any metadata file beside them), so a change to any input is seen.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HASH_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class FileState:
    """One file as it was seen: `path` is relative to the corpus base, with forward slashes."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ManifestChanges:
    """How a newer scan differs from an older manifest, as relative paths, each tuple sorted."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.modified)

    @property
    def changed(self) -> tuple[str, ...]:
        """The files to read again: added and modified ones."""
        return tuple(sorted(self.added + self.modified))


@dataclass(frozen=True, slots=True)
class CorpusManifest:
    """Every file under a corpus root, by relative path."""

    files: Mapping[str, FileState]

    @classmethod
    def scan(cls, root: Path, previous: CorpusManifest | None = None) -> CorpusManifest:
        """Stat every file under `root`; reuse `previous`'s hash where size and mtime match, hash the rest."""
        known = previous.files if previous is not None else {}
        base = root.parent if root.is_file() else root
        files: dict[str, FileState] = {}
        for path in corpus_files(root):
            try:
                status = path.stat()
            except OSError:
                continue
            relative = path.relative_to(base).as_posix()
            old = known.get(relative)
            if old is not None and old.size == status.st_size and old.mtime_ns == status.st_mtime_ns:
                files[relative] = old
                continue
            digest = _sha256(path)
            if digest is not None:
                files[relative] = FileState(relative, status.st_size, status.st_mtime_ns, digest)
        return cls(files)

    def changes(self, newer: CorpusManifest) -> ManifestChanges:
        """What `newer` (a later scan) added, removed and modified relative to this manifest, by content."""
        old, new = self.files, newer.files
        return ManifestChanges(
            added=tuple(sorted(new.keys() - old.keys())),
            removed=tuple(sorted(old.keys() - new.keys())),
            modified=tuple(sorted(p for p in new.keys() & old.keys() if new[p].sha256 != old[p].sha256)),
        )

    def to_json(self) -> list[list[Any]]:
        """A JSON-ready form: one [path, size, mtime_ns, sha256] row per file, sorted by path."""
        return [[f.path, f.size, f.mtime_ns, f.sha256] for f in sorted(self.files.values(), key=lambda f: f.path)]

    @classmethod
    def from_json(cls, rows: Any) -> CorpusManifest:
        """The manifest `to_json` wrote; ValueError for anything else."""
        if not isinstance(rows, list):
            raise ValueError("a corpus manifest is a list of rows")
        files: dict[str, FileState] = {}
        for row in rows:
            if not (
                isinstance(row, list)
                and len(row) == 4
                and isinstance(row[0], str)
                and isinstance(row[1], int)
                and isinstance(row[2], int)
                and isinstance(row[3], str)
            ):
                raise ValueError(f"not a corpus manifest row: {row!r}")
            files[row[0]] = FileState(*row)
        return cls(files)


def corpus_files(root: Path) -> Iterator[Path]:
    """Every non-hidden file under `root` (or `root` itself when it is a file), in sorted order."""
    if root.is_file():
        yield root
        return
    try:
        entries = sorted((e for e in os.scandir(root) if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir():
            yield from corpus_files(path)
        elif entry.is_file():
            yield path


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            while chunk := file.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
