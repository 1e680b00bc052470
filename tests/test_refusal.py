"""When the bot says no, as readers meet it: the fitted refusal rule shipped in retrieval/data/refusal.json."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.engine import AnswerEngine, Refusal
from tests.cli_runner import run_quotebot
from tests.conftest import CARD_QUESTION, REPOSITORY

DATA = Path(__file__).parent / "data"
# Written for these tests in five languages and never fitted on (the fit uses off_topic_fit.jsonl).
OFF_TOPIC = [json.loads(line)["q"] for line in (DATA / "off_topic.jsonl").read_text(encoding="utf-8").splitlines()]
REFUSAL = "The sources don't cover that, so I won't guess."


def test_off_topic_questions_in_five_languages_get_the_sources_dont_cover_that() -> None:
    assert {json.loads(line)["lang"] for line in (DATA / "off_topic.jsonl").read_text().splitlines()} == {
        "en",
        "fr",
        "de",
        "es",
        "ru",
    }
    run = run_quotebot("chat", stdin="\n".join(OFF_TOPIC) + "\n", cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(REFUSAL) == len(OFF_TOPIC)
    answers = [
        json.loads(line) for line in run_quotebot("ask", "--json", *OFF_TOPIC, cwd=REPOSITORY).stdout.splitlines()
    ]
    assert [answer["answered"] for answer in answers] == [False] * len(OFF_TOPIC)


def test_a_question_sharing_the_sources_words_but_not_answered_there_is_refused(engine: AnswerEngine) -> None:
    # "French president" and "Washington" are in the article (a quarter of the question's weight, which the
    # old word-share rule answered); what he ate is not.
    answer = engine.answer("What did the French president eat in Washington?")
    assert answer.refusal is Refusal.NOT_COVERED and answer.results
    run = run_quotebot("chat", stdin="What did the French president eat in Washington?\n", cwd=REPOSITORY)
    assert run.stdout.startswith(REFUSAL)


def test_an_answer_carries_the_rules_confidence_and_a_refusal_a_lower_one(engine: AnswerEngine) -> None:
    answered = engine.answer(CARD_QUESTION)
    refused = engine.answer("What did the French president eat in Washington?")
    assert answered.answered and answered.confidence is not None and refused.confidence is not None
    threshold = engine.refusal.model_for(refused.signals).threshold if refused.signals else 0.0
    assert refused.confidence < threshold <= answered.confidence <= 1.0
