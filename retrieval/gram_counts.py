"""How many passages hold each character gram, counted for a run of passages at once.

Counted one passage at a time, every gram of every passage is a Python string, put in a set and then in a
Counter: at a million passages that was most of an index build. Here a run's sentences are one array of
code points, each numbered within the run's own alphabet, so that a gram and the passage holding it fit in
one 64-bit key and a single sort finds each gram once per passage. A run's counts travel and add up as
arrays too (a gram of the Basic Multilingual Plane is a 64-bit key, 16 bits a character), so the many
runs of a large corpus never turn into millions of short-lived strings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from retrieval.char_grams import GRAM, grams_of_words

# Never inside a word (`tokens.words`), so it marks where one sentence ends and the next begins.
_SEPARATOR = "\n"
_KEY_BITS = 63
_POINT_BITS = 16
# Runs' counts held before they are added up into one array.
_FOLD_EVERY = 16


class GramCounts(NamedTuple):
    """Passages per gram: grams of 16-bit characters as ascending keys with their counts, others by string."""

    keys: np.ndarray
    counts: np.ndarray
    others: Counter[str]


def passage_gram_counts(passages: Sequence[Sequence[str]]) -> GramCounts:
    """How many of `passages` hold each gram, each passage given as its sentences' words joined by spaces.

    Grams never straddle two sentences, as `char_grams.sentence_grams` finds them.
    """
    lines = [line for sentences in passages for line in sentences]
    points = np.frombuffer(_SEPARATOR.join(lines).encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    count = len(points) - GRAM + 1
    if count <= 0:
        return _counted(Counter())
    present = np.zeros(int(points.max()) + 1, dtype=bool)
    present[points] = True
    alphabet = np.flatnonzero(present).astype(np.uint32)
    bits = max(1, (len(alphabet) - 1).bit_length())
    passage_bits = max(1, (len(passages) - 1).bit_length())
    if GRAM * bits + passage_bits > _KEY_BITS:
        # An alphabet of thousands of characters: halves have smaller ones (and fewer passages to number).
        if len(passages) > 1:
            middle = len(passages) // 2
            return _folded([passage_gram_counts(passages[:middle]), passage_gram_counts(passages[middle:])])
        return _counted(Counter(frozenset().union(*(grams_of_words((line,)) for line in lines))))
    codes = (np.cumsum(present, dtype=np.int64) - 1)[points].astype(np.uint64)
    separator = points == ord(_SEPARATOR)
    keys = np.zeros(count, dtype=np.uint64)
    crosses = np.zeros(count, dtype=bool)
    for shift in range(GRAM):
        keys = (keys << np.uint64(bits)) | codes[shift : shift + count]
        crosses |= separator[shift : shift + count]
    owners = np.repeat(
        np.repeat(np.arange(len(passages), dtype=np.uint64), [len(sentences) for sentences in passages]),
        [len(line) + 1 for line in lines],
    )[:count]
    keep = ~crosses
    # Sorted, not np.unique: that hashes every key first, four times slower here.
    keyed = np.sort((keys[keep] << np.uint64(passage_bits)) | owners[keep])
    keyed = keyed[np.concatenate(([True], keyed[1:] != keyed[:-1]))] >> np.uint64(passage_bits)
    starts = np.flatnonzero(np.concatenate(([True], keyed[1:] != keyed[:-1])))
    counts = np.diff(np.append(starts, len(keyed))).astype(np.int64)
    distinct = keyed[starts]
    chars = np.empty((len(distinct), GRAM), dtype=np.uint32)
    mask = np.uint64((1 << bits) - 1)
    for place in range(GRAM):
        chars[:, GRAM - 1 - place] = alphabet[((distinct >> np.uint64(bits * place)) & mask).astype(np.intp)]
    narrow = (chars < 1 << _POINT_BITS).all(axis=1)
    others: Counter[str] = Counter()
    if not narrow.all():
        wide = chars[~narrow].tobytes().decode("utf-32-le", errors="surrogatepass")
        others.update(dict(zip(_split(wide), counts[~narrow].tolist(), strict=True)))
    return _folded([GramCounts(_point_keys(chars[narrow]), counts[narrow], others)])


class GramTally:
    """Adds up the gram counts of many runs of passages, as arrays, into passages per gram."""

    def __init__(self) -> None:
        self._parts: list[GramCounts] = []

    def add(self, part: GramCounts) -> None:
        self._parts.append(part)
        if len(self._parts) >= _FOLD_EVERY:
            self._parts = [_folded(self._parts)]

    def counts(self) -> dict[str, int]:
        """Every gram with the number of passages holding it."""
        total = _folded(self._parts)
        chars = np.empty((len(total.keys), GRAM), dtype=np.uint32)
        for place in range(GRAM):
            chars[:, GRAM - 1 - place] = (total.keys >> np.uint64(_POINT_BITS * place)) & np.uint64(0xFFFF)
        text = chars.tobytes().decode("utf-32-le", errors="surrogatepass")
        return {**dict(zip(_split(text), total.counts.tolist(), strict=True)), **total.others}


def _folded(parts: Sequence[GramCounts]) -> GramCounts:
    """The counts of several runs added up: one key, ascending, and one count per gram."""
    keys = np.concatenate([np.empty(0, dtype=np.uint64), *(part.keys for part in parts)])
    counts = np.concatenate([np.empty(0, dtype=np.int64), *(part.counts for part in parts)])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    if len(keys):
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        keys, counts = keys[starts], np.add.reduceat(counts, starts)
    others: Counter[str] = Counter()
    for part in parts:
        others.update(part.others)
    return GramCounts(keys, counts, others)


def _counted(grams: Counter[str]) -> GramCounts:
    """Counts kept as strings, in the array form."""
    narrow = {gram: n for gram, n in grams.items() if max(map(ord, gram)) < 1 << _POINT_BITS}
    chars = np.frombuffer("".join(narrow).encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    keys = _point_keys(chars.reshape(-1, GRAM))
    counts = np.fromiter(narrow.values(), dtype=np.int64, count=len(narrow))
    return _folded([GramCounts(keys, counts, Counter({g: n for g, n in grams.items() if g not in narrow}))])


def _point_keys(chars: np.ndarray) -> np.ndarray:
    """The key of each row of GRAM code points below 2**16."""
    keys = np.zeros(len(chars), dtype=np.uint64)
    for place in range(GRAM):
        keys = (keys << np.uint64(_POINT_BITS)) | chars[:, place].astype(np.uint64)
    return keys


def _split(text: str) -> list[str]:
    return [text[i : i + GRAM] for i in range(0, len(text), GRAM)]
