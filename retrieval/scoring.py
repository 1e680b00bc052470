"""The one small interface the answer engine needs from a BM25 implementation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi


class Scorer(Protocol):
    """Scores every passage for a tokenised query, in passage order."""

    def get_scores(self, query: Sequence[str]) -> np.ndarray: ...


ScorerFactory = Callable[[list[list[str]]], Scorer]


def okapi_scorer(tokenized_passages: list[list[str]]) -> Scorer:
    """rank-bm25's BM25Okapi with its default k1, b and epsilon."""
    return BM25Okapi(tokenized_passages)
