"""Taught answers in the engine: a lesson reaches its question and close rewordings, and nothing else."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corpus import Corpus
from retrieval.engine import AnswerEngine
from retrieval.taught import Lesson
from tests.conftest import CARD_QUESTION

TRAVEL = "Where was Macron travelling?"
STATE_VISIT = "000_f1d616dfc469d761#p2"
CARD_PASSAGE = "000_f1d616dfc469d761#p9"


@pytest.fixture
def taught_engine(seed_corpus: Corpus) -> AnswerEngine:
    """An engine of the test's own: lessons must not leak into the shared one."""
    return AnswerEngine(seed_corpus)


def first_passage(engine: AnswerEngine, question: str) -> str | None:
    answer = engine.answer(question)
    return answer.results[0].passage.passage_id if answer.answered else None


def test_a_taught_passage_answers_the_question_and_its_rewordings(taught_engine: AnswerEngine) -> None:
    rewordings = ["where did macron travel", "Which country did Macron travel to last week?"]
    assert [first_passage(taught_engine, q) for q in [TRAVEL, *rewordings]] != [STATE_VISIT] * 3

    taught_engine.teach([Lesson(TRAVEL, STATE_VISIT)])

    for question in [TRAVEL, *rewordings]:
        answer = taught_engine.answer(question, top=3)
        assert answer.answered, question
        assert [r.passage.passage_id for r in answer.results].count(STATE_VISIT) == 1
        assert answer.results[0].passage.passage_id == STATE_VISIT
        assert answer.results[0].quote in answer.results[0].passage.text
        assert len(answer.results) == 3


def test_a_lesson_leaves_other_questions_alone(taught_engine: AnswerEngine) -> None:
    others = [CARD_QUESTION, "What did Putin say about the weather?", "How old is Macron?", "Who is the dictator?"]
    before = [first_passage(taught_engine, q) for q in others]
    taught_engine.teach([Lesson(TRAVEL, STATE_VISIT), Lesson("What is Putin afraid of?", "000_f1d616dfc469d761#p4")])
    assert [first_passage(taught_engine, q) for q in others] == before
    assert before[0] == CARD_PASSAGE and before[1] is None


def test_the_sources_do_not_answer_this_refuses_the_question_and_rewordings(taught_engine: AnswerEngine) -> None:
    assert taught_engine.answer("Who invaded Ukraine?").answered
    taught_engine.teach([Lesson("Who invaded Ukraine?", None)])
    for question in ("Who invaded Ukraine?", "who invaded Ukraine in February"):
        answer = taught_engine.answer(question)
        assert not answer.answered and answer.results, question
    assert first_passage(taught_engine, CARD_QUESTION) == CARD_PASSAGE


def test_a_question_asking_for_another_kind_of_answer_is_not_a_rewording(taught_engine: AnswerEngine) -> None:
    memorandum = "000_f1d616dfc469d761#p7"
    taught_engine.teach([Lesson("When did Russia promise to respect Ukraine's borders?", memorandum)])
    assert first_passage(taught_engine, "In what year did Russia promise to respect Ukraine's borders?") == memorandum
    who = taught_engine._signature("Who promised to respect Ukraine's borders?")
    assert taught_engine.taught.match(who) is None


def test_undoing_every_lesson_restores_the_ranking(taught_engine: AnswerEngine) -> None:
    before = first_passage(taught_engine, TRAVEL)
    taught_engine.teach([Lesson(TRAVEL, STATE_VISIT)])
    taught_engine.teach([])
    assert first_passage(taught_engine, TRAVEL) == before and len(taught_engine.taught) == 0


def test_a_lesson_follows_its_passage_text_when_the_corpus_renumbers(seed_corpus: Corpus) -> None:
    text = next(p.text for p in seed_corpus.passages if p.passage_id == STATE_VISIT)
    renumbered = replace(
        seed_corpus, passages=[replace(p, passage_id=p.passage_id + "x") for p in reversed(seed_corpus.passages)]
    )
    engine = AnswerEngine(renumbered)
    engine.teach([Lesson(TRAVEL, STATE_VISIT, text), Lesson("Who invaded Ukraine?", "gone#p1", "no longer there")])
    assert first_passage(engine, TRAVEL) == STATE_VISIT + "x"
    assert len(engine.taught) == 1 and engine.answer("Who invaded Ukraine?").answered


def test_a_name_swapped_for_another_is_a_different_question(taught_engine: AnswerEngine) -> None:
    talks = "000_f1d616dfc469d761#p10"
    taught_engine.teach([Lesson("Is Putin willing to negotiate?", talks)])
    assert first_passage(taught_engine, "Is Vladimir Putin willing to negotiate?") == talks
    assert taught_engine.taught.match(taught_engine._signature("Is Macron willing to negotiate?")) is None
