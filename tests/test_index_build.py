"""Building the search index in runs of passages on every core gives what tokenising each passage alone gives."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from retrieval.bm25_index import BM25Index
from retrieval.char_grams import grams_of_words
from retrieval.gram_counts import GramTally, passage_gram_counts
from retrieval.saved_corpus import passage_sentences
from retrieval.search_index import SearchIndex
from retrieval.tokens import STOPWORDS, tokenize, words

# Sentences that end and start in every way the tokeniser treats specially: possessives at a sentence's
# edge, sentences with no space between them, case and compatibility folding, quotes, characters beyond
# 16 bits, and a passage of thousands of distinct characters (too many to number in a 64-bit key).
TRICKY = [
    "The ship's captain spoke. James' crew agreed.",
    "It ended.Then it began again's. Ports' rules.",
    "Zoë’s café reopened. Ｆｕｌｌ-width ＴＥＸＴ and ﬁne ligatures.",
    "Emoji 😀😀 grin. 𝒳-rays of 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters.",
    "  Leading spaces. Trailing ones.  ",
    "'Quoted,' he said. \"Yes.\" (Maybe.) [No.]",
    "",
    "a",
    "".join(chr(0x4E00 + number) for number in range(9000)) + ". Next sentence here.",
]


def _corpus(size: int) -> list[str]:
    pieces = random.Random(5)
    vocabulary = "grain ship port's harbour Odesa Zoë exports blockade wheat ports' the of and".split()
    texts = [
        ". ".join(" ".join(pieces.choices(vocabulary, k=pieces.randint(1, 9))).capitalize() for _ in range(3)) + "."
        for _ in range(size)
    ]
    return TRICKY + texts


def _passage_grams(text: str) -> frozenset[str]:
    """A passage's grams as the second stage finds them: sentence by sentence, from each sentence's words."""
    return frozenset().union(*(grams_of_words(words(text[start:end])) for start, end in passage_sentences(text)))


@pytest.mark.parametrize("size", [50, 40_000], ids=["one process", "every core"])
def test_index_built_in_parts_equals_each_passage_tokenised_alone(size: int) -> None:
    texts = _corpus(size)
    index = SearchIndex.build(texts)
    reference = BM25Index([tokenize(text) for text in texts])
    assert index.bm25.arrays().keys() == reference.arrays().keys()
    for name, array in reference.arrays().items():
        assert (index.bm25.arrays()[name] == array).all(), name
    assert dict(index.word_counts.items()) == Counter(w for t in texts for w in words(t) if w not in STOPWORDS)
    assert dict(index.gram_counts.items()) == Counter(gram for text in texts for gram in _passage_grams(text))


def test_gram_counts_count_each_gram_once_per_passage_and_never_across_sentences() -> None:
    tally = GramTally()
    tally.add(passage_gram_counts([["ship ship"], ["ship", "port"], ["shi", "p po"], []]))
    tally.add(passage_gram_counts([["p po", "😀 ship"], ["a😀 b"]]))
    counts = tally.counts()
    assert counts == {
        **{"ship": 3, "hip ": 1, "ip s": 1, "p sh": 1, " shi": 2, "port": 1, "p po": 2},
        **{"😀 sh": 1, "a😀 b": 1},
    }
