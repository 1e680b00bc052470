"""How many passages hold each character gram, counted for a run of passages at once.

Counted one passage at a time, every gram of every passage is a Python string, put in a set and then in a
Counter: at a million passages that was most of an index build. Here a run's sentences are one array of
code points, each numbered within the run's own alphabet, so that a gram and the passage holding it fit in
one 64-bit key and a single sort finds each gram once per passage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from retrieval.char_grams import GRAM

# Never inside a word (`tokens.words`), so it marks where one sentence ends and the next begins.
_SEPARATOR = "\n"
_KEY_BITS = 63


def passage_gram_counts(passages: Sequence[Sequence[str]]) -> Counter[str]:
    """How many of `passages` hold each gram, each passage given as its sentences' words joined by spaces.

    Grams never straddle two sentences, as `char_grams.sentence_grams` finds them.
    """
    lines = [line for sentences in passages for line in sentences]
    points = np.frombuffer(_SEPARATOR.join(lines).encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    count = len(points) - GRAM + 1
    if count <= 0:
        return Counter()
    present = np.zeros(int(points.max()) + 1, dtype=bool)
    present[points] = True
    alphabet = np.flatnonzero(present).astype(np.uint32)
    bits = max(1, (len(alphabet) - 1).bit_length())
    passage_bits = max(1, (len(passages) - 1).bit_length())
    if GRAM * bits + passage_bits > _KEY_BITS:
        # An alphabet of thousands of characters: halves have smaller ones (and fewer passages to number).
        if len(passages) > 1:
            middle = len(passages) // 2
            return passage_gram_counts(passages[:middle]) + passage_gram_counts(passages[middle:])
        return Counter(frozenset().union(*(_line_grams(line) for line in lines)))
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
    if not keep.any():
        return Counter()
    # Sorted, not np.unique: that hashes every key first, four times slower here.
    keyed = np.sort((keys[keep] << np.uint64(passage_bits)) | owners[keep])
    keyed = keyed[np.concatenate(([True], keyed[1:] != keyed[:-1]))] >> np.uint64(passage_bits)
    starts = np.flatnonzero(np.concatenate(([True], keyed[1:] != keyed[:-1])))
    counts = np.diff(np.append(starts, len(keyed)))
    distinct = keyed[starts]
    chars = np.empty((len(distinct), GRAM), dtype=np.uint32)
    mask = np.uint64((1 << bits) - 1)
    for place in range(GRAM):
        chars[:, GRAM - 1 - place] = alphabet[((distinct >> np.uint64(bits * place)) & mask).astype(np.intp)]
    text = chars.tobytes().decode("utf-32-le", errors="surrogatepass")
    return Counter(dict(zip((text[i : i + GRAM] for i in range(0, len(text), GRAM)), counts.tolist(), strict=True)))


def _line_grams(line: str) -> frozenset[str]:
    return frozenset(line[i : i + GRAM] for i in range(len(line) - GRAM + 1))
