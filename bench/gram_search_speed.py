"""The second stage's character-gram search: each candidate on its own against all candidates at once.

    .venv/bin/python bench/gram_search_speed.py [--squad ../shared/eval/squad-v1.1-dev-even.json]

Each SQuAD article is a corpus, its paragraphs the candidates of each of its questions (20-50, as BM25's
20 plus the semantic stage's are); the question's grams weigh by their idf over the article, as the engine
weighs them. In the same run: `WeightedQuery.gram_share` passage by passage (a substring search of each
gram in each passage and sentence, the old way, still the fallback beyond 16-bit characters) and
`gram_shares` (retrieval/gram_search.py); the shares must be equal to the bit.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from retrieval.char_grams import GramRarity, grams_of_words
from retrieval.eval_sets import read_squad
from retrieval.passage_terms import passage_terms
from retrieval.rerank import WeightedQuery
from retrieval.saved_corpus import passage_texts
from retrieval.search_index import SearchIndex
from retrieval.tokens import words

REPOSITORY = Path(__file__).resolve().parent.parent
ROUNDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json"))
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    cases = []
    for group in read_squad(args.squad):
        texts = list(passage_texts(group.corpus.passages))
        rarity = GramRarity(SearchIndex.build(texts).gram_counts, len(texts))
        candidates = [passage_terms(text) for text in texts]
        for question in group.questions:
            grams = rarity.weigh(grams_of_words(words(question.text)))
            cases.append((WeightedQuery([], [], None, grams), candidates))
    alone = together = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        expected = [[query.gram_share(passage) for passage in candidates] for query, candidates in cases]
        alone += time.perf_counter() - started
        started = time.perf_counter()
        found = [query.gram_shares(candidates) for query, candidates in cases]
        together += time.perf_counter() - started
        assert found == expected, "the shares differ"
    per_question = sum(len(candidates) for _, candidates in cases) / len(cases)
    print(f"{len(cases)} questions, {per_question:.0f} candidates each on average; µs per question:")
    print(f"  each candidate on its own (gram_share):  {alone / ROUNDS / len(cases) * 1e6:8.0f}")
    print(f"  all candidates at once (gram_shares):    {together / ROUNDS / len(cases) * 1e6:8.0f}")
    print(f"shares equal to the bit; load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
