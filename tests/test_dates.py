"""Relative dates in quotes, resolved against the article date and shown beside the verbatim words."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.answers.formatting import quote_with_dates
from bot.answers.wording import english
from retrieval.dates import resolve_dates
from tests.cli_runner import run_quotebot
from tests.conftest import REPOSITORY

SEED_DATE = dt.date(2022, 12, 3)  # a Saturday


def annotated(text: str, published: dt.date | None = SEED_DATE) -> str:
    return quote_with_dates(text, resolve_dates(text, published))


@pytest.mark.parametrize(
    ("question", "shown"),
    [
        ("What did Putin say on Friday?", "Vladimir Putin said on Friday (2 December 2022) that he is open to talks"),
        ("What were Putin's three demands?", "with Macron on February 8 (8 February 2022), just weeks before"),
        (
            "When was Macron's state visit to the United States?",
            "Amid his state visit last week (26 November – 2 December 2022) to",
        ),
        (
            "What did Macron say about Russian concerns?",
            "On Saturday (3 December 2022), French President Emmanuel Macron said",
        ),
    ],
)
def test_seed_answers_show_each_relative_date_beside_the_quote(engine, question: str, shown: str) -> None:
    best = engine.answer(question).results[0]
    assert shown in quote_with_dates(best.quote, best.dates)


def test_json_quote_stays_verbatim_and_the_reply_shows_the_date() -> None:
    question = "What did Putin say on Friday?"
    as_json = run_quotebot("ask", "--json", question, cwd=REPOSITORY)
    [result] = json.loads(as_json.stdout)["results"][:1]
    assert "said on Friday that" in result["quote"] and result["quote"] in result["passage"]
    as_text = run_quotebot("ask", question, cwd=REPOSITORY)
    assert "> Russian dictator Vladimir Putin said on Friday (2 December 2022) that" in as_text.stdout


def test_weekday_of_the_article_itself_is_that_day_and_last_weekday_is_the_one_before() -> None:
    assert annotated("On Saturday he spoke.") == "On Saturday (3 December 2022) he spoke."
    assert annotated("Last Saturday he spoke.") == "Last Saturday (26 November 2022) he spoke."
    assert annotated("He flies on Monday.") == "He flies on Monday (28 November 2022)."
    assert annotated("He flies next Monday.") == "He flies next Monday (5 December 2022)."


def test_day_words_and_periods() -> None:
    assert annotated("Yesterday and today") == "Yesterday (2 December 2022) and today (3 December 2022)"
    assert annotated("last month, this year") == "last month (November 2022), this year (2022)"
    assert annotated("this week") == "this week (28 November – 4 December 2022)"


def test_day_and_month_without_a_year_take_the_article_year_unless_far_in_its_future() -> None:
    assert annotated("on 8th of February") == "on 8th of February (8 February 2022)"
    assert annotated("on December 20") == "on December 20 (20 December 2022)"
    january = dt.date(2023, 1, 5)
    assert annotated("talks on December 28", january) == "talks on December 28 (28 December 2022)"
    assert annotated("talks on January 9", january) == "talks on January 9 (9 January 2023)"


@pytest.mark.parametrize(
    "text",
    ["on February 8, 2022", "on 8 February 2022", "in 2014", "you may 5 times", "February 30", "a friday-night film"],
)
def test_full_dates_and_look_alikes_are_left_alone(text: str) -> None:
    assert annotated(text) == text


def test_undated_article_gets_no_resolved_dates() -> None:
    assert resolve_dates("on Friday, last week", None) == []


def test_date_spans_read_naturally() -> None:
    date_span = english().date_span
    assert date_span(dt.date(2022, 12, 2), dt.date(2022, 12, 2)) == "2 December 2022"
    assert date_span(dt.date(2022, 11, 1), dt.date(2022, 11, 30)) == "November 2022"
    assert date_span(dt.date(2021, 1, 1), dt.date(2021, 12, 31)) == "2021"
    assert date_span(dt.date(2022, 12, 5), dt.date(2022, 12, 11)) == "5–11 December 2022"
    assert date_span(dt.date(2022, 12, 29), dt.date(2023, 1, 4)) == "29 December 2022 – 4 January 2023"
