"""No record is lost: database outages, a start without a database, SIGKILL, a refusing disk."""

import asyncio
import json
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.querylog import QueryLog, Vote
from bot.querylog.ops import Insert, SetFeedback, encode
from tests.conftest import REPOSITORY
from tests.querylog_helpers import (
    FAST,
    PSEUDONYMS,
    Backend,
    TcpProxy,
    free_port,
    make_record,
    pg_url,
    settings_for,
)


async def _eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for something the writer does in the background."""
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _stored_ids(url: str, data_dir: Path) -> list[str]:
    reader = await QueryLog.start(settings_for(url, data_dir), FAST)
    try:
        return [record.id async for record in reader.export()]
    finally:
        await reader.close()


async def test_records_wait_out_a_database_outage(
    empty_pg: str, pg_proxy: TcpProxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    direct_url = pg_url(empty_pg)
    log = await QueryLog.start(settings_for(pg_url(empty_pg, pg_proxy.port), tmp_path / "bot"), FAST)
    before = make_record(1, "asked before the outage")
    log.submit(before)
    await log.flush()

    await pg_proxy.stop()
    during = [log.submit(make_record(n, f"asked during the outage {n}")) for n in range(100)]
    votes = log.set_feedback(before.id, PSEUDONYMS.of(1), Vote.DOWN)
    review = log.review(during[0], "flag", "checked while the database was down")
    await _eventually(lambda: "database unavailable" in caplog.text, "the writer to notice the outage")
    assert await _stored_ids(direct_url, tmp_path / "reader") == [before.id]

    await pg_proxy.start()
    await asyncio.wait_for(log.flush(), 30)
    assert await votes is True and await review is True
    assert sorted(await _stored_ids(direct_url, tmp_path / "reader")) == sorted([before.id, *during])
    [flagged_before, flagged_during] = sorted(await log.flagged(), key=lambda record: record.question)
    assert flagged_before.feedback is Vote.DOWN and flagged_during.review_note == "checked while the database was down"
    await log.close()


async def test_a_bot_started_without_its_database_keeps_records_for_the_next_start(
    empty_pg: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    unreachable = pg_url(empty_pg, free_port())
    offline = await QueryLog.start(settings_for(unreachable, data_dir), FAST)
    ids = [offline.submit(make_record(n, f"offline question {n}")) for n in range(20)]
    await offline.close(timeout=0.3)
    assert any(data_dir.glob("querylog-journal/*/*.jsonl"))

    online = await QueryLog.start(settings_for(pg_url(empty_pg), data_dir), FAST)
    await asyncio.wait_for(online.flush(), 30)
    assert sorted(record.id for record in await online.recent(limit=100)) == sorted(ids)
    await online.close()
    assert list(data_dir.glob("querylog-journal/*")) == []


def _submit_then_kill(url: str, data_dir: Path, count: int) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.querylog.crash_child", url, str(data_dir), str(count)],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    return json.loads(line)


async def test_records_survive_sigkill_right_after_submit(backend: Backend, data_dir: Path) -> None:
    ids = _submit_then_kill(backend.url, data_dir, 400)
    assert len(ids) == 400

    log = await QueryLog.start(settings_for(backend.url, data_dir), FAST)
    await asyncio.wait_for(log.flush(), 30)
    stored = [record.id async for record in log.export()]
    await log.close()
    assert sorted(stored) == sorted(ids)


async def test_records_survive_sigkill_during_an_outage(empty_pg: str, data_dir: Path) -> None:
    ids = _submit_then_kill(pg_url(empty_pg, free_port()), data_dir, 100)

    log = await QueryLog.start(settings_for(pg_url(empty_pg), data_dir), FAST)
    await asyncio.wait_for(log.flush(), 30)
    stored = [record.id async for record in log.export()]
    await log.close()
    assert sorted(stored) == sorted(ids)


async def test_a_living_process_keeps_its_journal_and_a_dead_ones_is_adopted(empty_pg: str, data_dir: Path) -> None:
    unreachable = pg_url(empty_pg, free_port())
    first = await QueryLog.start(settings_for(unreachable, data_dir), FAST)
    ids = [first.submit(make_record(n, f"first worker {n}")) for n in range(10)]

    second = await QueryLog.start(settings_for(pg_url(empty_pg), data_dir), FAST)
    await second.flush()
    assert await second.recent() == []

    await first.close(timeout=0.2)
    third = await QueryLog.start(settings_for(pg_url(empty_pg), data_dir), FAST)
    await asyncio.wait_for(third.flush(), 30)
    assert sorted(record.id for record in await third.recent()) == sorted(ids)
    await third.close()
    await second.close()


async def test_records_the_disk_refuses_wait_in_memory(
    log: QueryLog, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = [log.submit(make_record(n, f"journaled {n}")) for n in range(50)]
    [active] = data_dir.glob("querylog-journal/*/active.jsonl")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (active.stat().st_size, hard))
    try:
        ids += [log.submit(make_record(n, f"refused by the disk {n}")) for n in range(20)]
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    ids += [log.submit(make_record(n, f"journaled again {n}")) for n in range(5)]
    assert "keeping the op in memory" in caplog.text

    await log.flush()
    assert sorted(record.id for record in await log.recent(limit=100)) == sorted(ids)


async def test_replaying_a_partly_committed_journal_neither_duplicates_nor_chokes(
    backend: Backend, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    committed = [make_record(n, f"committed before the crash {n}") for n in range(5)]
    log = await QueryLog.start(settings_for(backend.url, data_dir), FAST)
    for record in committed:
        log.submit(record)
    await log.flush()
    await log.close()

    uncommitted = make_record(9, "never reached the database")
    dead_process = data_dir / "querylog-journal" / "01J00000000000000000000000"
    dead_process.mkdir(parents=True)
    (dead_process / "lock").touch()
    journal = [encode(Insert(record)) for record in (*committed, uncommitted)]
    journal.append(encode(SetFeedback("01J00000000000000000000001", uncommitted.id, uncommitted.reader, Vote.UP)))
    (dead_process / "active.jsonl").write_bytes(b"".join(journal) + encode(Insert(make_record()))[:40])

    log = await QueryLog.start(settings_for(backend.url, data_dir), FAST)
    await asyncio.wait_for(log.flush(), 30)
    stored = {record.id: record for record in await log.recent(limit=100)}
    await log.close()
    assert sorted(stored) == sorted(record.id for record in (*committed, uncommitted))
    assert stored[uncommitted.id].feedback is Vote.UP
    assert "skipping an unreadable line" in caplog.text
    assert list(data_dir.glob("querylog-journal/*")) == []
