"""The second ranking stage: re-order BM25's best candidates by how closely one sentence matches the question.

BM25 sees a passage as a bag of terms. Readers' questions usually paraphrase one sentence, so a passage
whose single sentence holds most of the question's weight, with the question's word pairs intact, is the
better answer even when another passage repeats a term more often.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.expansion import Concept
from retrieval.passage_terms import PassageTerms
from retrieval.ranking_options import RankingOptions


@dataclass(frozen=True, slots=True)
class WeightedQuery:
    """The question's concepts with their weights, and the answer cue of its question type."""

    concepts: Sequence[Concept]
    weights: Sequence[float]
    cue: re.Pattern[str] | None

    @property
    def total(self) -> float:
        return sum(self.weights)

    def weight_in(self, terms: frozenset[str]) -> float:
        """The weight of the concepts found in `terms`."""
        return sum(weight for concept, weight in zip(self.concepts, self.weights) if concept.found_in(terms))


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate passage with its final score and the index of its best-matching sentence."""

    index: int
    score: float
    best_sentence: int


def rerank(
    candidates: Sequence[int],
    bm25_scores: Sequence[float],
    query: WeightedQuery,
    passages: Sequence[PassageTerms],
    texts: Sequence[str],
    options: RankingOptions,
) -> list[Ranked]:
    """Final score = BM25 + best BM25 among the candidates x (weighted sentence, phrase and cue shares); best first."""
    top = max((bm25_scores[i] for i in candidates), default=0.0)
    scale = float(top) if top > 0 else 1.0
    total = query.total or 1.0
    pairs = _adjacent_pairs(query)
    ranked = []
    for i in candidates:
        sentence_weights = [query.weight_in(sentence.terms) for sentence in passages[i].sentences]
        best = max(range(len(sentence_weights)), key=lambda k: (sentence_weights[k], -k))
        bonus = options.sentence * sentence_weights[best] / total
        if options.phrase:
            bonus += options.phrase * sum(w for pair, w in pairs if not pair.isdisjoint(passages[i].bigrams)) / total
        if options.cue and query.cue is not None:
            sentence = passages[i].sentences[best]
            bonus += options.cue * bool(query.cue.search(texts[i], sentence.start, sentence.end))
        ranked.append(Ranked(i, float(bm25_scores[i]) + scale * bonus, best))
    ranked.sort(key=lambda r: (-r.score, r.index))
    return ranked


def _adjacent_pairs(query: WeightedQuery) -> list[tuple[frozenset[tuple[str, str]], float]]:
    """Each pair of neighbouring concepts as the term pairs that would show it, with the pair's weight."""
    pairs = []
    concepts, weights = query.concepts, query.weights
    for k in range(len(concepts) - 1):
        spelled = frozenset(
            (a.terms[-1], b.terms[0]) for a in concepts[k].forms for b in concepts[k + 1].forms if a.terms and b.terms
        )
        pairs.append((spelled, weights[k] + weights[k + 1]))
    return pairs
