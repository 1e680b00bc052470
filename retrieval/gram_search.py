"""The question's character grams looked for in every candidate's sentences at once, for the second stage.

Looked for one passage at a time, each gram is a substring search of each passage and then of each of its
sentences: a thousand searches and list steps in Python per question. Here the candidates' words are one
array of code points, each position's 4-gram one 64-bit key, and a sorted search finds every gram at every
position in a few numpy calls; the sums stay `math.fsum`'s exact ones, so the result is the same to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from retrieval.char_grams import GRAM
from retrieval.passage_terms import PassageTerms

# Sentences whose float64 sum comes this close to their passage's best are summed exactly (math.fsum);
# a sum of at most a few hundred positive weights is off by far less.
_NEAR = 1e-9
# A key holds four code points of 16 bits: text outside the Basic Multilingual Plane is searched as before.
_LARGEST_POINT = 0xFFFF


def best_sentence_weights(grams: Mapping[str, float], passages: Sequence[PassageTerms]) -> list[float] | None:
    """For each passage, the exact sum of the weights of the grams held by its best sentence for them.

    None when a passage or gram has a character beyond 16 bits: the caller then searches the usual way.
    """
    if not passages:
        return []
    if any(len(gram) != GRAM for gram in grams) or not all(passage.sentences for passage in passages):
        return None
    text = "\n".join([passage.words for passage in passages])
    gram_points = _points(" ".join(grams))
    points = _points(text)
    if len(points) < GRAM or not grams:
        return None
    if int(points.max()) > _LARGEST_POINT or int(gram_points.max()) > _LARGEST_POINT:
        return None
    # Every gram is GRAM characters; joined by spaces, gram g starts at (GRAM + 1) * g.
    wanted = _keys(gram_points)[:: GRAM + 1]
    order = np.argsort(wanted, kind="stable")
    ordered = wanted[order]
    keys = _keys(points)
    found = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    at = np.flatnonzero(ordered[found] == keys)
    starts, owners = _sentence_starts(passages)
    # Which sentence holds which gram, however often.
    held = np.zeros((len(starts), len(wanted)), dtype=bool)
    held[np.searchsorted(starts, at, side="right") - 1, order[found[at]]] = True
    weights = np.fromiter(grams.values(), dtype=np.float64, count=len(wanted))
    rough = held @ weights
    best_rough = np.maximum.reduceat(rough, np.searchsorted(owners, np.arange(len(passages))))
    near = np.flatnonzero((rough > 0) & (rough >= best_rough[owners] * (1 - _NEAR)))
    listed = weights.tolist()
    best = [0.0] * len(passages)
    for index in near.tolist():
        owner = int(owners[index])
        exact = math.fsum([listed[gram] for gram in np.flatnonzero(held[index]).tolist()])
        best[owner] = max(best[owner], exact)
    return best


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)


def _keys(points: np.ndarray) -> np.ndarray:
    """The key of the 4-gram starting at each position (the last three have none)."""
    wide = points.astype(np.uint64)
    count = len(wide) - GRAM + 1
    keys: np.ndarray = wide[:count] << np.uint64(48)
    keys |= wide[1 : count + 1] << np.uint64(32)
    keys |= wide[2 : count + 2] << np.uint64(16)
    keys |= wide[3 : count + 3]
    return keys


def _sentence_starts(passages: Sequence[PassageTerms]) -> tuple[np.ndarray, np.ndarray]:
    """Where each sentence starts in the joined text (one line a sentence), and its passage's position."""
    lengths = [len(sentence.words) + 1 for passage in passages for sentence in passage.sentences]
    owners = [number for number, passage in enumerate(passages) for _ in passage.sentences]
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts, np.asarray(owners, dtype=np.int64)
