"""Saved lists of strings: by position (PackedStrings), or looked up by a 64-bit hash (StringTable).

Terms, words and character grams of a large corpus number in the hundreds of thousands, passage ids in the
millions; turning them into Python objects at every start would take longer than everything else start-up
does. Here they stay in mapped arrays — the UTF-8 bytes one after another and where each string ends — and
a StringTable adds the strings' hashes in ascending order: a lookup hashes the key, finds it with
`np.searchsorted` and compares the bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

# Keys whose counts a CountTable remembers before it forgets them all and starts again.
KEY_MEMORY = 1 << 16


def _hash(raw: bytes) -> int:
    """The same in every process (Python's own `hash` of a str is salted per process)."""
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")


class PackedStrings(Sequence[str]):
    """Strings by position, decoded one at a time when asked for."""

    def __init__(self, utf8: np.ndarray, ends: np.ndarray) -> None:
        self._utf8 = utf8
        self._ends = ends

    @classmethod
    def build(cls, strings: Iterable[str]) -> PackedStrings:
        encoded = [text.encode("utf-8") for text in strings]
        ends = np.cumsum([len(raw) for raw in encoded], dtype=np.int64)
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), ends)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to save, under names starting with `prefix`."""
        return {f"{prefix}.utf8": self._utf8, f"{prefix}.ends": self._ends}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> PackedStrings:
        """The strings saved by `arrays(prefix)`; ValueError when those arrays do not fit together."""
        utf8, ends = arrays[f"{prefix}.utf8"], arrays[f"{prefix}.ends"]
        if utf8.dtype != np.uint8 or ends.dtype != np.int64 or (len(ends) > 0 and int(ends[-1]) != len(utf8)):
            raise ValueError(f"the {prefix} strings' arrays do not fit together")
        return cls(utf8, ends)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        return self.raw(position).decode("utf-8")

    def raw(self, position: int) -> bytes:
        if position < 0:
            position += len(self._ends)
        start = int(self._ends[position - 1]) if position else 0
        return bytes(self._utf8[start : int(self._ends[position])])

    def neighbours(self) -> frozenset[str]:
        """Every two characters that follow each other in a string, and (as the strings are stored back to
        back) the few that meet only where one string ends and the next begins: a superset, quick to take."""
        points = np.frombuffer(bytes(self._utf8).decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
        pairs = np.unique((points[:-1].astype(np.uint64) << np.uint64(21)) | points[1:])
        return frozenset(chr(pair >> 21) + chr(pair & 0x1FFFFF) for pair in pairs.tolist())

    def raw_many(self, positions: np.ndarray) -> Iterator[bytes]:
        """The UTF-8 bytes of the strings at `positions`, in order."""
        ends = self._ends[positions].tolist()
        starts = np.where(positions > 0, self._ends[np.maximum(positions - 1, 0)], 0).tolist()
        blob = self._utf8.data
        return (blob[start:end].tobytes() for start, end in zip(starts, ends, strict=True))

    def all(self) -> list[str]:
        """Every string, in order (reads them all: for builds and rare full scans only)."""
        blob = bytes(self._utf8)
        starts = [0, *self._ends[:-1].tolist()]
        return [blob[start:end].decode("utf-8") for start, end in zip(starts, self._ends.tolist(), strict=True)]


class StringTable:
    """Distinct strings, each at a fixed position: `index_of(s)` finds it, `[i]` gives it back."""

    def __init__(self, hashes: np.ndarray, strings: PackedStrings) -> None:
        if hashes.dtype != np.uint64 or len(hashes) != len(strings):
            raise ValueError("a string table needs one uint64 hash per string")
        self._hashes = hashes
        self._strings = strings

    @classmethod
    def build(cls, strings: Iterable[str]) -> tuple[StringTable, np.ndarray]:
        """The table of `strings` (distinct) and, for each input string in order, its position in the table."""
        encoded = [text.encode("utf-8") for text in strings]
        hashes = np.fromiter(map(_hash, encoded), dtype=np.uint64, count=len(encoded))
        order = np.argsort(hashes, kind="stable")
        positions = np.empty(len(encoded), dtype=np.int64)
        positions[order] = np.arange(len(encoded))
        ordered = [encoded[i] for i in order.tolist()]
        ends = np.cumsum([len(raw) for raw in ordered], dtype=np.int64)
        packed = PackedStrings(np.frombuffer(b"".join(ordered), dtype=np.uint8), ends)
        return cls(hashes[order], packed), positions

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to save, under names starting with `prefix`."""
        return {f"{prefix}.hashes": self._hashes, **self._strings.arrays(prefix)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> StringTable:
        """The table saved by `arrays(prefix)`; ValueError when its arrays do not fit together."""
        return cls(arrays[f"{prefix}.hashes"], PackedStrings.from_arrays(arrays, prefix))

    def __len__(self) -> int:
        return len(self._hashes)

    def __getitem__(self, position: int) -> str:
        return self._strings[position]

    def index_of(self, text: str) -> int:
        """The position of `text`, or -1 when the table does not hold it."""
        return self.indexes_of([text])[0]

    def indexes_of(self, texts: Sequence[str]) -> list[int]:
        """`index_of` for many strings at once: one vectorised search for all of them."""
        if not texts or not len(self._hashes):
            return [-1] * len(texts)
        encoded = [text.encode("utf-8") for text in texts]
        wanted = np.fromiter(map(_hash, encoded), dtype=np.uint64, count=len(encoded))
        starts = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        hashed = (self._hashes[starts] == wanted).tolist()
        candidates = self._strings.raw_many(starts[np.flatnonzero(hashed)])
        found = []
        for raw, key, position, hit in zip(encoded, wanted.tolist(), starts.tolist(), hashed, strict=True):
            if hit and next(candidates) != raw:
                # Another string with the same 64-bit hash: look at the ones after it.
                position += 1
                while position < len(self._hashes) and int(self._hashes[position]) == key:
                    if self._strings.raw(position) == raw:
                        break
                    position += 1
                else:
                    position = -1
            found.append(position if hit else -1)
        return found

    def neighbours(self) -> frozenset[str]:
        """Every two characters that follow each other in a string (and a few more: see PackedStrings)."""
        return self._strings.neighbours()

    def strings(self) -> list[str]:
        """Every string, in table order (reads the whole table: for builds and rare full scans only)."""
        return self._strings.all()


class PositionIndex:
    """Finds a string's position among PackedStrings that stay in their own order (passage ids): the
    strings' hashes ascending, each with the position it belongs to."""

    def __init__(self, strings: PackedStrings, hashes: np.ndarray, positions: np.ndarray) -> None:
        if (
            hashes.dtype != np.uint64
            or positions.dtype != np.int64
            or not len(hashes) == len(positions) == len(strings)
        ):
            raise ValueError("a position index needs one uint64 hash and one int64 position per string")
        self._strings = strings
        self._hashes = hashes
        self._positions = positions

    @classmethod
    def build(cls, strings: PackedStrings, texts: Sequence[str]) -> PositionIndex:
        """The index of `strings`, which hold `texts` (passed too, so nothing is decoded again)."""
        hashes = np.fromiter((_hash(text.encode("utf-8")) for text in texts), dtype=np.uint64, count=len(texts))
        order = np.argsort(hashes, kind="stable")
        return cls(strings, hashes[order], order.astype(np.int64))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to save (the strings are saved by their owner), under names starting with `prefix`."""
        return {f"{prefix}.hashes": self._hashes, f"{prefix}.positions": self._positions}

    @classmethod
    def from_arrays(cls, strings: PackedStrings, arrays: dict[str, np.ndarray], prefix: str) -> PositionIndex:
        """The index saved by `arrays(prefix)` over `strings`; ValueError when they do not fit together."""
        return cls(strings, arrays[f"{prefix}.hashes"], arrays[f"{prefix}.positions"])

    def position_of(self, text: str) -> int | None:
        """Where `text` is among the strings, or None."""
        raw = text.encode("utf-8")
        key = _hash(raw)
        place = int(np.searchsorted(self._hashes, np.uint64(key)))
        while place < len(self._hashes) and int(self._hashes[place]) == key:
            position = int(self._positions[place])
            if self._strings.raw(position) == raw:
                return position
            place += 1
        return None


class CountTable(Mapping[str, int]):
    """How often each string was seen (a saved Counter): `counts_of` looks many up in one search."""

    def __init__(self, table: StringTable, counts: np.ndarray) -> None:
        if counts.dtype != np.int64 or len(counts) != len(table):
            raise ValueError("a count table needs one int64 count per string")
        self._table = table
        self._counts = counts
        # Questions ask for the same keys again and again ("what", "the "): each is hashed and searched once.
        self._known: dict[str, int] = {}

    @classmethod
    def build(cls, counts: Mapping[str, int]) -> CountTable:
        table, positions = StringTable.build(counts)
        ordered = np.zeros(len(positions), dtype=np.int64)
        ordered[positions] = np.fromiter(counts.values(), dtype=np.int64, count=len(positions))
        return cls(table, ordered)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to save, under names starting with `prefix`."""
        return {**self._table.arrays(prefix), f"{prefix}.counts": self._counts}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> CountTable:
        """The counts saved by `arrays(prefix)`; ValueError when its arrays do not fit together."""
        return cls(StringTable.from_arrays(arrays, prefix), arrays[f"{prefix}.counts"])

    def counts_of(self, keys: Sequence[str], remember: bool = True) -> list[int]:
        """The count of each key, 0 for a key never seen; `remember`: keep the counts for the next call (not
        for keys that are asked once, such as the thousands of strings one slip from an unknown word)."""
        if not remember:
            return [int(self._counts[i]) if i >= 0 else 0 for i in self._table.indexes_of(keys)]
        counts = [self._known.get(key) for key in keys]
        missing = list(dict.fromkeys(key for key, count in zip(keys, counts, strict=True) if count is None))
        found: dict[str, int] = {}
        if missing:
            positions = self._table.indexes_of(missing)
            found = {key: int(self._counts[i]) if i >= 0 else 0 for key, i in zip(missing, positions, strict=True)}
            if len(self._known) + len(found) > KEY_MEMORY:
                self._known.clear()
            self._known.update(found)
        return [found[key] if count is None else count for key, count in zip(keys, counts, strict=True)]

    def __getitem__(self, key: str) -> int:
        position = self._table.index_of(key)
        if position < 0:
            raise KeyError(key)
        return int(self._counts[position])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._table.index_of(key) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.strings())

    def __len__(self) -> int:
        return len(self._table)

    def neighbours(self) -> frozenset[str]:
        """Every two characters that follow each other in a string (and a few more: see PackedStrings)."""
        return self._table.neighbours()
