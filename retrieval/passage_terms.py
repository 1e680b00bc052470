"""A passage's terms, prepared once at index time, sentence by sentence, for the second ranking stage."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from corpus.sentences import sentence_spans
from retrieval.tokens import tokenize

# Terms sharing their first this many letters are taken to be one word family (colonial, colonise).
FAMILY_PREFIX = 4


@dataclass(frozen=True, slots=True)
class SentenceTerms:
    """One sentence: where it is in the passage text and the BM25 terms it holds."""

    start: int
    end: int
    terms: frozenset[str]
    families: frozenset[str]


@dataclass(frozen=True, slots=True)
class PassageTerms:
    """The passage's BM25 terms in order, as a set, as adjacent pairs, and per sentence."""

    tokens: list[str]
    terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    sentences: tuple[SentenceTerms, ...]


def passage_terms(text: str) -> PassageTerms:
    """Tokenise sentence by sentence; adjacent pairs never straddle two sentences."""
    tokens: list[str] = []
    bigrams: set[tuple[str, str]] = set()
    sentences: list[SentenceTerms] = []
    for start, end in sentence_spans(text) or [(0, len(text))]:
        sentence_tokens = tokenize(text[start:end])
        tokens.extend(sentence_tokens)
        bigrams.update(itertools.pairwise(sentence_tokens))
        sentences.append(SentenceTerms(start, end, frozenset(sentence_tokens), families(sentence_tokens)))
    return PassageTerms(tokens, frozenset(tokens), frozenset(bigrams), tuple(sentences))


def families(terms: Iterable[str]) -> frozenset[str]:
    """The word families of `terms`: the first FAMILY_PREFIX letters of each term at least that long."""
    return frozenset(term[:FAMILY_PREFIX] for term in terms if len(term) >= FAMILY_PREFIX)


class PassageTermsCache:
    """passage_terms of passage i, worked out when the second stage first needs it and then kept.

    Only BM25's best candidates ever reach the second stage, so a large corpus starts without
    tokenising every passage sentence by sentence.
    """

    def __init__(self, texts: Sequence[str], capacity: int = 100_000) -> None:
        self._texts = texts
        self._terms = lru_cache(maxsize=capacity)(self._compute)

    def __getitem__(self, index: int) -> PassageTerms:
        return self._terms(index)

    def __len__(self) -> int:
        return len(self._texts)

    def _compute(self, index: int) -> PassageTerms:
        return passage_terms(self._texts[index])
