"""The second ranking stage: re-order BM25's best candidates by how closely one sentence matches the question.

BM25 sees a passage as a bag of terms. Readers' questions usually paraphrase one sentence, so a passage
whose single sentence holds most of the question's weight, with the question's word pairs intact, is the
better answer even when another passage repeats a term more often.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from retrieval.expansion import Concept
from retrieval.gram_search import best_sentence_weights
from retrieval.passage_terms import PassageTerms, SentenceTerms, families
from retrieval.ranking_options import RankingOptions

# e5's cosines crowd together (0.75 unrelated, 0.85 close): a candidate this far below the best one loses
# `RankingOptions.semantic` x the best BM25 score.
COSINE_UNIT = 0.05


class TermsLookup(Protocol):
    """Passage i's terms by index: a list, or a cache that works them out when first asked."""

    def __getitem__(self, index: int, /) -> PassageTerms: ...


class WeightedQuery:
    """The question's concepts with their weights, the answer cue of its question type, its weighted character grams."""

    def __init__(
        self,
        concepts: Sequence[Concept],
        weights: Sequence[float],
        cue: re.Pattern[str] | None,
        grams: Mapping[str, float] | None = None,
    ) -> None:
        self.concepts = concepts
        self.weights = weights
        self.cue = cue
        self.grams = grams or {}
        # Summed exactly (fsum): a set's order changes with every process's string hashing, and a plain sum
        # with it, which could swap two passages whose scores tie.
        self._gram_total = math.fsum(self.grams.values())
        self.total = sum(weights)
        # Single-term forms answer "which concepts are here" with one set intersection per sentence.
        self._concepts_by_term: dict[str, list[int]] = {}
        self._phrases: list[tuple[frozenset[str], int]] = []
        for index, concept in enumerate(concepts):
            for form in concept.forms:
                if len(form.terms) == 1:
                    self._concepts_by_term.setdefault(form.terms[0], []).append(index)
                elif form.terms:
                    self._phrases.append((frozenset(form.terms), index))
        self._single_terms = frozenset(self._concepts_by_term)
        self._families = [families(term for form in concept.forms for term in form.terms) for concept in concepts]
        # A sentence holding none of these has no weight at all: most sentences of a candidate.
        self._every_term = frozenset(term for concept in concepts for form in concept.forms for term in form.terms)
        self._every_family = frozenset().union(*self._families)

    def gram_share(self, passage: PassageTerms) -> float:
        """The largest share of the question's gram weight that one sentence of the passage holds.

        A gram is in a sentence exactly when it occurs in the sentence's joined words: the question's grams
        are looked for in the whole passage first, and only those found then in each sentence.
        """
        if not self._gram_total:
            return 0.0
        grams, every = self.grams, passage.words
        found = [gram for gram in grams if gram in every]
        if not found:
            return 0.0
        if len(passage.sentences) == 1:
            return math.fsum([grams[gram] for gram in found]) / self._gram_total
        held = [math.fsum([grams[gram] for gram in found if gram in s.words]) for s in passage.sentences]
        return max(held) / self._gram_total

    def gram_shares(self, passages: Sequence[PassageTerms]) -> list[float]:
        """`gram_share` of each passage, the candidates searched together (retrieval/gram_search.py)."""
        if not self._gram_total:
            return [0.0] * len(passages)
        weights = best_sentence_weights(self.grams, passages)
        if weights is None:
            return [self.gram_share(passage) for passage in passages]
        return [weight / self._gram_total for weight in weights]

    def weight_in(self, terms: frozenset[str]) -> float:
        """The weight of the concepts found in `terms`."""
        return sum(self.weights[index] for index in self.found_in(terms))

    def sentence_weight(self, sentence: SentenceTerms, family_share: float) -> float:
        """The weight of the concepts in a sentence, plus `family_share` of those only present as a word family."""
        terms, families = sentence.terms, sentence.families
        if terms.isdisjoint(self._every_term) and (not family_share or families.isdisjoint(self._every_family)):
            return 0.0
        found = self.found_in(terms)
        weights = self.weights
        weight = sum([weights[index] for index in found])
        if family_share:
            weight += family_share * sum(
                [
                    weights[index]
                    for index, family in enumerate(self._families)
                    if index not in found and not family.isdisjoint(families)
                ]
            )
        return weight

    def found_in(self, terms: frozenset[str]) -> set[int]:
        """The positions of the concepts found in `terms`."""
        found = {index for term in terms & self._single_terms for index in self._concepts_by_term[term]}
        found.update(index for phrase, index in self._phrases if phrase <= terms)
        return found


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate passage with its final score."""

    index: int
    score: float


def rerank(
    candidates: Sequence[int],
    bm25_scores: Mapping[int, float],
    query: WeightedQuery,
    passages: TermsLookup,
    texts: Sequence[str],
    options: RankingOptions,
    cosines: Mapping[int, float] | None = None,
) -> list[Ranked]:
    """Final score = BM25 + best BM25 among the candidates x bonus; best first.

    The bonus: the best sentence's score (see sentence_scores), the share of the question's character
    grams in its best sentence for them, the weight share of question term pairs adjacent here too, and
    with `cosines` (the semantic stage's) how far the passage's cosine falls below the best candidate's;
    BM25 itself then counts `options.semantic_bm25` of itself.
    """
    top = max((bm25_scores[i] for i in candidates), default=0.0)
    best_cosine = max(cosines.values(), default=0.0) if cosines else 0.0
    own = options.semantic_bm25 if options.semantic and cosines else 1.0
    scale = float(top) if top > 0 else 1.0
    pairs = _adjacent_pairs(query)
    # Only the answer cue reads the passage's text (a saved corpus decodes it on every access).
    cued = bool(options.cue and query.cue is not None)
    candidate_terms = [passages[i] for i in candidates]
    gram_shares = query.gram_shares(candidate_terms) if options.grams else []
    ranked = []
    for number, (i, terms) in enumerate(zip(candidates, candidate_terms, strict=True)):
        bonus = max(sentence_scores(query, terms, texts[i] if cued else "", options))
        if options.grams:
            bonus += options.grams * gram_shares[number]
        if options.phrase:
            bonus += (
                options.phrase
                * sum(w for pair, w in pairs if not pair.isdisjoint(terms.bigrams))
                / (query.total or 1.0)
            )
        if options.semantic and cosines:
            bonus += options.semantic * (cosines[i] - best_cosine) / COSINE_UNIT
        ranked.append(Ranked(i, own * bm25_scores[i] + scale * bonus))
    ranked.sort(key=lambda r: (-r.score, r.index))
    return ranked


def sentence_scores(query: WeightedQuery, passage: PassageTerms, text: str, options: RankingOptions) -> list[float]:
    """Per sentence: the share of the question's weight it holds (word families in part), plus the cue bonus."""
    total = query.total or 1.0
    weight, family, share = query.sentence_weight, options.family, options.sentence
    scores = [share * weight(sentence, family) / total for sentence in passage.sentences]
    if options.cue and query.cue is not None:
        search = query.cue.search
        for number, sentence in enumerate(passage.sentences):
            if search(text, sentence.start, sentence.end):
                scores[number] += options.cue
    return scores


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
