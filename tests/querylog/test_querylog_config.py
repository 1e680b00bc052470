"""Configuration, pseudonyms, ids and parsing that the bot and the CLI rely on (no database needed)."""

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.querylog import (
    Channel,
    InvalidDatabaseURL,
    InvalidSetting,
    QueryRecord,
    new_record_id,
    settings_from_env,
)
from bot.querylog.database_url import describe, redact, to_async_url
from bot.querylog.output import display_width, fit
from bot.querylog.pseudonym import (
    SECRET_FILE_NAME,
    ReaderPseudonyms,
    load_or_create_secret,
)
from bot.querylog.since import parse_since
from tests.querylog_helpers import PSEUDONYMS, make_record


@pytest.mark.parametrize(
    ("written", "used"),
    [
        (
            "postgresql://quote:pw@db.internal:5433/quotes",
            "postgresql+asyncpg://quote:pw@db.internal:5433/quotes",
        ),
        ("postgres://quote@127.0.0.1/quotes", "postgresql+asyncpg://quote@127.0.0.1/quotes"),
        ("postgresql+asyncpg://quote@127.0.0.1/quotes", "postgresql+asyncpg://quote@127.0.0.1/quotes"),
        ("sqlite:///relative/log.sqlite3", "sqlite+aiosqlite:///relative/log.sqlite3"),
        ("sqlite:////var/lib/quotebot/log.sqlite3", "sqlite+aiosqlite:////var/lib/quotebot/log.sqlite3"),
        ("sqlite+aiosqlite:///log.sqlite3", "sqlite+aiosqlite:///log.sqlite3"),
    ],
)
def test_database_urls_get_the_async_driver(written: str, used: str) -> None:
    assert to_async_url(written).render_as_string(hide_password=False) == used


@pytest.mark.parametrize(
    "written",
    [
        "not a url",
        "postgresql://quote:s3cret@host:port/quotes",
        "mysql://quote:s3cret@host/quotes",
        "postgresql+psycopg2://quote:s3cret@host/quotes",
        "postgresql://quote:s3cr@t@host/quotes",
        "postgresql://quote:s3cret@/quotes",
        "sqlite:///:memory:",
    ],
)
def test_unusable_database_urls_are_refused_without_showing_the_password(written: str) -> None:
    with pytest.raises(InvalidDatabaseURL) as refused:
        to_async_url(written)
    assert "s3cr" not in str(refused.value)
    assert "DATABASE_URL" in str(refused.value)


@pytest.mark.parametrize("password", ["p@ss:w0rd", "p@ss/w#rd", "p/ss#w@rd?x=1", "a@b@c", "plain"])
def test_redact_hides_the_whole_user_info_whatever_the_password_holds(password: str) -> None:
    written = f"postgresql://quotebot:{password}@db.internal:5432/quotes"
    assert redact(written) == "postgresql://***@db.internal:5432/quotes"
    assert redact(f"could not connect to {written}: refused") == (
        "could not connect to postgresql://***@db.internal:5432/quotes: refused"
    )


def test_redact_hides_password_parameters_and_leaves_urls_without_user_info() -> None:
    assert (
        redact("postgresql://host/db?user=u&password=hunter2&ssl=on")
        == "postgresql://host/db?user=u&password=***&ssl=on"
    )
    assert redact("postgresql://host/db") == "postgresql://host/db"


def test_database_password_is_taken_verbatim_and_never_shown() -> None:
    password = "p@ss/w#rd%20"
    settings = settings_from_env(
        {"DATABASE_URL": "postgresql://quotebot@postgres:5432/quotebot", "DATABASE_PASSWORD": password}
    )
    assert settings.database_url.password == password
    assert settings.database_url.host == "postgres" and settings.database_url.database == "quotebot"
    assert describe(settings.database_url) == "postgresql+asyncpg://***@postgres:5432/quotebot"


def test_settings_default_to_sqlite_in_the_users_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = settings_from_env({})
    assert settings.data_dir == tmp_path / "quotebot"
    assert settings.database_url.database == str(tmp_path / "quotebot" / "querylog.sqlite3")
    assert settings.retention_days == 90 and settings.secret is None


def test_settings_read_the_environment() -> None:
    settings = settings_from_env(
        {
            "QUOTEBOT_DATA_DIR": "/srv/quotebot",
            "DATABASE_URL": "postgres://bot:pw@127.0.0.1/quotes",
            "QUOTEBOT_LOG_RETENTION_DAYS": "30",
            "QUOTEBOT_LOG_SECRET": "shh",
        }
    )
    assert settings.data_dir == Path("/srv/quotebot")
    assert settings.database_url.drivername == "postgresql+asyncpg"
    assert settings.retention_days == 30 and settings.secret == "shh"
    assert "pw" not in repr(settings) and "shh" not in repr(settings)


@pytest.mark.parametrize("days", ["0", "-3", "ninety", "1.5"])
def test_a_bad_retention_is_refused(days: str) -> None:
    with pytest.raises(InvalidSetting, match="QUOTEBOT_LOG_RETENTION_DAYS"):
        settings_from_env({"QUOTEBOT_LOG_RETENTION_DAYS": days})


def test_the_secret_is_generated_once_private_and_stable(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    first = load_or_create_secret(data_dir, None)
    assert load_or_create_secret(data_dir, None) == first
    assert stat.S_IMODE((data_dir / SECRET_FILE_NAME).stat().st_mode) == 0o600
    assert len(first) == 64
    assert load_or_create_secret(data_dir, "from-the-environment") == b"from-the-environment"
    assert [path.name for path in data_dir.iterdir()] == [SECRET_FILE_NAME]


def test_pseudonyms_are_stable_per_secret_and_hide_the_user_id() -> None:
    pseudonym = PSEUDONYMS.of(123456789)
    assert pseudonym == PSEUDONYMS.of(123456789) != PSEUDONYMS.of(123456790)
    assert pseudonym != ReaderPseudonyms(b"another secret").of(123456789)
    assert len(pseudonym) == 32 and "123456789" not in pseudonym
    assert "test-secret" not in repr(PSEUDONYMS)


def test_a_record_refuses_a_raw_telegram_id_as_reader() -> None:
    with pytest.raises(ValueError, match="pseudonym"):
        QueryRecord(channel=Channel.PRIVATE, reader="123456789", chat_type="private", question="q", answered=False)


def test_a_record_refuses_values_the_database_would_refuse() -> None:
    with pytest.raises(ValueError, match="chat_type"):
        QueryRecord(Channel.GROUP, PSEUDONYMS.of(1), "x" * 17, "q", answered=False)
    with pytest.raises(ValueError, match="latency_ms"):
        QueryRecord(Channel.GROUP, PSEUDONYMS.of(1), "group", "q", answered=False, latency_ms=-1)


def test_record_ids_sort_by_time_and_are_unique() -> None:
    ids = [new_record_id(now_ms=1_700_000_000_000 + n) for n in range(1000)]
    assert ids == sorted(ids)
    assert len({new_record_id() for _ in range(10_000)}) == 10_000
    assert make_record().id > new_record_id(now_ms=1_700_000_000_000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime(2025, 3, 3, 12, 0, tzinfo=UTC)),
        ("12h", datetime(2025, 3, 10, 0, 0, tzinfo=UTC)),
        ("30m", datetime(2025, 3, 10, 11, 30, tzinfo=UTC)),
        ("2w", datetime(2025, 2, 24, 12, 0, tzinfo=UTC)),
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T08:15", datetime(2025, 3, 1, 8, 15, tzinfo=UTC)),
        ("2025-03-01T08:15+02:00", datetime(2025, 3, 1, 6, 15, tzinfo=UTC)),
    ],
)
def test_since_accepts_dates_times_and_durations(text: str, expected: datetime) -> None:
    assert parse_since(text, now=datetime(2025, 3, 10, 12, 0, tzinfo=UTC)) == expected


def test_fit_cuts_by_terminal_columns() -> None:
    assert fit("short", 8) == "short   "
    assert fit("a longer question", 8) == "a longe…"
    assert display_width(fit("橋はいつ建てられましたか", 9)) == 9
    assert fit("line\nbreak\x1b[2J", 20).startswith("line break [2J")
