"""The plain BM25 baseline every ranking change is measured against, fixed by the evaluation issue.

BM25Okapi with rank-bm25's defaults over lower-cased `\\w+` runs, Snowball-stemmed, minus a 36-word stop
list. It deliberately shares nothing with `retrieval.tokens`, so changing our own tokeniser moves our
figures and never the baseline's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import Stemmer
from rank_bm25 import BM25Okapi

BASELINE_STOPWORDS = frozenset(
    "a an the of in on at to for and or is are was were be been by with as from that this which who whom "
    "what when where why how did do does it its".split()
)
_WORD = re.compile(r"\w+")
_STEMMER = Stemmer.Stemmer("english")


def baseline_tokens(text: str) -> list[str]:
    """Lower-cased word runs, stop words dropped, Snowball-stemmed."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in BASELINE_STOPWORDS]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stemmed: str = _STEMMER.stemWord(word)
    return stemmed


class BaselineRanker:
    """Ranks passages for a question by plain BM25; every passage is ranked, nothing is ever refused."""

    def __init__(self, passage_texts: Sequence[str]) -> None:
        self._bm25 = BM25Okapi([baseline_tokens(text) for text in passage_texts])

    def rank(self, question: str) -> list[int]:
        """Passage indices, best first; equal scores keep passage order."""
        scores = self._bm25.get_scores(baseline_tokens(question))
        order: list[int] = np.argsort(-scores, kind="stable").tolist()
        return order
