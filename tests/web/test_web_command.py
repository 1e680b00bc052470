"""`quotebot web` as operators start it: unusable settings and an unreachable database are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.settings import Settings, SettingsError
from tests.cli_runner import run_quotebot
from tests.querylog_helpers import free_port


def test_the_web_settings_and_their_defaults() -> None:
    defaults = Settings.from_env({})
    assert (defaults.web_host, defaults.web_port, defaults.web_url, defaults.web_session_hours) == (
        "127.0.0.1",
        8090,
        "http://127.0.0.1:8090",
        12,
    )
    chosen = Settings.from_env({"QUOTEBOT_WEB_PORT": "9000", "QUOTEBOT_WEB_URL": "https://inbox.example.org/"})
    assert (chosen.web_port, chosen.web_url) == (9000, "https://inbox.example.org")
    assert Settings.from_env({"QUOTEBOT_WEB_PORT": "9000"}).web_url == "http://127.0.0.1:9000"


def test_an_unusable_web_url_stops_the_inbox_with_a_usage_error(tmp_path: Path) -> None:
    for url in ("inbox.example.org", "https://example.org/inbox", "ftp://example.org"):
        run = run_quotebot("web", env={"QUOTEBOT_WEB_URL": url, "QUOTEBOT_DATA_DIR": str(tmp_path)})
        assert run.returncode == 2, url
        assert (
            run.stderr.startswith("quotebot: error: QUOTEBOT_WEB_URL must be an http(s) origin")
            and run.stderr[-1] == "\n"
        )
    with pytest.raises(SettingsError, match="QUOTEBOT_WEB_SESSION_HOURS"):
        Settings.from_env({"QUOTEBOT_WEB_SESSION_HOURS": "0"})


def test_an_unreachable_database_is_a_one_line_failure_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://quotebot:hunter2secret@127.0.0.1:{free_port()}/quotebot"
    run = run_quotebot("web", env={"DATABASE_URL": url, "QUOTEBOT_DATA_DIR": str(tmp_path)})
    assert run.returncode == 1
    assert (
        run.stderr.startswith("quotebot: error: cannot open the query log at postgresql")
        and run.stderr.count("\n") == 1
    )
    assert "hunter2secret" not in run.stderr and "Traceback" not in run.stderr
