"""Character 4-grams of words: a match signal that survives inflection, partial names and word order.

"colonize" and "colonial", "Hervé" and "Herve's", or "prelaunch test" and "pre-launch testing" share most
of their 4-grams although their stems differ. Grams run across word boundaries too, so neighbouring words
in the question that are neighbours in a sentence match more.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def gram_overlap(question_grams: frozenset[str], sentence: str) -> float:
    """Share of the question's grams found in the sentence."""
    if not question_grams:
        return 0.0
    return len(question_grams & sentence_grams(sentence)) / len(question_grams)
