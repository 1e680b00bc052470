"""Character 4-grams of words: a match signal that survives inflection, partial names and word order.

"colonize" and "colonial", "Hervé" and "Herve's", or "prelaunch test" and "pre-launch testing" share most
of their 4-grams although their stems differ. Grams run across word boundaries too, so neighbouring words
in the question that are neighbours in a sentence match more. Like terms, grams weigh by how few passages
use them: "the " or "tion" is in nearly every passage and says little about which one answers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

from retrieval.string_table import CountTable
from retrieval.tokens import words

GRAM = 4


def grams_of_words(text_words: Iterable[str]) -> frozenset[str]:
    """The 4-grams of the words joined by single spaces."""
    joined = " ".join(text_words)
    # Four shifted views zipped and joined: the same grams as slicing at every offset, half the time.
    return frozenset(map("".join, zip(*(joined[shift:] for shift in range(GRAM)), strict=False)))


@lru_cache(maxsize=4096)
def sentence_grams(sentence: str) -> frozenset[str]:
    """The grams of all words of a sentence, stop words included, like the question's ("capital of France").

    Cached, a little: a corpus of near-copies repeats sentences while it is indexed. The second stage keeps
    its candidates' grams in its own cache, which is bounded in bytes.
    """
    return grams_of_words(words(sentence))


def gram_overlap(question_grams: Mapping[str, float], sentence: str) -> float:
    """Share of the question's gram weight found in the sentence."""
    return grams_overlap(question_grams, sentence_grams(sentence))


def grams_overlap(question_grams: Mapping[str, float], grams: frozenset[str]) -> float:
    """Share of the question's gram weight found among a sentence's `grams`."""
    total = sum(question_grams.values())
    if not total:
        return 0.0
    return sum(question_grams[gram] for gram in grams & question_grams.keys()) / total


class GramRarity:
    """How many passages use each gram; counted when the search index is built, and saved with it."""

    def __init__(self, frequency: CountTable, passages: int) -> None:
        self._frequency = frequency
        self._passages = passages

    def weigh(self, grams: Iterable[str]) -> dict[str, float]:
        """Each gram with its idf over passages, the same never-negative form as term weights."""
        n = self._passages
        unique = list(dict.fromkeys(grams))
        counts = self._frequency.counts_of(unique)
        return {gram: math.log(1 + (n - df + 0.5) / (df + 0.5)) for gram, df in zip(unique, counts, strict=True)}
