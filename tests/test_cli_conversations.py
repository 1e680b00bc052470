"""Conversations on the command line: the console keeps context, `quotebot ask` only with --dialogue."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_runner import run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION

READ_AS = "(reading this as: When did Putin say that — three demands?)"


def test_the_console_reads_follow_ups_with_the_questions_before_and_new_forgets_them() -> None:
    typed = [CARD_QUESTION, "When did he say that?", "/more", "What else?", "/new", "and when was that?", ""]
    run = run_quotebot("chat", stdin="\n".join(typed))
    assert run.returncode == 0, run.stderr
    assert CARD_ANSWER in run.stdout and READ_AS in run.stdout
    quotes = [line for line in run.stdout.splitlines() if line.startswith("> ")]
    assert len(quotes) == 4 and len(set(quotes[1:])) == 3
    after_new = run.stdout.split("Starting afresh")[1]
    assert "reading this as" not in after_new and "no words to search for" in after_new


def test_ask_dialogue_keeps_context_within_a_dialogue_and_a_blank_line_starts_the_next() -> None:
    stdin = f"{CARD_QUESTION}\nWhen did he say that?\n\nWhen did he say that?\n"
    run = run_quotebot("ask", "--dialogue", "--json", stdin=stdin)
    assert run.returncode == 0, run.stderr
    first, follow_up, fresh = (json.loads(line) for line in run.stdout.splitlines())
    assert first["read_as"] is None and first["answered"]
    assert follow_up["read_as"] == READ_AS.removeprefix("(reading this as: ").removesuffix(")")
    assert "February 8" in follow_up["results"][0]["quote"]
    assert fresh["read_as"] is None and not fresh["answered"]


def test_ask_without_dialogue_answers_each_question_on_its_own() -> None:
    run = run_quotebot("ask", "--json", CARD_QUESTION, "When did he say that?")
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert all("read_as" not in r for r in records) and not records[1]["answered"]


def test_what_else_did_he_say_stays_with_the_source_it_follows() -> None:
    """ "Say" frames the request; searched for, it pulled in a drought article's "forecasters say"."""
    stdin = "What did Macron tell TF1 and LCI?\nWhat else did he say?\n"
    corpus = Path(__file__).parent / "data" / "dialogue_corpus"
    run = run_quotebot("ask", "--dialogue", "--json", "--corpus", str(corpus), stdin=stdin)
    assert run.returncode == 0, run.stderr
    first, more = (json.loads(line) for line in run.stdout.splitlines())
    assert "Macron" in more["results"][0]["quote"]
    assert more["results"][0]["passage_id"].split("#")[0] == first["results"][0]["passage_id"].split("#")[0]
    assert more["results"][0]["passage_id"] != first["results"][0]["passage_id"]


def test_and_in_another_year_asks_the_earlier_question_of_that_year() -> None:
    """The earlier question's own time leaves the topic, and the passage quoted for it is passed over when another
    passage of its article names the new year: this week's "lowest level since the drought of 2014" is not 2014's."""
    stdin = (
        "How low did the Brennmoor reservoir fall this week?\nAnd in 2014?\n\n"
        "What did Russia give Ukraine in 1994?\nAnd in 2014?\n"
    )
    corpus = Path(__file__).parent / "data" / "dialogue_corpus"
    run = run_quotebot("ask", "--dialogue", "--json", "--corpus", str(corpus), stdin=stdin)
    assert run.returncode == 0, run.stderr
    this_week, drought, _, crimea = (json.loads(line) for line in run.stdout.splitlines())
    assert "31 percent" in this_week["results"][0]["quote"]
    assert "dropped to 24 percent" in drought["results"][0]["quote"]
    assert drought["read_as"] == "And in 2014 — low Brennmoor reservoir fall?"
    assert crimea["answered"] and "annexation of Crimea" in crimea["results"][0]["quote"]
    assert crimea["read_as"] == "And in 2014 — Russia give Ukraine?"
