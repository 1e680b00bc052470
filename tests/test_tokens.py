"""Turning text into terms: normalisation, stop words, stemming."""

from __future__ import annotations

from retrieval.tokens import STOPWORDS, tokenize


def test_curly_and_straight_possessives_give_the_same_terms() -> None:
    assert tokenize("Putin’s demands") == tokenize("Putin's demands") == ["putin", "demand"]


def test_plural_possessive_and_case_are_folded() -> None:
    assert tokenize("The ALLIES’ views") == tokenize("the allies views")


def test_stop_words_are_dropped_and_words_stemmed() -> None:
    assert tokenize("What were the three main security demands?") == ["three", "main", "secur", "demand"]
    assert {"what", "were", "the", "don't"} <= STOPWORDS


def test_numbers_stay_and_fullwidth_letters_are_folded() -> None:
    assert tokenize("ＮＡＴＯ 1997 levels") == ["nato", "1997", "level"]


def test_question_of_only_stop_words_has_no_terms() -> None:
    assert tokenize("What is it?") == []
    assert tokenize("") == []
