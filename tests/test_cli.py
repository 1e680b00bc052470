"""The `quotebot` command as users run it: JSON contract, batch mode, console, bad input, exit codes."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

import pytest

from tests.cli_runner import QUOTEBOT, run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION, REPOSITORY, SEED_TITLE, SEEDS

RESULT_KEYS = {"quote", "passage", "passage_id", "source", "title", "date", "score"}


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_ask_prints_quote_date_source_and_score() -> None:
    run = run_quotebot("ask", CARD_QUESTION, cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    assert CARD_ANSWER in run.stdout
    assert f"— {SEED_TITLE}, 3 December 2022  [score" in run.stdout
    assert "000_f1d616dfc469d761.txt" not in run.stdout


def test_ask_json_follows_the_documented_schema() -> None:
    run = run_quotebot("ask", "--json", CARD_QUESTION, "asdf", cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    answered, refused = json_lines(run.stdout)
    assert set(answered) == {"question", "answered", "results"}
    assert answered["question"] == CARD_QUESTION and answered["answered"] is True
    assert 1 <= len(answered["results"]) <= 3
    best = answered["results"][0]
    assert set(best) == RESULT_KEYS
    assert CARD_ANSWER in best["quote"] and best["quote"] in best["passage"]
    assert best["date"] == "2022-12-03" and best["passage_id"] == "000_f1d616dfc469d761#p9"
    assert isinstance(best["score"], float)
    assert refused["question"] == "asdf" and refused["answered"] is False
    # No passage shares a term with it; the semantic stage still lists the nearest by meaning.
    assert len(refused["results"]) == 3 and set(refused["results"][0]) == RESULT_KEYS


def test_unanswered_question_still_lists_near_misses() -> None:
    run = run_quotebot("ask", "--json", "--top", "2", "What did Putin say about the weather?", cwd=REPOSITORY)
    [record] = json_lines(run.stdout)
    assert record["answered"] is False
    assert len(record["results"]) == 2 and all("Putin" in r["passage"] for r in record["results"])


def test_stdin_batch_gives_one_json_line_per_question_and_skips_blank_lines() -> None:
    questions = [CARD_QUESTION, "", "   ", "Which region did Russia annex?", "asdf"] * 50
    run = run_quotebot("ask", "--json", "--top", "1", stdin="\n".join(questions) + "\n", cwd=REPOSITORY)
    assert run.returncode == 0, run.stderr
    records = json_lines(run.stdout)
    assert len(records) == 150
    assert [r["question"] for r in records] == [q for q in questions if q.strip()]
    assert [r["answered"] for r in records[:3]] == [True, True, False]
    assert all(len(r["results"]) <= 1 for r in records)


def test_corpus_option_and_environment_choose_the_sources(tmp_path: Path) -> None:
    (tmp_path / "grain.txt").write_text("title: Grain\ndate: 2023-05-01\n\nThe grain corridor reopened in May.\n")
    by_option = run_quotebot("ask", "--json", "--corpus", str(tmp_path), "When did the grain corridor reopen?")
    by_env = run_quotebot(
        "ask", "--json", "When did the grain corridor reopen?", env={"QUOTEBOT_CORPUS": str(tmp_path)}
    )
    for run in (by_option, by_env):
        [record] = json_lines(run.stdout)
        assert record["results"][0]["title"] == "Grain" and record["results"][0]["date"] == "2023-05-01"


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_argument_is_a_usage_error(question: str) -> None:
    run = run_quotebot("ask", question)
    assert run.returncode == 2
    assert "question is empty" in run.stderr and "Traceback" not in run.stderr


def test_huge_line_is_cut_and_answered_with_a_note() -> None:
    run = run_quotebot("ask", "--json", stdin=CARD_QUESTION + " nato" * 20_000 + "\n")
    assert run.returncode == 0
    [record] = json_lines(run.stdout)
    assert record["answered"] is True and len(record["question"]) <= 500
    used = len(record["question"])
    assert f"longer than 500 characters; only its first {used} were used" in run.stderr
    console = run_quotebot("chat", stdin=CARD_QUESTION + " nato" * 20_000 + "\n")
    assert f"only its first {used} characters were used" in console.stdout


def test_control_characters_are_removed_from_the_question() -> None:
    run = run_quotebot("ask", "--json", stdin="What were\x00 Putin's\x1b[31m three\u200b demands?\x07\n")
    [record] = json_lines(run.stdout)
    assert record["question"] == "What were Putin's[31m three demands?"
    assert record["answered"] is True


def test_question_without_content_words_gets_a_clear_message() -> None:
    run = run_quotebot("ask", "What is it?")
    assert run.returncode == 0
    assert "no words to search for" in run.stdout


def test_missing_corpus_is_a_failure_with_one_line() -> None:
    run = run_quotebot("ask", "--corpus", "/nonexistent/corpus", "x")
    assert run.returncode == 1
    assert run.stderr.strip() == "quotebot: error: corpus path '/nonexistent/corpus' does not exist"


@pytest.mark.parametrize("args", [["ask", "--top", "0", "x"], ["ask", "--top", "many", "x"], ["frobnicate"]])
def test_bad_arguments_are_usage_errors(args: list[str]) -> None:
    run = run_quotebot(*args)
    assert run.returncode == 2 and "usage:" in run.stderr and "Traceback" not in run.stderr


def test_load_warnings_go_to_stderr_and_the_rest_still_answers(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("The grain corridor reopened in May.\n")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    run = run_quotebot("ask", "--json", "--corpus", str(tmp_path), "grain corridor")
    assert json_lines(run.stdout)[0]["answered"] is True
    assert "bad.txt: binary file" in run.stderr


def test_corpus_command_lists_documents_with_date_and_passage_count() -> None:
    run = run_quotebot("corpus", "--corpus", str(SEEDS))
    assert run.returncode == 0
    assert f"000_f1d616dfc469d761\ttext\t2022-12-03\t11 passages\t{SEED_TITLE}\t-" in run.stdout
    assert "1 document(s), 11 passage(s), 0 warning(s)" in run.stdout


def test_chat_reads_questions_from_a_pipe_until_quit() -> None:
    run = run_quotebot("chat", stdin=f"{CARD_QUESTION}\n/sources\n/quit\nasdf\n", cwd=REPOSITORY)
    assert run.returncode == 0
    assert CARD_ANSWER in run.stdout and f"{SEED_TITLE} (3 December 2022)" in run.stdout
    assert "don't cover" not in run.stdout and "asdf" not in run.stdout


def test_plain_quotebot_without_a_token_is_the_chat_console() -> None:
    run = run_quotebot(stdin="asdf\n", cwd=REPOSITORY)
    assert run.returncode == 0
    assert run.stdout.startswith("The sources don't cover that, so I won't guess. They are about:\n• ")
    assert f"{SEED_TITLE} (3 December 2022)\n" in run.stdout


def test_the_index_folder_keeps_itself_out_of_git(tmp_path: Path) -> None:
    (tmp_path / "grain.txt").write_text("The grain corridor reopened in May.\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert run_quotebot("index", "--corpus", str(tmp_path)).returncode == 0
    status = subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert status.stdout == "?? grain.txt\n"


def test_the_saved_index_is_readable_by_whoever_may_read_the_corpus(tmp_path: Path) -> None:
    """An index built by one user (an operator, an image build) serves a bot running as another."""
    (tmp_path / "grain.txt").write_text("The grain corridor reopened in May.\n")
    umask = os.umask(0o022)
    try:
        assert run_quotebot("index", "--corpus", str(tmp_path)).returncode == 0
    finally:
        os.umask(umask)
    saved = [tmp_path / ".quotebot-index", *(tmp_path / ".quotebot-index").rglob("*")]
    assert len(saved) > 10
    assert {path.name for path in saved if path.stat().st_mode & 0o044 != 0o044} == set()
    assert {path.name for path in saved if path.is_dir() and path.stat().st_mode & 0o011 != 0o011} == set()


def test_version_is_printed() -> None:
    run = run_quotebot("--version")
    assert run.returncode == 0 and run.stdout.startswith("quotebot 0.")


@pytest.mark.parametrize(
    ("args", "usage"),
    [(["ask", "--bogus", "x"], "usage: quotebot ask"), (["log", "stats", "--bogus"], "usage: quotebot log stats")],
)
def test_an_unknown_option_prints_the_subcommands_usage(args: list[str], usage: str) -> None:
    run = run_quotebot(*args)
    assert run.returncode == 2
    assert run.stderr.startswith(usage) and "unrecognized arguments: --bogus" in run.stderr


def test_ask_at_a_terminal_without_a_question_says_what_to_type() -> None:
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [QUOTEBOT, "ask"], stdin=child, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    os.close(child)
    os.write(parent, CARD_QUESTION.encode() + b"\n\x04")
    out, err = process.communicate(timeout=60)
    os.close(parent)
    assert "type one question per line, then Ctrl-D" in err
    assert CARD_ANSWER in out
