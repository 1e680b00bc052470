"""Turn the DATABASE_URL a person writes into the async SQLAlchemy URL the log connects with.

People write `postgresql://user@host:5432/db` or `postgres://...` (as hosting providers hand it
out); the log needs an async driver, so the scheme is rewritten to asyncpg or aiosqlite. Every
message that shows a URL goes through `redact`, which hides the whole user-info part (user name and
password, whatever characters they hold), so a password never reaches a terminal or a log.
"""

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_FILE_NAME = "querylog.sqlite3"

_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}
# Up to the last '@' of the URL: a password may hold unencoded '@', '/' or '#', so nothing else marks its end.
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)\S*@")
_QUERY_PASSWORD = re.compile(r"(password=)[^&]*", re.IGNORECASE)


class InvalidDatabaseURL(ValueError):
    """DATABASE_URL cannot be used; the message is safe to show (password redacted)."""


def redact(text: str) -> str:
    """Hide the user info and any password= parameter of every URL in `text`, even one that does not parse."""
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO.sub(r"\1***@", text))


def default_sqlite_url(data_dir: Path) -> URL:
    """Return the URL of the SQLite file used when no DATABASE_URL is configured."""
    return URL.create("sqlite+aiosqlite", database=str(data_dir / SQLITE_FILE_NAME))


def to_async_url(raw: str, password: str | None = None) -> URL:
    """Parse a DATABASE_URL and return it with the async driver the log uses; `password`, taken verbatim
    (DATABASE_PASSWORD), replaces any password in the URL, so it never needs percent-encoding."""
    shown = redact(raw)
    if raw.partition("://")[2].count("@") > 1:
        raise InvalidDatabaseURL(
            f"DATABASE_URL {shown!r} holds more than one '@'; percent-encode the password ('@' is %40) "
            "or give it verbatim in DATABASE_PASSWORD"
        )
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError) as error:
        reason = "the port is not a number" if isinstance(error, ValueError) else "it is not a URL"
        raise InvalidDatabaseURL(
            f"DATABASE_URL {shown!r} cannot be parsed: {reason}; "
            "expected postgresql://user:password@host:5432/database or sqlite:///path/to/file"
        ) from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise InvalidDatabaseURL(
            f"DATABASE_URL {shown!r} uses {url.drivername!r}; "
            "the query log supports postgresql:// (asyncpg) and sqlite:/// (aiosqlite)"
        )
    if driver.startswith("sqlite") and url.database in (None, "", ":memory:"):
        raise InvalidDatabaseURL(
            f"DATABASE_URL {shown!r} names no file; an in-memory log would lose every record, "
            "use sqlite:///path/to/file"
        )
    if driver.startswith("postgresql") and not url.host:
        raise InvalidDatabaseURL(f"DATABASE_URL {shown!r} names no host")
    if url.host and "@" in url.host:
        raise InvalidDatabaseURL(
            f"DATABASE_URL {shown!r} has an '@' in its host; "
            "percent-encode special characters of the password ('@' is %40)"
        )
    url = url.set(drivername=driver)
    return url.set(password=password) if password else url


def describe(url: URL) -> str:
    """Render a URL for messages, password hidden."""
    return redact(url.render_as_string(hide_password=True))


def describe_error(error: BaseException) -> str:
    """Summarise a connection or database error in one line, without SQL, parameters or password."""
    cause: BaseException = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return redact(lines[0] if lines else type(cause).__name__)
