"""Fixtures shared by the whole suite: the seed corpus and an engine built over it."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.querylog import QueryLog
from corpus import Corpus, load_corpus
from retrieval.engine import AnswerEngine
from tests.querylog_helpers import FAST, PG_HOST, PG_PORT, PG_USER, Backend, TcpProxy, pg_url, settings_for
from tests.telegram_emulator import TelegramEmulator

REPOSITORY = Path(__file__).resolve().parent.parent
SEEDS = REPOSITORY / "seeds"
SEED_FILE = SEEDS / "000_f1d616dfc469d761.txt"
SEED_TITLE = "Opinion: Macron's security guarantees for Russia ignore the Budapest Memorandum"
CARD_QUESTION = "What were Putin's three demands?"
CARD_ANSWER = (
    "no more NATO enlargement, no more missile deployments near its borders, and a reduction in "
    "NATO’s military infrastructure to 1997 levels"
)


@pytest.fixture(scope="session", autouse=True)
def shared_vector_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache folder for the whole run, passed to every quotebot process a test starts (they keep
    XDG_CACHE_HOME): the seed's passages are embedded once, not by every test and subprocess."""
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def seed_corpus() -> Corpus:
    return load_corpus(SEEDS)


@pytest.fixture(scope="session")
def engine(seed_corpus: Corpus) -> AnswerEngine:
    return AnswerEngine(seed_corpus)


@pytest.fixture(autouse=True)
def no_bot_outlives_its_test() -> Iterator[None]:
    """A test that fails while its `quotebot run` subprocess still runs must not leave it running."""
    from tests.bot_process import BotProcess

    yield
    BotProcess.kill_leftovers()


@pytest.fixture
def emulator() -> Iterator[TelegramEmulator]:
    """A fresh Bot API emulator on 127.0.0.1 per test."""
    with TelegramEmulator() as running:
        yield running


async def _execute(database: str, sql: str) -> None:
    connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of our own for this test run (made from `test`'s server), so parallel runs never collide."""
    name = f"quotebot_test_{secrets.token_hex(6)}"
    asyncio.run(_execute("test", f'CREATE DATABASE "{name}"'))
    yield name
    asyncio.run(_execute("test", f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_pg(pg_database: str) -> str:
    """The run's PostgreSQL database with the log's tables dropped, so each test starts empty."""
    asyncio.run(
        _execute(
            pg_database,
            "DROP TABLE IF EXISTS query_log, query_log_schema, taught_answers, web_login_links, web_sessions, "
            "conversations, conversation_links",
        )
    )
    return pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each test runs once per database, starting empty."""
    if request.param == "sqlite":
        return Backend("sqlite", f"sqlite:///{tmp_path / 'db' / 'log.sqlite3'}")
    return Backend("postgresql", pg_url(request.getfixturevalue("empty_pg")))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def log(backend: Backend, data_dir: Path) -> AsyncIterator[QueryLog]:
    query_log = await QueryLog.start(settings_for(backend.url, data_dir), FAST)
    yield query_log
    await query_log.close()


@pytest.fixture
async def pg_proxy() -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy()
    await proxy.start()
    yield proxy
    if proxy.running:
        await proxy.stop()


@pytest.fixture
async def sqlite_log(tmp_path: Path) -> AsyncIterator[QueryLog]:
    """A query log in a SQLite file, for tests about something other than the database."""
    query_log = await QueryLog.start(settings_for(f"sqlite:///{tmp_path / 'log.sqlite3'}", tmp_path / "data"), FAST)
    yield query_log
    await query_log.close()
