"""The schema is created and upgraded at start, keeping the data of earlier versions."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.querylog import QueryLog, ReviewStatus, Vote
from bot.querylog import taught as taught_store
from bot.querylog.database_url import to_async_url
from bot.querylog.engine import create_log_engine
from bot.querylog.migrations import SchemaTooNew, migrate
from bot.querylog.schema import SCHEMA_VERSION, query_log
from tests.querylog_helpers import FAST, PSEUDONYMS, Backend, settings_for

V1_ROWS = [
    {
        "id": "01JB0000000000000000000001",
        "created_at": datetime(2025, 1, 5, 9, 30),
        "channel": "private",
        "reader": PSEUDONYMS.of(7),
        "chat_type": "private",
        "question": "Who built the bridge?",
        "answered": True,
        "passage_id": "000_f1d616dfc469d761#1",
        "score": 5.5,
        "quote": "The bridge was built in 1850.",
        "feedback": "down",
        "review_status": "new",
    },
    {
        "id": "01JB0000000000000000000002",
        "created_at": datetime(2025, 1, 6, 10, 0),
        "channel": "inline",
        "reader": PSEUDONYMS.of(8),
        "chat_type": "sender",
        "question": "bridge colour",
        "answered": False,
        "passage_id": None,
        "score": None,
        "quote": None,
        "feedback": None,
        "review_status": "ok",
    },
]


async def _columns(backend: Backend) -> dict[str, set[str]]:
    engine = create_log_engine(to_async_url(backend.url))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: {
                    "columns": {column["name"] for column in inspect(sync).get_columns("query_log")},
                    "indexes": {index["name"] for index in inspect(sync).get_indexes("query_log")},
                }
            )
    finally:
        await engine.dispose()


async def test_a_version_1_log_is_upgraded_with_its_data(backend: Backend, data_dir: Path) -> None:
    engine = create_log_engine(to_async_url(backend.url))
    assert await migrate(engine, target=1) == 0
    async with engine.begin() as connection:
        columns = ", ".join(V1_ROWS[0])
        values = ", ".join(f":{name}" for name in V1_ROWS[0])
        await connection.execute(text(f"INSERT INTO query_log ({columns}) VALUES ({values})"), V1_ROWS)
    await engine.dispose()
    assert "latency_ms" not in (await _columns(backend))["columns"]

    log = await QueryLog.start(settings_for(backend.url, data_dir, retention_days=100_000), FAST)
    try:
        old_disliked, old_inline = sorted(await log.recent(), key=lambda record: record.id)
        assert old_disliked.question == "Who built the bridge?"
        assert old_disliked.created_at == datetime(2025, 1, 5, 9, 30, tzinfo=UTC)
        assert old_disliked.feedback is Vote.DOWN and old_disliked.score == 5.5
        assert old_disliked.latency_ms is None and old_disliked.review_note is None
        assert old_inline.review_status is ReviewStatus.OK and old_inline.quote is None
        assert await log.review(old_disliked.id, "flag", "wrong bridge") is True
        [flagged] = await log.flagged()
        assert (flagged.id, flagged.review_note) == (old_disliked.id, "wrong bridge")
    finally:
        await log.close()

    found = await _columns(backend)
    assert found["columns"] == {column.name for column in query_log.columns}
    assert found["indexes"] == {index.name for index in query_log.indexes}


async def test_concurrent_starts_migrate_once(backend: Backend) -> None:
    engines = [create_log_engine(to_async_url(backend.url)) for _ in range(4)]
    try:
        found = await asyncio.gather(*(migrate(engine) for engine in engines))
        assert sorted(found) == [0, SCHEMA_VERSION, SCHEMA_VERSION, SCHEMA_VERSION]
        async with engines[0].connect() as connection:
            versions = (await connection.execute(text("SELECT version FROM query_log_schema"))).scalars().all()
        assert versions == [SCHEMA_VERSION]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_schema_newer_than_the_code_stops_the_start(backend: Backend, data_dir: Path) -> None:
    engine = create_log_engine(to_async_url(backend.url))
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE query_log_schema SET version = :version"), {"version": SCHEMA_VERSION + 1}
        )
    await engine.dispose()

    with pytest.raises(SchemaTooNew, match="upgrade quotebot"):
        await QueryLog.start(settings_for(backend.url, data_dir), FAST)


async def test_a_version_2_log_gains_candidates_reviewers_and_the_teaching_tables(
    backend: Backend, data_dir: Path
) -> None:
    engine = create_log_engine(to_async_url(backend.url))
    assert await migrate(engine, target=2) == 0
    row = {**V1_ROWS[0], "latency_ms": 12, "review_note": None}
    async with engine.begin() as connection:
        columns = ", ".join(row)
        await connection.execute(
            text(f"INSERT INTO query_log ({columns}) VALUES ({', '.join(f':{name}' for name in row)})"), row
        )
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    assert "taught_answers" not in tables

    log = await QueryLog.start(settings_for(backend.url, data_dir, retention_days=100_000), FAST)
    try:
        [old] = await log.recent()
        assert (old.latency_ms, old.coverage, old.candidates, old.reviewed_by) == (12, None, (), None)
        lesson = await taught_store.teach(log.engine, old.question, old.passage_id, old.quote, PSEUDONYMS.of(1), old.id)
        assert [t.id for t in await taught_store.listing(log.engine)] == [lesson.id]
        async with log.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert {"taught_answers", "web_login_links", "web_sessions"} <= tables
    finally:
        await log.close()
