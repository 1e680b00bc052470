"""`quotebot log ...` as a moderator runs it: a real process reading DATABASE_URL like the bot."""

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.querylog import QueryLog, Vote
from bot.querylog.output import EXPORT_FIELDS, display_width
from tests.cli_runner import QUOTEBOT
from tests.querylog_helpers import FAST, Backend, ago, free_port, make_record, settings_for

FORMULA = '=HYPERLINK("http://127.0.0.1/x","click")'
LONG = "Why " + "exactly " * 40 + "did the bridge fall?"
HOSTILE = "red\x1b[31m text\nsecond line \u202eevil"
WIDE = "橋はいつ建てられましたか。" * 3


def quotebot_log(*args: str, database_url: str, data_dir: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """Run `quotebot log ...` through the installed console script."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "QUOTEBOT_DATA_DIR": str(data_dir),
        "COLUMNS": str(columns),
    }
    return subprocess.run(
        [QUOTEBOT, "log", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_in_process(
    args: list[str], database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, columns: int = 80
) -> int:
    """Run `quotebot log ...` in this process, through the real command-line entry point."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("QUOTEBOT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COLUMNS", str(columns))
    return main(["log", *args])


@pytest.fixture
async def filled(backend: Backend, data_dir: Path) -> dict[str, str]:
    """A log with records a moderator might meet; returns their ids by name."""
    log = await QueryLog.start(settings_for(backend.url, data_dir), FAST)
    records = {
        "formula": make_record(1, FORMULA, answered=False, created_at=ago(days=3)),
        "long": make_record(2, LONG, created_at=ago(hours=3)),
        "hostile": make_record(3, HOSTILE, created_at=ago(hours=2)),
        "wide": make_record(4, WIDE, answered=False, created_at=ago(hours=1)),
    }
    for record in records.values():
        log.submit(record)
    log.set_feedback(records["long"].id, records["long"].reader, Vote.DOWN)
    log.review(records["hostile"].id, "flag", "-1 quote is wrong")
    await log.close()
    return {name: record.id for name, record in records.items()}


def test_export_csv_has_every_field_and_defuses_formulas(
    filled: dict[str, str], backend: Backend, data_dir: Path
) -> None:
    result = quotebot_log("export", "--format", "csv", database_url=backend.url, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == EXPORT_FIELDS
    rows = {row["id"]: row for row in reader}
    assert set(rows) == set(filled.values())
    assert rows[filled["formula"]]["question"] == "'" + FORMULA
    assert rows[filled["formula"]]["answered"] == "false" and rows[filled["formula"]]["quote"] == ""
    assert rows[filled["long"]]["question"] == LONG
    assert rows[filled["long"]]["feedback"] == "down" and rows[filled["long"]]["score"] == "7.25"
    assert rows[filled["hostile"]]["review_status"] == "flagged"
    assert rows[filled["hostile"]]["review_note"] == "'-1 quote is wrong"


def test_export_jsonl_keeps_text_exactly(filled: dict[str, str], backend: Backend, data_dir: Path) -> None:
    result = quotebot_log("export", "--format", "jsonl", database_url=backend.url, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == [
        filled["wide"],
        filled["hostile"],
        filled["long"],
        filled["formula"],
    ]
    by_id = {row["id"]: row for row in rows}
    assert by_id[filled["formula"]]["question"] == FORMULA and by_id[filled["formula"]]["answered"] is False
    assert by_id[filled["hostile"]]["question"] == HOSTILE
    assert by_id[filled["hostile"]]["review_note"] == "-1 quote is wrong"
    assert set(rows[0]) == set(EXPORT_FIELDS) and rows[0]["channel"] == "private" and len(rows[0]["reader"]) == 32


def test_table_fits_the_terminal_and_cannot_drive_it(filled: dict[str, str], backend: Backend, data_dir: Path) -> None:
    result = quotebot_log("export", "--format", "table", database_url=backend.url, data_dir=data_dir, columns=80)
    assert result.returncode == 0, result.stderr
    _assert_safe_table(result.stdout, columns=80, rows=4)


def test_table_uses_a_wide_terminal(
    filled: dict[str, str],
    backend: Backend,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_in_process(["recent"], backend.url, data_dir, monkeypatch, columns=200) == 0
    table = capsys.readouterr().out
    _assert_safe_table(table, columns=200, rows=4)
    assert "The city was founded in 1703." in table


def _assert_safe_table(table: str, columns: int, rows: int) -> None:
    lines = table.splitlines()
    assert len(lines) == 1 + rows
    assert lines[0].split()[:4] == ["id", "time", "ans", "score"]
    assert all(display_width(line) <= columns for line in lines)
    assert "\x1b" not in table and "\u202e" not in table
    assert "Why exactly exactly" in table and "…" in table
    assert "橋はいつ" in table


def test_lists_filter_by_kind_since_and_limit(
    filled: dict[str, str],
    backend: Backend,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def ids(*args: str) -> list[str]:
        assert run_in_process([*args, "--format", "jsonl"], backend.url, data_dir, monkeypatch) == 0
        return [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]

    assert ids("recent", "--since", "1d") == [filled["wide"], filled["hostile"], filled["long"]]
    assert ids("recent", "--limit", "1") == [filled["wide"]]
    assert ids("unanswered") == [filled["wide"], filled["formula"]]
    assert ids("flagged") == [filled["hostile"], filled["long"]]
    assert ids("export", "--since", ago(days=2).date().isoformat()) == [
        filled["wide"],
        filled["hostile"],
        filled["long"],
    ]


def test_stats_as_table_and_json(
    filled: dict[str, str],
    backend: Backend,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_in_process(["stats", "--format", "jsonl"], backend.url, data_dir, monkeypatch) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["last_7_days"] == {"questions": 4, "answered": 2, "answered_share": 0.5}
    assert {entry["question"]: entry["count"] for entry in stats["top_questions"]} == {
        "why " + "exactly " * 40 + "did the bridge fall": 1,
        FORMULA.casefold()[:-2]: 1,
        "red\x1b[31m text second line \u202eevil": 1,
        WIDE[:-1]: 1,
    }
    assert run_in_process(["stats"], backend.url, data_dir, monkeypatch, columns=60) == 0
    table = capsys.readouterr().out
    assert "last 7 days" in table and "50.0%" in table
    assert all(display_width(line) <= 60 for line in table.splitlines())
    assert "\x1b" not in table


@pytest.mark.parametrize(
    ("database_url", "message"),
    [
        ("postgresql://bob:s3cret@127.0.0.1:notaport/db", "the port is not a number"),
        ("mysql://bob:s3cret@127.0.0.1/db", "supports postgresql://"),
        ("sqlite://", "names no file"),
    ],
)
def test_unusable_database_urls_are_explained_without_the_password(
    database_url: str,
    message: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_in_process(["recent"], database_url, data_dir, monkeypatch) == 2
    output = capsys.readouterr()
    assert message in output.err and "DATABASE_URL" in output.err
    assert "s3cret" not in output.err + output.out


def test_an_unreachable_database_is_explained_without_traceback_or_password(data_dir: Path) -> None:
    result = quotebot_log(
        "recent", database_url=f"postgresql://bob:s3cret@127.0.0.1:{free_port()}/db", data_dir=data_dir
    )
    assert result.returncode == 1
    assert "cannot read the query log at postgresql+asyncpg://***@127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr + result.stdout


def test_a_bad_since_is_a_usage_error(data_dir: Path, tmp_path: Path) -> None:
    result = quotebot_log(
        "recent", "--since", "yesterday", database_url=f"sqlite:///{tmp_path}/db.sqlite3", data_dir=data_dir
    )
    assert result.returncode == 2
    assert "neither an ISO date" in result.stderr and "Traceback" not in result.stderr


async def test_piping_into_head_ends_quietly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    log = await QueryLog.start(settings_for(url, tmp_path / "data"), FAST)
    for n in range(600):
        log.submit(make_record(n, f"question {n} " + "padding " * 20))
    await log.close()

    env = {**os.environ, "DATABASE_URL": url, "QUOTEBOT_DATA_DIR": str(tmp_path / "data")}
    pipeline = subprocess.run(
        f"{QUOTEBOT} log export --format jsonl | head -n 1",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert pipeline.returncode == 0
    assert json.loads(pipeline.stdout)["question"].startswith("question ")
    assert pipeline.stderr == f"quotebot log: reading {tmp_path / 'db.sqlite3'}\n"


def test_table_rows_start_with_the_record_id(filled: dict[str, str], backend: Backend, data_dir: Path) -> None:
    result = quotebot_log("recent", database_url=backend.url, data_dir=data_dir, columns=80)
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == [
        filled["wide"],
        filled["hostile"],
        filled["long"],
        filled["formula"],
    ]


def test_review_from_the_command_line_clears_a_thumbs_down(
    filled: dict[str, str], backend: Backend, data_dir: Path
) -> None:
    reviewed = quotebot_log(
        "review", filled["long"], "ok", "--note", "quote is right", database_url=backend.url, data_dir=data_dir
    )
    assert reviewed.returncode == 0, reviewed.stderr
    assert reviewed.stdout == f"marked {filled['long']} as ok\n"
    flagged = quotebot_log("flagged", "--format", "jsonl", database_url=backend.url, data_dir=data_dir)
    assert [json.loads(line)["id"] for line in flagged.stdout.splitlines()] == [filled["hostile"]]
    exported = quotebot_log("export", database_url=backend.url, data_dir=data_dir)
    row = next(json.loads(line) for line in exported.stdout.splitlines() if filled["long"] in line)
    assert row["review_status"] == "ok" and row["review_note"] == "quote is right"


@pytest.mark.parametrize("record_id", ["nosuchid", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
def test_review_of_a_record_that_does_not_exist_is_an_error(
    record_id: str, filled: dict[str, str], backend: Backend, data_dir: Path
) -> None:
    result = quotebot_log("review", record_id, "flag", database_url=backend.url, data_dir=data_dir)
    assert result.returncode == 1
    assert f"no such record: {record_id}" in result.stderr and "Traceback" not in result.stderr


def test_stats_as_csv(filled: dict[str, str], backend: Backend, data_dir: Path) -> None:
    result = quotebot_log("stats", "--format", "csv", database_url=backend.url, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["section", "label", "value"]
    assert ["last_7_days", "questions", "4"] in rows and ["last_7_days", "answered_share", "0.5"] in rows
    assert ["top_question", "'" + FORMULA.casefold()[:-2], "1"] in rows


def test_a_missing_log_is_an_error_that_names_the_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [QUOTEBOT, "log", "stats"],
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "QUOTEBOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"no query log at {tmp_path / 'querylog.sqlite3'}" in result.stderr
    assert not (tmp_path / "querylog.sqlite3").exists()


def test_log_commands_default_to_the_users_data_folder(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "QUOTEBOT_DATA_DIR")}
    result = subprocess.run(
        [QUOTEBOT, "log", "recent"],
        env={**environment, "XDG_DATA_HOME": str(tmp_path / "xdg")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"no query log at {tmp_path / 'xdg' / 'quotebot' / 'querylog.sqlite3'}" in result.stderr
