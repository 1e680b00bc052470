"""Taught answers and the v3 record fields in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.querylog import QueryLog
from bot.querylog import taught as taught_store
from bot.querylog.journal import read_ops
from bot.querylog.ops import Insert, Review, decode, encode
from bot.querylog.record import Candidate, ReviewStatus
from bot.querylog.taught_sync import TaughtSync
from corpus import Corpus
from retrieval.engine import AnswerEngine
from retrieval.taught import Lesson
from tests.querylog_helpers import FAST, PSEUDONYMS, make_record, pg_url, settings_for

MODERATOR = PSEUDONYMS.of(1001)
TRAVEL = "Where was Macron travelling?"
STATE_VISIT = "000_f1d616dfc469d761#p2"


async def test_candidates_and_coverage_are_stored_with_the_record(log: QueryLog) -> None:
    candidates = (Candidate("doc#p1", 7.5, 0.8), Candidate("doc#p2", 3.25, 0.125))
    record = make_record(question="with candidates")
    log.submit(replace(record, coverage=0.8, candidates=candidates))
    log.submit(make_record(question="logged before candidates were kept"))
    await log.flush()
    new, old = sorted(await log.recent(), key=lambda r: r.question, reverse=True)
    assert (new.coverage, new.candidates) == (0.8, candidates)
    assert (old.coverage, old.candidates) == (None, ())


def test_a_journal_line_keeps_candidates_and_the_reviewer() -> None:
    record = replace(make_record(), coverage=0.5, candidates=(Candidate("doc#p3", 1.0, 0.5),))
    assert decode(encode(Insert(record))) == Insert(record)
    review = Review("01JB0000000000000000000009", record.id, ReviewStatus.OK, "fine", MODERATOR, record.created_at)
    assert decode(encode(review)) == review


def test_a_journal_line_from_before_schema_3_still_reads(tmp_path: Path) -> None:
    old_line = (
        b'{"op":"review","key":"01JB0000000000000000000009","record_id":"01JB0000000000000000000001",'
        b'"status":"flagged","note":"wrong"}\n'
    )
    (tmp_path / "1.jsonl").write_bytes(old_line)
    [review], _, _ = read_ops(tmp_path / "1.jsonl", 0, 10)
    assert isinstance(review, Review) and review.moderator is None and review.at is None


async def test_a_review_records_the_moderator(log: QueryLog) -> None:
    record_id = log.submit(make_record())
    assert await log.review(record_id, "flag", "wrong passage", moderator=MODERATOR) is True
    [row] = await log.recent()
    assert (row.review_status, row.reviewed_by) == (ReviewStatus.FLAGGED, MODERATOR)
    assert row.reviewed_at is not None and row.reviewed_at >= row.created_at


async def test_teach_list_and_undo(log: QueryLog) -> None:
    record_id = log.submit(make_record(question=TRAVEL, answered=False))
    await log.flush()
    before = await taught_store.revision(log.engine)
    first = await taught_store.teach(log.engine, TRAVEL, STATE_VISIT, "Amid his state visit…", MODERATOR, record_id)
    refusal = await taught_store.teach(log.engine, "Who won the war?", None, None, MODERATOR)
    after_teaching = await taught_store.revision(log.engine)
    assert after_teaching != before

    assert [t.question for t in await taught_store.listing(log.engine)] == ["Who won the war?", TRAVEL]
    assert [t.id for t in await taught_store.for_record(log.engine, record_id)] == [first.id]
    revision, lessons = await taught_store.active_lessons(log.engine)
    assert revision == after_teaching
    assert lessons == [Lesson(TRAVEL, STATE_VISIT, "Amid his state visit…"), Lesson("Who won the war?", None)]

    assert await taught_store.undo(log.engine, refusal.id, MODERATOR) is True
    assert await taught_store.undo(log.engine, refusal.id, MODERATOR) is False
    assert await taught_store.revision(log.engine) not in (before, after_teaching)
    [active] = await taught_store.listing(log.engine)
    assert active.id == first.id
    removed = [t for t in await taught_store.listing(log.engine, include_removed=True) if t.id == refusal.id]
    assert removed[0].removed_by == MODERATOR and removed[0].removed_at is not None


async def test_a_lesson_needs_a_question_and_a_pseudonym(log: QueryLog) -> None:
    with pytest.raises(ValueError, match="question"):
        await taught_store.teach(log.engine, "  ", None, None, MODERATOR)
    with pytest.raises(ValueError, match="pseudonym"):
        await taught_store.teach(log.engine, TRAVEL, None, None, "1001")


async def test_the_sync_teaches_the_engine_and_follows_undo_and_engine_swaps(
    log: QueryLog, seed_corpus: Corpus
) -> None:
    engines = [AnswerEngine(seed_corpus)]
    sync = TaughtSync(log.engine, lambda: engines[-1], interval=0.01)
    await sync.refresh()
    assert len(engines[0].taught) == 0

    lesson = await taught_store.teach(log.engine, TRAVEL, STATE_VISIT, None, MODERATOR)
    await sync.refresh()
    assert engines[0].answer(TRAVEL).results[0].passage.passage_id == STATE_VISIT

    engines.append(AnswerEngine(seed_corpus))
    await sync.refresh()
    assert len(engines[1].taught) == 1

    await taught_store.undo(log.engine, lesson.id, MODERATOR)
    await sync.refresh()
    assert len(engines[1].taught) == 0 and sync.lessons == 0


async def test_on_postgresql_a_lesson_reaches_a_listening_worker_without_waiting_for_the_poll(
    empty_pg: str, data_dir: Path, seed_corpus: Corpus
) -> None:
    log = await QueryLog.start(settings_for(pg_url(empty_pg), data_dir), FAST)
    engine = AnswerEngine(seed_corpus)
    sync = TaughtSync(log.engine, lambda: engine, interval=60)
    try:
        await sync.start()
        for _ in range(100):
            if sync._listening is not None:
                break
            await asyncio.sleep(0.02)
        lesson = await taught_store.teach(log.engine, TRAVEL, STATE_VISIT, None, MODERATOR)
        for _ in range(250):
            if len(engine.taught):
                break
            await asyncio.sleep(0.02)
        assert len(engine.taught) == 1
        await taught_store.undo(log.engine, lesson.id, MODERATOR)
        for _ in range(250):
            if not len(engine.taught):
                break
            await asyncio.sleep(0.02)
        assert len(engine.taught) == 0
    finally:
        await sync.stop()
        await log.close()
