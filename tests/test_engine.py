"""The answer engine over the seed: the card's question, the dev set, refusals and quotes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import load_corpus
from retrieval.engine import AnswerEngine, Refusal
from retrieval.quote import ELLIPSIS, QUOTE_MAX_CHARS
from retrieval.ranking_options import BM25_ONLY
from tests.conftest import CARD_ANSWER, CARD_QUESTION

DEV_QUESTIONS = [json.loads(line) for line in (Path(__file__).parent / "data" / "seed_dev_questions.jsonl").open()]
ANSWERABLE = [q for q in DEV_QUESTIONS if q["gold"]]
OFF_TOPIC = [q for q in DEV_QUESTIONS if not q["gold"]]


def test_card_question_is_answered_with_the_verbatim_sentence(engine: AnswerEngine) -> None:
    answer = engine.answer(CARD_QUESTION)
    assert answer.answered
    best = answer.results[0]
    assert CARD_ANSWER in best.quote
    assert best.quote in best.passage.text
    assert best.passage.date.isoformat() == "2022-12-03"


@pytest.mark.parametrize("case", ANSWERABLE, ids=[q["q"] for q in ANSWERABLE])
def test_dev_question_is_answered_with_the_gold_in_the_top_quote(engine: AnswerEngine, case: dict) -> None:
    answer = engine.answer(case["q"])
    assert answer.answered
    assert any(gold in answer.results[0].quote for gold in case["gold"])


@pytest.mark.parametrize(
    "question",
    [q["q"] for q in OFF_TOPIC]
    + [
        "What is the capital of Australia?",
        "asdf",
        "What did Putin say about the weather?",
        "=1+1 capital of Australia",
    ],
)
def test_off_topic_question_is_refused(engine: AnswerEngine, question: str) -> None:
    assert engine.answer(question).refusal is Refusal.NOT_COVERED


def test_question_without_content_words_is_refused_as_such(engine: AnswerEngine) -> None:
    answer = engine.answer("What is it?")
    assert answer.refusal is Refusal.NO_TERMS and answer.results == []


def test_results_are_best_first_and_share_a_term_with_the_question_or_are_nearest_by_meaning(
    engine: AnswerEngine,
) -> None:
    results = engine.answer("Macron NATO Russia", top=5).results
    assert len(results) == 5
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    nonsense = engine.answer("asdf")
    assert [r.cosine_rank for r in nonsense.results] == [1, 2, 3] and not nonsense.answered
    assert AnswerEngine(engine.corpus, BM25_ONLY).answer("asdf").results == []


def test_long_passage_is_quoted_by_its_answering_sentences_with_ellipses(tmp_path: Path) -> None:
    filler = " ".join(f"Filler sentence {i} mentions harvests and weather." for i in range(12))
    paragraph = f"{filler} The minister said the grain corridor would reopen in May. {filler}"
    (tmp_path / "doc.txt").write_text(f"title: Grain\ndate: 2023-01-01\n\n{paragraph}\n", encoding="utf-8")
    engine = AnswerEngine(load_corpus(tmp_path))
    quote = engine.answer("When will the grain corridor reopen?").results[0].quote
    assert quote == f"{ELLIPSIS} The minister said the grain corridor would reopen in May. {ELLIPSIS}"
    assert len(quote) <= QUOTE_MAX_CHARS


def test_a_batch_is_answered_on_every_core_exactly_as_one_by_one(engine: AnswerEngine) -> None:
    questions = [CARD_QUESTION, "Which region did Russia annex?", "wer putins 3 demands", "asdf", "What is NATO?"] * 14
    assert list(engine.answer_batch(questions, top=2)) == [engine.answer(q, top=2) for q in questions]
