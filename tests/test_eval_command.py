"""`quotebot eval` as maintainers and CI run it: figures on the seed and a SQuAD excerpt, the gate, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.eval_sets import EvalFileError, read_questions_jsonl, read_squad
from tests.cli_runner import run_quotebot
from tests.conftest import REPOSITORY, SEEDS

DATA = Path(__file__).parent / "data"
SEED_QUESTIONS = DATA / "seed_dev_questions.jsonl"
SQUAD_EXCERPT = DATA / "squad_excerpt.json"


def eval_json(*args: str) -> dict:
    run = run_quotebot("eval", "--json", *args, cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_seed_dev_set_figures_for_quotebot_and_the_baseline() -> None:
    record = eval_json(str(SEED_QUESTIONS), "--corpus", str(SEEDS))
    assert (record["questions"], record["answerable"], record["unanswerable"]) == (16, 12, 4)
    ours, baseline = record["quotebot"], record["baseline"]
    assert ours["counts"] == {
        "top1": 12,
        "top3": 12,
        "answered": 12,
        "quote_hits": 12,
        "correct": 12,
        "off_topic_refused": 4,
        "other_corpus_refused": None,
    }
    assert (ours["top1"], ours["mrr"], ours["off_topic_refused"]) == (1.0, 1.0, 1.0)
    assert baseline["counts"]["top1"] == 12 and baseline["answered"] is None and baseline["quote_hits"] is None
    assert record["misses"] == []
    assert record["passed"] is True


def test_human_report_shows_both_rankers_side_by_side() -> None:
    run = run_quotebot("eval", str(SEED_QUESTIONS), cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "16 questions (12 answerable, 4 the sources don't answer) over 1 corpus, 11 passages"
    assert any(line.split() == ["top-1", "12/12", "1.000", "12/12", "1.000", "+0.000"] for line in lines)
    assert any(line.split() == ["off-topic", "refused", "—", "4/4", "1.000"] for line in lines)
    assert any(line.split() == ["answered", "correctly", "—", "12/12", "1.000"] for line in lines)
    assert lines[-1] == "No misses."


def test_squad_excerpt_counts_each_article_as_its_own_corpus_and_lists_misses() -> None:
    record = eval_json("--squad", str(SQUAD_EXCERPT))
    assert (record["questions"], record["corpora"], record["passages"]) == (14, 2, 5)
    assert record["baseline"]["counts"]["top1"] == 10
    assert record["quotebot"]["counts"] == {
        "top1": 14,
        "top3": 14,
        "answered": 13,
        "quote_hits": 14,
        "correct": 13,
        "off_topic_refused": None,
        "other_corpus_refused": None,
    }
    [miss] = record["misses"]
    assert miss["question"] == "Which tower came through the gale unharmed?"
    # The semantic stage puts the right passage first; the coverage rule still refuses it.
    assert (miss["miss"], miss["rank"], miss["gold_passage"]) == ("refused", 1, "squad_excerpt/Harbour_Lighthouse#p3")


def test_squad_report_lists_every_miss_with_what_was_expected() -> None:
    run = run_quotebot("eval", "--squad", str(SQUAD_EXCERPT))
    assert run.returncode == 0, run.stderr
    assert "Misses (1):\n- [refused] Which tower came through the gale unharmed?" in run.stdout
    assert 'expected: "The lighthouse tower" in squad_excerpt/Harbour_Lighthouse#p3' in run.stdout
    assert "right passage at rank 1" in run.stdout


@pytest.mark.parametrize(("gate", "exit_code"), [("0.3", 0), ("0.6", 1)])
def test_min_top1_gate_fails_the_run_below_the_share(gate: str, exit_code: int) -> None:
    # Our seed paraphrases: top-1 17/32 (0.531) with the semantic stage.
    run = run_quotebot("eval", str(DATA / "seed_paraphrases.jsonl"), "--min-top1", gate)
    assert run.returncode == exit_code
    assert "top-1" in run.stdout
    if exit_code:
        assert run.stderr.strip() == f"quotebot: eval: top-1 0.531 is below --min-top1 {float(gate):.3f}"


def test_min_top1_gate_is_reported_in_json() -> None:
    run = run_quotebot("eval", "--json", str(DATA / "seed_paraphrases.jsonl"), "--min-top1", "0.95")
    assert run.returncode == 1
    record = json.loads(run.stdout)
    assert (record["min_top1"], record["passed"]) == (0.95, False)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"q": "Who?", "gold": null}\n\n{"q": "Which", "gold": [}\n', "line 3: not valid JSON (Expecting value)"),
        ('["q", "gold"]\n', 'line 1: expected an object like {"q": "...", "gold": [...] or null}'),
        ('{"q": "", "gold": null}\n', 'line 1: "q" must be a non-empty string'),
        ('{"q": "Why?"}\n', 'line 1: "gold" is missing (use null for a question the sources don\'t answer)'),
        ('{"q": "Why?", "gold": "NATO"}\n', 'line 1: "gold" must be a non-empty list of non-empty strings, or null'),
        ("\n\n", "no questions in the file"),
    ],
)
def test_malformed_questions_file_is_reported_with_its_line(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(lines, encoding="utf-8")
    with pytest.raises(EvalFileError) as error:
        read_questions_jsonl(path)
    assert str(error.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"data": [', "line 1: not valid JSON (Expecting value)"),
        ('{"version": "1.1"}', 'not SQuAD v1.1 (expected an object with a non-empty "data" list)'),
        (
            '{"data": [{"title": "A", "paragraphs": [{"context": "Text.", "qas": '
            '[{"question": "Q?", "answers": []}]}]}]}',
            "article 1, paragraph 1: a question needs text and at least one answer",
        ),
        (
            '{"data": [{"title": "A", "paragraphs": [{"qas": []}]}]}',
            'article 1, paragraph 1: expected "context" to be a str',
        ),
    ],
)
def test_malformed_squad_file_is_reported_with_where(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "squad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalFileError) as error:
        read_squad(path)
    assert str(error.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("option", "content"),
    [((), '{"q": "Who?", "gold": null}\n{"q": "Which", "gold": [}\n'), (("--squad",), '{"data": [')],
)
def test_malformed_file_is_a_failure_with_one_line_on_stderr(
    tmp_path: Path, option: tuple[str, ...], content: str
) -> None:
    path = tmp_path / "questions"
    path.write_text(content, encoding="utf-8")
    run = run_quotebot("eval", *option, str(path))
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith(f"quotebot: error: {path}: line ") and run.stderr.count("\n") == 1


def test_missing_questions_file_is_a_failure() -> None:
    run = run_quotebot("eval", "/nonexistent/questions.jsonl")
    assert run.returncode == 1
    assert run.stderr.strip() == "quotebot: error: /nonexistent/questions.jsonl: no such file"


@pytest.mark.parametrize(
    "args",
    [
        ["eval"],
        ["eval", str(SEED_QUESTIONS), "--squad", str(SQUAD_EXCERPT)],
        ["eval", str(SEED_QUESTIONS), "--min-top1", "1.5"],
        ["eval", str(SEED_QUESTIONS), "--min-top1", "most"],
        ["eval", "--squad", str(SQUAD_EXCERPT), "--corpus", str(SEEDS)],
    ],
)
def test_bad_arguments_are_usage_errors(args: list[str]) -> None:
    run = run_quotebot(*args)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_other_corpus_negatives_ask_each_article_the_other_articles_questions() -> None:
    record = eval_json("--squad", str(SQUAD_EXCERPT), "--other-corpus-negatives")
    assert (record["questions"], record["answerable"], record["other_corpus"]) == (28, 14, 14)
    assert record["quotebot"]["counts"]["other_corpus_refused"] == 14
    assert record["quotebot"]["counts"]["correct"] == 13 and record["quotebot"]["other_corpus_refused"] == 1.0
    run = run_quotebot("eval", "--squad", str(SQUAD_EXCERPT), "--other-corpus-negatives")
    assert "14 from other corpora" in run.stdout.splitlines()[0]
    assert any(line.split() == ["other-corpus", "refused", "—", "14/14", "1.000"] for line in run.stdout.splitlines())


def test_corpora_odd_and_even_split_a_squad_file_by_article() -> None:
    odd, even = (eval_json("--squad", str(SQUAD_EXCERPT), "--corpora", half) for half in ("odd", "even"))
    assert (odd["corpora"], odd["questions"], even["corpora"], even["questions"]) == (1, 9, 1, 5)
    run = run_quotebot("eval", str(SEED_QUESTIONS), "--corpora", "odd", cwd=REPOSITORY)
    assert run.returncode == 2 and "need --squad" in run.stderr
