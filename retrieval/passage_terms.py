"""A passage's terms and character grams, sentence by sentence, for the second ranking stage.

Only BM25's best candidates ever reach the second stage, so a passage is tokenised when it first does and
then kept in a cache bounded in bytes: over a long run the cache fills up to its budget and stays there.
"""

from __future__ import annotations

import itertools
import sys
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corpus.sentences import sentence_spans
from retrieval.tokens import terms_of_words, words

# Terms sharing their first this many letters are taken to be one word family (colonial, colonise).
FAMILY_PREFIX = 4
# What the cache of tokenised passages may hold, by its own estimate of their size.
CACHE_BYTES = 32 << 20


@dataclass(frozen=True, slots=True)
class SentenceTerms:
    """One sentence: where it is in the passage text, the BM25 terms it holds, and its words.

    `words` are the sentence's words joined by single spaces (char_grams.grams_of_words): its character
    grams are exactly the 4-character strings found in it, so they are looked for there, not kept as a set
    (which took ten times the memory and most of the time a passage took to tokenise).
    """

    start: int
    end: int
    terms: frozenset[str]
    families: frozenset[str]
    words: str


@dataclass(frozen=True, slots=True)
class PassageTerms:
    """The passage's BM25 terms as a set, as adjacent pairs, and per sentence; `words` holds every
    sentence's words, a line each (no gram holds a line break, so a gram is in some sentence exactly when it
    is in `words`)."""

    terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    sentences: tuple[SentenceTerms, ...]
    words: str

    def size(self) -> int:
        """Roughly the bytes this holds beyond the term strings themselves, which are shared."""
        containers: list[object] = [self.terms, self.bigrams, self.words]
        for sentence in self.sentences:
            containers += [sentence.terms, sentence.families, sentence.words]
        pairs = len(self.bigrams) * sys.getsizeof((None, None))
        return sum(map(sys.getsizeof, containers)) + pairs + 64 * len(self.sentences)


def passage_terms(text: str, spans: Sequence[tuple[int, int]] | None = None) -> PassageTerms:
    """Tokenise sentence by sentence; adjacent pairs never straddle two sentences. `spans`: the sentences, if known."""
    tokens: list[str] = []
    bigrams: set[tuple[str, str]] = set()
    sentences: list[SentenceTerms] = []
    for start, end in spans or sentence_spans(text) or [(0, len(text))]:
        sentence_words = words(text[start:end])
        sentence_tokens = terms_of_words(sentence_words)
        tokens += sentence_tokens
        bigrams.update(itertools.pairwise(sentence_tokens))
        held = frozenset(sentence_tokens)
        sentences.append(SentenceTerms(start, end, held, families(held), " ".join(sentence_words)))
    every = "\n".join(sentence.words for sentence in sentences)
    return PassageTerms(frozenset(tokens), frozenset(bigrams), tuple(sentences), every)


def families(terms: Iterable[str]) -> frozenset[str]:
    """The word families of `terms`: the first FAMILY_PREFIX letters of each term at least that long."""
    return frozenset([term[:FAMILY_PREFIX] for term in terms if len(term) >= FAMILY_PREFIX])


class PassageTermsCache:
    """passage_terms of passage i, worked out when first needed and kept while within `budget` bytes."""

    def __init__(
        self,
        texts: Sequence[str],
        sentences: Sequence[Sequence[tuple[int, int]]] | None = None,
        budget: int = CACHE_BYTES,
    ) -> None:
        self._texts = texts
        self._sentences = sentences
        self._budget = budget
        self._held = 0
        self._cache: OrderedDict[int, tuple[PassageTerms, int]] = OrderedDict()

    def __getitem__(self, index: int) -> PassageTerms:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached[0]
        spans = self._sentences[index] if self._sentences is not None else None
        terms = passage_terms(self._texts[index], spans)
        size = terms.size()
        self._cache[index] = (terms, size)
        self._held += size
        while self._held > self._budget and len(self._cache) > 1:
            _, (_, dropped) = self._cache.popitem(last=False)
            self._held -= dropped
        return terms

    def __len__(self) -> int:
        return len(self._texts)

    @property
    def held_bytes(self) -> int:
        """The cache's own estimate of what it holds now."""
        return self._held
