"""Ranking beyond plain BM25, as readers see it: each kept feature finds the passage plain BM25 would miss."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from corpus import load_corpus
from retrieval.char_grams import gram_overlap, grams_of_words, sentence_grams
from retrieval.engine import DEFAULT_OPTIONS, AnswerEngine, Refusal
from retrieval.expansion import QueryExpander, load_synonyms, number_forms
from retrieval.passage_terms import PassageTermsCache, passage_terms
from retrieval.ranking_options import BM25_ONLY, RankingOptions
from retrieval.rerank import WeightedQuery
from tests.conftest import CARD_ANSWER


def engine_over(folder: Path, paragraphs: list[str], options: RankingOptions = DEFAULT_OPTIONS) -> AnswerEngine:
    (folder / "doc.txt").write_text(
        "title: Test\ndate: 2023-03-01\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8"
    )
    return AnswerEngine(load_corpus(folder), options=options)


def first_passage(engine: AnswerEngine, question: str) -> str:
    return engine.answer(question).results[0].passage.text


@pytest.mark.parametrize(
    "question",
    [
        "wer putins 3 demands",
        "What were Putin's 3 demands?",
        "What were Putin's three conditions?",
        "What were Putins three demnds?",
        "WHAT WERE PUTIN’S THREE DEMANDS",
    ],
)
def test_noisy_and_reworded_card_questions_get_the_card_answer(engine: AnswerEngine, question: str) -> None:
    answer = engine.answer(question)
    assert answer.answered
    assert CARD_ANSWER in answer.results[0].quote


def test_mistyped_stop_word_is_dropped_and_a_misspelt_word_is_read_as_the_corpus_word(engine: AnswerEngine) -> None:
    expander = QueryExpander(Counter(["demands", "putin", "three"]))
    concepts = expander.expand("wer putins 3 demnds")
    assert [concept.forms[0].words for concept in concepts] == [("putins",), ("3",), ("demnds",)]
    assert ("three",) in [form.words for form in concepts[1].forms]
    assert ("demands",) in [form.words for form in concepts[2].forms]


def test_everyday_words_missing_from_the_sources_are_not_corrected() -> None:
    expander = QueryExpander(Counter(["talks", "weapons", "gasoline"]))
    concepts = expander.expand("How tall is the tower? What about gas?")
    # Only gas's own plurals, which the stemmer keeps apart from it; no "gasoline".
    assert [form.words for concept in concepts for form in concept.forms[1:]] == [("gases",), ("gasses",)]


def test_number_words_and_numerals_find_each_other() -> None:
    table = number_forms()
    assert table["3"] == ("three",) and table["three"] == ("3",)
    assert table["3rd"] == ("third",)
    assert set(table["1990s"]) == {"90s", "nineties"}


def test_synonym_list_is_data_and_every_group_swaps_both_ways() -> None:
    groups = load_synonyms()
    assert ["demand", "condition", "requirement"] in groups
    expander = QueryExpander(Counter(["united", "states", "america"]), synonyms=groups)
    [concept] = expander.expand("America")
    assert ("united", "states") in [form.words for form in concept.forms]
    [concept] = expander.expand("the United States")
    assert ("america",) in [form.words for form in concept.forms]


def test_synonym_finds_the_passage_that_uses_the_other_word(tmp_path: Path) -> None:
    paragraphs = [
        "The union listed its requirements for a deal: higher pay and shorter shifts.",
        "The union met the employers again on Monday in the capital.",
    ]
    assert first_passage(engine_over(tmp_path, paragraphs), "What were the union's demands?") == paragraphs[0]


def test_one_sentence_holding_the_whole_question_beats_scattered_repetition(tmp_path: Path) -> None:
    paragraphs = [
        "The bridge is a landmark. The bridge is painted red. The bridge carries a railway. Years passed. "
        "Building went on.",
        "Engineers said that finishing the building of the new bridge took workers nine years in all.",
        "The council met on Tuesday to discuss parking.",
        "Parking fees in the old town will rise next year.",
        "The harbour master retired after a long career.",
    ]
    question = "years spent building the bridge"
    no_second_stage = RankingOptions(sentence=0, family=0, grams=0, phrase=0, cue=0)
    assert first_passage(engine_over(tmp_path, paragraphs, no_second_stage), question) == paragraphs[0]
    sentence_only = RankingOptions(family=0, grams=0, phrase=0, cue=0)
    assert first_passage(engine_over(tmp_path, paragraphs, sentence_only), question) == paragraphs[1]
    assert first_passage(engine_over(tmp_path, paragraphs), question) == paragraphs[1]


def test_question_type_cue_prefers_the_sentence_with_a_date(tmp_path: Path) -> None:
    paragraphs = [
        "The treaty was signed by both ministers after long talks in Geneva.",
        "The treaty was signed by both ministers in 1998 after talks in Geneva.",
    ]
    only_cue = RankingOptions(sentence=0, family=0, grams=0, phrase=0, cue=0.2)
    assert first_passage(engine_over(tmp_path, paragraphs, only_cue), "When was the treaty signed?") == paragraphs[1]


def test_common_words_weigh_less_than_rare_ones(tmp_path: Path) -> None:
    paragraphs = [
        "One example of the policy was a new subsidy for farmers.",
        "The subsidy went to Cornish farmers near the estuary.",
    ]
    question = "What is one example of a subsidy for Cornish farmers?"
    assert first_passage(engine_over(tmp_path, paragraphs), question) == paragraphs[1]


def test_rare_character_grams_outweigh_grams_every_passage_shares(tmp_path: Path) -> None:
    paragraphs = [
        "What was the ballet for?",
        "Tchaikovsky's ballet premiered in Moscow.",
        "What was the season for?",
        "What was the rain for?",
        "What was the music for?",
        "Was the opera for them?",
    ]
    question = "What was the Tchaikowski ballet for?"
    plain_grams = RankingOptions(gram_rarity=False)
    assert first_passage(engine_over(tmp_path, paragraphs, plain_grams), question) == paragraphs[0]
    assert first_passage(engine_over(tmp_path, paragraphs), question) == paragraphs[1]


def test_quote_of_a_long_passage_is_the_answering_sentence(tmp_path: Path) -> None:
    filler = " ".join(f"Filler sentence {i} talks about the weather and the harvest." for i in range(10))
    paragraph = f"{filler} The corridor reopened in 2019 after repairs. {filler}"
    quote = engine_over(tmp_path, [paragraph]).answer("When did the corridor reopen?").results[0].quote
    assert quote == "… The corridor reopened in 2019 after repairs. …"


def test_scores_are_bm25_plus_the_second_stage_bonus_best_first(engine: AnswerEngine) -> None:
    plain = (
        AnswerEngine(engine.corpus, options=BM25_ONLY).answer("What did Macron tell French television?", top=5).results
    )
    ours = engine.answer("What did Macron tell French television?", top=5).results
    assert [r.score for r in ours] == sorted((r.score for r in ours), reverse=True)
    assert ours[0].score >= max(r.score for r in plain if r.passage == ours[0].passage)


@pytest.mark.parametrize(
    "question",
    [
        "What did Putin say about the weather?",
        "What did Biden say about climate change?",
        "How old is Macron?",
        "How tall is the Eiffel Tower?",
        "Who won the World Cup?",
        "wat is it?",
    ],
)
def test_off_topic_questions_are_still_refused(engine: AnswerEngine, question: str) -> None:
    assert not engine.answer(question).answered


def test_only_mistyped_stop_words_means_nothing_to_search_for(engine: AnswerEngine) -> None:
    assert engine.answer("Wer is it?").refusal is Refusal.NO_TERMS


def test_character_grams_match_spellings_that_stems_keep_apart() -> None:
    question = dict.fromkeys(grams_of_words(["tchaikowski", "ballet"]), 1.0)
    assert gram_overlap(question, "Pyotr Tchaikovsky wrote the ballet.") > 0.5
    assert gram_overlap(question, "The company toured Europe.") == 0.0


def test_the_cache_of_tokenised_passages_stays_within_its_byte_budget() -> None:
    texts = [f"Passage {n} tells of harbour number {n} and of ships. It has a second sentence {n}." for n in range(400)]
    cache = PassageTermsCache(texts, budget=50_000)
    for _ in range(2):
        for index, text in enumerate(texts):
            assert cache[index] == passage_terms(text)
            assert cache.held_bytes <= 50_000
    assert cache.held_bytes > 40_000


def test_tokenised_passages_are_held_only_by_the_bounded_cache() -> None:
    """The second stage's grams must not also pile up in the per-sentence gram cache, which no byte budget bounds."""
    sentence_grams.cache_clear()
    cache = PassageTermsCache([f"Harbour {n} reopened. Ships {n} came back." for n in range(50)], budget=10_000)
    for index in range(50):
        cache[index]
    assert sentence_grams.cache_info().currsize == 0


def test_gram_shares_do_not_depend_on_the_order_the_grams_come_in() -> None:
    # A set of strings is walked in an order that changes with each process's string hashing; summed in
    # that order, the shares differed in the last bit between runs and could swap two tied passages.
    weights = {"capi": 0.1, "apit": 0.2, "pita": 0.3}
    shares = {
        WeightedQuery([], [], None, dict(items)).gram_share(passage_terms("Capital."))
        for items in (list(weights.items()), list(reversed(weights.items())))
    }
    assert shares == {1.0}
