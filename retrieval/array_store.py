"""A folder of named numpy arrays that every process maps instead of reading: the saved index's file format.

Each array is one plain `.npy` file, opened with `mmap_mode="r"`, so any number of workers on one machine
share a single copy of it in the page cache and opening costs no more than reading the small manifest.
`arrays.json` (itself checksummed) lists every array with its dtype, shape, byte size, mtime and CRC-32,
taken from the file just after it was written. When a file is opened later, its size and mtime are
compared with the manifest and, if either differs or the file is small, its CRC is checked again — so
damage done since the build is found at the first open, and an untouched large file opens without being
read. A folder is written once and never changed: a new build goes to a new folder.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

MANIFEST = "arrays.json"
# Files up to this size are checksummed at every open: it costs well under a millisecond.
ALWAYS_VERIFY_BELOW = 1 << 20
_CHUNK = 1 << 24


class IndexFileError(Exception):
    """A saved index that is missing, truncated, corrupt or of another format version: rebuild it."""


def write_arrays(directory: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write each array as `<name>.npy` and then the manifest (with `meta`), into a folder that must not exist."""
    directory.mkdir(parents=True)
    entries: dict[str, dict[str, Any]] = {}
    for name, array in arrays.items():
        path = directory / f"{name}.npy"
        contiguous = np.ascontiguousarray(array)
        np.save(path, contiguous, allow_pickle=False)
        checksum = _file_crc(path)
        entries[name] = {
            "dtype": contiguous.dtype.str,
            "shape": list(contiguous.shape),
            "crc32": checksum,
            "bytes": path.stat().st_size,
            "mtime_ns": path.stat().st_mtime_ns,
        }
    manifest: dict[str, Any] = {"meta": dict(meta), "arrays": entries}
    manifest["crc32"] = _manifest_crc(manifest)
    temporary = directory / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, directory / MANIFEST)


def read_meta(directory: Path) -> dict[str, Any]:
    """The `meta` written with the arrays; IndexFileError when the manifest is missing or unreadable."""
    meta: dict[str, Any] = _manifest(directory)["meta"]
    return meta


def open_arrays(directory: Path) -> dict[str, np.ndarray]:
    """Every array of the folder, memory-mapped read-only, after the checks described above."""
    manifest = _manifest(directory)
    arrays: dict[str, np.ndarray] = {}
    for name, entry in manifest["arrays"].items():
        path = directory / f"{name}.npy"
        try:
            status = path.stat()
            if status.st_size != entry["bytes"]:
                raise IndexFileError(f"{path} has {status.st_size} bytes, expected {entry['bytes']}")
            if (status.st_size < ALWAYS_VERIFY_BELOW or status.st_mtime_ns != entry["mtime_ns"]) and _file_crc(
                path
            ) != entry["crc32"]:
                raise IndexFileError(f"{path} is damaged (checksum mismatch)")
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError, EOFError) as error:
            raise IndexFileError(f"cannot read {path}: {error}") from error
        if array.dtype.str != entry["dtype"] or list(array.shape) != entry["shape"]:
            raise IndexFileError(f"{path} is not the {entry['dtype']} array of shape {entry['shape']} expected")
        # A plain ndarray view of the mapping: slicing an np.memmap costs ten times more.
        arrays[name] = np.asarray(array)
    return arrays


def _manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexFileError(f"cannot read {directory / MANIFEST}: {error}") from error
    if not (
        isinstance(manifest, dict)
        and isinstance(manifest.get("meta"), dict)
        and isinstance(manifest.get("arrays"), dict)
        and all(_valid_entry(entry) for entry in manifest["arrays"].values())
    ):
        raise IndexFileError(f"{directory / MANIFEST} is not an index manifest")
    if manifest.get("crc32") != _manifest_crc(manifest):
        raise IndexFileError(f"{directory / MANIFEST} is damaged (checksum mismatch)")
    return manifest


def _manifest_crc(manifest: dict[str, Any]) -> int:
    """The CRC of the manifest's own content, so a changed number in it cannot pass for a real one."""
    content = {"meta": manifest["meta"], "arrays": manifest["arrays"]}
    return zlib.crc32(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def _valid_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("dtype"), str)
        and isinstance(entry.get("shape"), list)
        and all(isinstance(entry.get(key), int) for key in ("crc32", "bytes", "mtime_ns"))
    )


def _file_crc(path: Path) -> int:
    checksum = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            checksum = zlib.crc32(chunk, checksum)
    return checksum
