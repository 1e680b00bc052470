"""Searching every candidate's sentences at once gives each passage the gram share it gets searched alone."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.char_grams import grams_of_words
from retrieval.passage_terms import passage_terms
from retrieval.rerank import WeightedQuery
from retrieval.tokens import words

WORDS = ["capital", "France", "Paris", "the", "of", "is", "école", "Kyiv", "Київ", "😀smile", "capitals"]
sentences = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(lambda chosen: " ".join(chosen) + ".")
passages = st.lists(sentences, min_size=1, max_size=4).map(lambda chosen: " ".join(s.capitalize() for s in chosen))
questions = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(question=questions, texts=st.lists(passages, min_size=1, max_size=6), weights=st.randoms(use_true_random=False))
def test_the_candidates_searched_together_get_their_own_shares(
    question: str, texts: list[str], weights: random.Random
) -> None:
    grams = {gram: weights.uniform(0.01, 5.0) for gram in sorted(grams_of_words(words(question)))}
    query = WeightedQuery([], [], None, grams)
    candidates = [passage_terms(text) for text in texts]
    assert query.gram_shares(candidates) == [query.gram_share(passage) for passage in candidates]


def test_a_question_without_grams_shares_nothing_with_anyone() -> None:
    query = WeightedQuery([], [], None, {})
    assert query.gram_shares([passage_terms("Paris is the capital.")]) == [0.0]
