"""Character 4-grams of words: a match signal that survives inflection, partial names and word order.

"colonize" and "colonial", "Hervé" and "Herve's", or "prelaunch test" and "pre-launch testing" share most
of their 4-grams although their stems differ. Grams run across word boundaries too, so neighbouring words
in the question that are neighbours in a sentence match more. Like terms, grams weigh by how few passages
use them: "the " or "tion" is in nearly every passage and says little about which one answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from retrieval.tokens import words

GRAM = 4


def grams_of_words(text_words: Iterable[str]) -> frozenset[str]:
    """The 4-grams of the words joined by single spaces."""
    joined = " ".join(text_words)
    return frozenset(joined[i : i + GRAM] for i in range(len(joined) - GRAM + 1))


@lru_cache(maxsize=65536)
def sentence_grams(sentence: str) -> frozenset[str]:
    """The grams of all words of a sentence, stop words included, like the question's ("capital of France").

    Cached: the same candidate sentences come back question after question.
    """
    return grams_of_words(words(sentence))


def gram_overlap(question_grams: Mapping[str, float], sentence: str) -> float:
    """Share of the question's gram weight found in the sentence."""
    total = sum(question_grams.values())
    if not total:
        return 0.0
    return sum(question_grams[gram] for gram in sentence_grams(sentence) & question_grams.keys()) / total


class GramRarity:
    """How many passages use each gram, counted once over a corpus."""

    def __init__(self, passages: Iterable[Iterable[str]]) -> None:
        """`passages`: each passage as its sentences."""
        self._passages = 0
        self._frequency: Counter[str] = Counter()
        for sentences in passages:
            self._passages += 1
            self._frequency.update(frozenset().union(*(sentence_grams(sentence) for sentence in sentences)))

    def weigh(self, grams: Iterable[str]) -> dict[str, float]:
        """Each gram with its idf over passages, the same never-negative form as term weights."""
        n = self._passages
        return {gram: math.log(1 + (n - self._frequency[gram] + 0.5) / (self._frequency[gram] + 0.5)) for gram in grams}
