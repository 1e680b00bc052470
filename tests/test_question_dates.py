"""Questions about a time across many dated articles: "last week", "in February 2022", "the latest on …"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.answers.ask import Reply
from bot.answers.formatting import plain_text, reply_lines
from bot.answers.questions import clean_question
from corpus import Corpus, load_corpus
from retrieval.engine import AnswerEngine
from retrieval.question_dates import question_focus
from retrieval.ranking_options import RankingOptions

DATED = Path(__file__).parent / "data" / "dated"
TODAY = dt.date(2023, 3, 10)


@pytest.fixture(scope="module")
def dated() -> Corpus:
    return load_corpus(DATED)


@pytest.mark.parametrize(
    ("question", "first", "last", "newest"),
    [
        ("What did Macron say last week?", dt.date(2023, 3, 3), dt.date(2023, 3, 9), False),
        ("What did Putin say in February 2022?", dt.date(2022, 2, 1), dt.date(2022, 2, 28), False),
        ("What happened in November?", dt.date(2022, 11, 1), dt.date(2022, 11, 30), False),
        ("What was said on 8 February 2022?", dt.date(2022, 2, 8), dt.date(2022, 2, 8), False),
        ("What did they agree on March 4?", dt.date(2023, 3, 4), dt.date(2023, 3, 4), False),
        ("Any news from yesterday?", dt.date(2023, 3, 9), dt.date(2023, 3, 9), False),
        ("What was decided last month?", dt.date(2023, 2, 1), dt.date(2023, 2, 28), False),
        ("What did the treaty say in 1994?", dt.date(1994, 1, 1), dt.date(1994, 12, 31), False),
        ("What is the latest on the Budapest Memorandum?", None, None, True),
    ],
)
def test_the_time_a_question_asks_about(question: str, first: dt.date, last: dt.date, newest: bool) -> None:
    focus = question_focus(question, TODAY)
    assert focus is not None and (focus.first, focus.last, focus.newest) == (first, last, newest)


@pytest.mark.parametrize(
    "question", ["What may happen next?", "Will they march on the capital?", "Which demands at the February meeting?"]
)
def test_words_that_only_look_like_dates_are_not_a_time(question: str) -> None:
    assert question_focus(question, TODAY) is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did Macron say last week?", "2023-03-06-macron-pensions"),
        ("What is the latest on the Budapest Memorandum?", "2023-02-25-budapest-anniversary"),
        ("What did Putin say in February 2022?", "2022-02-09-putin-press-conference"),
    ],
)
def test_the_document_of_the_asked_time_answers_and_only_with_the_switch_on(
    dated: Corpus, question: str, expected: str
) -> None:
    answer = AnswerEngine(dated).answer(question, today=TODAY)
    assert answer.answered and answer.results[0].passage.doc_id == expected
    without = AnswerEngine(dated, RankingOptions(dates=0, recency=0)).answer(question, today=TODAY)
    assert not (without.answered and without.results[0].passage.doc_id == expected)


def test_a_dated_sentence_counts_for_the_period_and_the_reply_shows_each_quotes_own_date(seed_corpus) -> None:
    """The seed (3 December 2022) says "on February 8": that passage answers a question about February 2022."""
    question = "What were Putin's demands in February 2022?"
    answer = AnswerEngine(seed_corpus).answer(question, today=TODAY)
    assert answer.answered and "February 8" in answer.results[0].quote
    text = plain_text(reply_lines(Reply(clean_question(question), answer), seed_corpus.documents))
    assert "February 8 (8 February 2022)" in text and "3 December 2022" in text


def test_questions_without_a_time_rank_as_before(dated: Corpus) -> None:
    question = "What did Putin say about sanctions?"
    on = AnswerEngine(dated).answer(question, today=TODAY)
    off = AnswerEngine(dated, RankingOptions(dates=0, recency=0)).answer(question, today=TODAY)
    assert [(r.passage.passage_id, r.score) for r in on.results] == [
        (r.passage.passage_id, r.score) for r in off.results
    ]


def test_an_undated_corpus_ignores_time_words(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The latest model of the car was shown last week in Geneva.\n")
    answer = AnswerEngine(load_corpus(tmp_path)).answer("What was the latest model shown last week?", today=TODAY)
    assert answer.answered and "latest model" in answer.results[0].quote
