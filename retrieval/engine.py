"""The answer engine: rank passages for a question with BM25 and decide whether the best one answers it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from corpus.loader import Corpus
from corpus.model import Passage
from retrieval.quote import select_quote
from retrieval.scoring import ScorerFactory, okapi_scorer
from retrieval.tokens import tokenize

# The confidence rule: answer only when the best passage holds at least this share of the question's
# content terms, each term weighted by how rare it is in the corpus (a term the corpus never uses weighs
# most). Tuned on shared/eval/seed_dev_questions.jsonl; see README "When the bot says no".
MIN_COVERAGE = 0.3


class Refusal(StrEnum):
    """Why a question got no quote, so each front end can say it in its own words."""

    NO_TERMS = "no_terms"
    NOT_COVERED = "not_covered"


@dataclass(frozen=True, slots=True)
class Result:
    """One ranked passage and the verbatim words quoted from it."""

    passage: Passage
    quote: str
    score: float
    coverage: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's reply: the ranked results, and whether the first one may be shown as the answer."""

    question: str
    results: list[Result]
    refusal: Refusal | None

    @property
    def answered(self) -> bool:
        return self.refusal is None


class AnswerEngine:
    """Holds the index over one corpus; build once, answer many questions."""

    def __init__(self, corpus: Corpus, scorer_factory: ScorerFactory = okapi_scorer) -> None:
        self.corpus = corpus
        tokenized = [tokenize(passage.text) for passage in corpus.passages]
        self._passage_terms = [frozenset(terms) for terms in tokenized]
        self._document_frequency = Counter(term for terms in self._passage_terms for term in terms)
        self._scorer = scorer_factory(tokenized)

    def answer(self, question: str, top: int = 3) -> Answer:
        """Rank the passages sharing a term with `question`; keep the best `top` even when none is good enough."""
        terms = tokenize(question)
        if not terms:
            return Answer(question, [], Refusal.NO_TERMS)
        weights = {term: self.term_weight(term) for term in terms}
        scores = self._scorer.get_scores(terms)
        matching = [i for i in range(len(scores)) if not weights.keys().isdisjoint(self._passage_terms[i])]
        ranked = sorted(matching, key=lambda i: (-scores[i], i))[:top]
        results = [
            Result(
                passage=self.corpus.passages[i],
                quote=select_quote(self.corpus.passages[i], weights),
                score=float(scores[i]),
                coverage=self._coverage(weights, self._passage_terms[i]),
            )
            for i in ranked
        ]
        best = results[0] if results else None
        confident = best is not None and best.coverage >= MIN_COVERAGE
        return Answer(question, results, None if confident else Refusal.NOT_COVERED)

    def term_weight(self, term: str) -> float:
        """A never-negative idf: rare terms say more about whether a passage is on topic."""
        n = len(self._passage_terms)
        df = self._document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    @staticmethod
    def _coverage(weights: dict[str, float], passage_terms: frozenset[str]) -> float:
        total = sum(weights.values())
        found = sum(weight for term, weight in weights.items() if term in passage_terms)
        return found / total if total else 0.0
