"""`quotebot eval` on dialogues: first turns, follow-ups with the conversation's context and without, in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.eval_sets import EvalFileError, read_eval_jsonl
from tests.cli_runner import run_quotebot
from tests.conftest import REPOSITORY

DATA = Path(__file__).parent / "data"
DIALOGUES = DATA / "dialogues.jsonl"
DIALOGUE_CORPUS = DATA / "dialogue_corpus"


def test_follow_ups_are_answered_better_with_context_and_first_turns_as_if_asked_alone(tmp_path: Path) -> None:
    dialogues = [json.loads(line) for line in DIALOGUES.read_text(encoding="utf-8").splitlines()]
    mixed = tmp_path / "mixed.jsonl"
    first_turns = [json.dumps(d["turns"][0]) for d in dialogues]
    mixed.write_text("\n".join(first_turns + [json.dumps(d) for d in dialogues]) + "\n", encoding="utf-8")
    run = run_quotebot("eval", "--json", str(mixed), "--corpus", str(DIALOGUE_CORPUS), cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)
    figures = record["dialogues"]
    assert figures["dialogues"] == len(dialogues) >= 30
    assert figures["first_turn"]["counts"]["top1"] == record["quotebot"]["counts"]["top1"]
    with_context, alone = figures["follow_up_with_context"], figures["follow_up_without_context"]
    answerable = sum(d["turns"][1]["gold"] is not None for d in dialogues)
    assert with_context["answerable"] == alone["answerable"] == answerable
    assert with_context["off_topic_refused"] >= alone["off_topic_refused"]
    assert with_context["top1"] > alone["top1"]
    new_topics = figures["by_kind"]["new_topic"]
    assert new_topics["with_context"]["top1"] >= new_topics["without_context"]["top1"]


def test_the_report_puts_the_three_figures_side_by_side_and_shows_how_misses_were_read(tmp_path: Path) -> None:
    path = tmp_path / "dialogues.jsonl"
    path.write_text(
        json.dumps(
            {
                "turns": [
                    {"q": "What were Putin's three demands?", "gold": ["three main security demands"]},
                    {"q": "When did he say that?", "gold": ["February 8"]},
                ]
            }
        )
        + "\n"
        + json.dumps(
            {
                "turns": [
                    {"q": "Which region did Russia annex?", "gold": ["annexation of Crimea"]},
                    {"q": "What did he say about the weather?", "gold": ["1997 levels"]},
                ]
            }
        )
        + "\n",
        encoding="utf-8",
    )
    run = run_quotebot("eval", str(path), cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "2 dialogues, 2 follow-up questions"
    assert any(line.split()[:4] == ["first", "turns", "2/2", "1.000"] for line in lines)
    assert any(line.split()[:5] == ["follow-ups,", "with", "context", "1/2", "0.500"] for line in lines)
    assert any(line.split()[:5] == ["follow-ups,", "without", "context", "0/2", "0.000"] for line in lines)
    assert "Follow-up misses (1):" in run.stdout and "What did he say about the weather?" in run.stdout


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"turns": []}', 'line 1: "turns" must be a non-empty list of {"q": ..., "gold": ...}'),
        ('{"turns": [{"q": "Why?"}]}', 'line 1, turn 1: "gold" is missing'),
    ],
)
def test_malformed_dialogues_are_reported_with_their_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "dialogues.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError) as error:
        read_eval_jsonl(path)
    assert str(error.value).startswith(f"{path}: {message}")
