"""The per-file corpus manifest: what changed since the last scan, hashing only files whose size or mtime moved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus.manifest import CorpusManifest


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text("Alpha.\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("Beta.\n")
    (tmp_path / ".hidden").write_text("never listed\n")
    return tmp_path


def test_scan_lists_every_visible_file_by_relative_path(folder: Path) -> None:
    manifest = CorpusManifest.scan(folder)
    assert sorted(manifest.files) == ["a.txt", "sub/b.md"]
    assert manifest.files["a.txt"].size == 7 and len(manifest.files["a.txt"].sha256) == 64


def test_changes_name_added_removed_and_modified_files(folder: Path) -> None:
    before = CorpusManifest.scan(folder)
    (folder / "a.txt").write_text("Alpha, rewritten.\n")
    (folder / "sub" / "b.md").unlink()
    (folder / "c.txt").write_text("Gamma.\n")
    changes = before.changes(CorpusManifest.scan(folder, previous=before))
    assert (changes.added, changes.removed, changes.modified) == (("c.txt",), ("sub/b.md",), ("a.txt",))
    assert changes.changed == ("a.txt", "c.txt") and not changes.unchanged


def test_a_touched_file_with_the_same_content_is_unchanged(folder: Path) -> None:
    before = CorpusManifest.scan(folder)
    os.utime(folder / "a.txt", ns=(10**18, 10**18))
    after = CorpusManifest.scan(folder, previous=before)
    assert before.changes(after).unchanged and after.files["a.txt"].mtime_ns == 10**18


def test_a_file_with_its_size_and_mtime_kept_is_not_read_again(folder: Path) -> None:
    before = CorpusManifest.scan(folder)
    status = (folder / "a.txt").stat()
    (folder / "a.txt").write_text("Omega.\n")
    os.utime(folder / "a.txt", ns=(status.st_atime_ns, status.st_mtime_ns))
    assert before.changes(CorpusManifest.scan(folder, previous=before)).unchanged
    assert not before.changes(CorpusManifest.scan(folder)).unchanged


def test_json_round_trip_and_refusal_of_anything_else(folder: Path) -> None:
    manifest = CorpusManifest.scan(folder)
    assert CorpusManifest.from_json(manifest.to_json()) == manifest
    for bad in ({"a.txt": 1}, [["a.txt", "7", 1, "x"]], [["a.txt", 7, 1]]):
        with pytest.raises(ValueError):
            CorpusManifest.from_json(bad)


def test_a_single_file_corpus_is_its_own_manifest(folder: Path) -> None:
    assert list(CorpusManifest.scan(folder / "a.txt").files) == ["a.txt"]
