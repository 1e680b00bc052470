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

from corpus.sentences import sentence_spans
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


def passage_grams(text: str) -> frozenset[str]:
    """Every gram of a passage, sentence by sentence as the second stage sees it (none straddles two)."""
    spans = sentence_spans(text) or [(0, len(text))]
    return frozenset().union(*(sentence_grams(text[start:end]) for start, end in spans))


class GramRarity:
    """How many passages use each gram; counted when the search index is built, and saved with it."""

    def __init__(self, frequency: Mapping[str, int], passages: int) -> None:
        self._frequency = frequency
        self._passages = passages

    def weigh(self, grams: Iterable[str]) -> dict[str, float]:
        """Each gram with its idf over passages, the same never-negative form as term weights."""
        n = self._passages
        frequency = {gram: self._frequency.get(gram, 0) for gram in grams}
        return {gram: math.log(1 + (n - df + 0.5) / (df + 0.5)) for gram, df in frequency.items()}
