"""What moderators see after the bot records questions, feedback and reviews (SQLite and PostgreSQL)."""

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import perf_counter

from bot.querylog import Channel, QueryLog, ReviewStatus, Vote
from bot.querylog.record import utc_now
from tests.querylog_helpers import FAST, PSEUDONYMS, Backend, ago, make_record, settings_for


def _noon_today() -> datetime:
    """A fixed "now" inside the retention period (the log purges old records at start)."""
    return datetime.combine(utc_now().date(), time(12), tzinfo=UTC)


async def test_submitted_records_come_back_with_every_field(log: QueryLog) -> None:
    first = make_record(1, "Who founded the city?", created_at=ago(minutes=2))
    second = make_record(
        2,
        "When did the flood happen?",
        answered=False,
        channel=Channel.GROUP,
        chat_type="supergroup",
        created_at=ago(minutes=1),
    )
    assert log.submit(first) == first.id
    log.submit(second)
    await log.flush()

    newest, oldest = await log.recent()
    assert (newest.id, oldest.id) == (second.id, first.id)
    assert oldest.question == "Who founded the city?"
    assert oldest.channel is Channel.PRIVATE and oldest.chat_type == "private"
    assert oldest.reader == PSEUDONYMS.of(1)
    assert oldest.answered is True and oldest.score == 7.25 and oldest.latency_ms == 42
    assert oldest.passage_id == "000_f1d616dfc469d761#3"
    assert oldest.quote == "The city was founded in 1703."
    assert abs(oldest.created_at - first.created_at) < timedelta(milliseconds=1)
    assert oldest.feedback is None and oldest.review_status is ReviewStatus.NEW and oldest.review_note is None
    assert newest.channel is Channel.GROUP and newest.answered is False and newest.quote is None


async def test_text_with_nul_characters_is_stored_without_them(log: QueryLog) -> None:
    record = make_record(question="why\x00 not?")
    log.submit(record)
    assert await log.review(record.id, "flag", "nul\x00 note") is True
    [stored] = await log.recent()
    assert (stored.question, stored.review_note) == ("why not?", "nul note")


async def test_feedback_lands_only_on_the_readers_own_record(log: QueryLog) -> None:
    record = make_record(user_id=1)
    log.submit(record)

    assert await log.set_feedback(record.id, PSEUDONYMS.of(2), Vote.DOWN) is False
    [stored] = await log.recent()
    assert stored.feedback is None

    assert await log.set_feedback(record.id, PSEUDONYMS.of(1), Vote.DOWN) is True
    [stored] = await log.recent()
    assert stored.feedback is Vote.DOWN
    assert [flagged.id for flagged in await log.flagged()] == [record.id]

    assert await log.set_feedback(record.id, PSEUDONYMS.of(1), Vote.UP) is True
    [stored] = await log.recent()
    assert stored.feedback is Vote.UP
    assert await log.flagged() == []


async def test_review_flags_and_clears_with_a_note(log: QueryLog) -> None:
    disliked, fine = make_record(1, "first", created_at=ago(seconds=2)), make_record(2, "second")
    log.submit(disliked)
    log.submit(fine)
    log.set_feedback(disliked.id, disliked.reader, Vote.DOWN)

    assert await log.review(fine.id, "flag", "quote is off-topic") is True
    assert [(r.id, r.review_status, r.review_note) for r in await log.flagged()] == [
        (fine.id, ReviewStatus.FLAGGED, "quote is off-topic"),
        (disliked.id, ReviewStatus.NEW, None),
    ]

    assert await log.review(disliked.id, "ok", "the quote is right") is True
    assert [r.id for r in await log.flagged()] == [fine.id]
    reviewed = {r.id: r for r in await log.recent()}[disliked.id]
    assert (reviewed.review_status, reviewed.review_note, reviewed.feedback) == (
        ReviewStatus.OK,
        "the quote is right",
        Vote.DOWN,
    )


async def test_review_of_an_unknown_record_reports_false(log: QueryLog) -> None:
    assert await log.review(make_record().id, "ok") is False


async def test_unanswered_lists_only_unanswered_newest_first_and_honours_since(log: QueryLog) -> None:
    old = make_record(question="old miss", answered=False, created_at=ago(days=3))
    answered = make_record(question="hit", created_at=ago(hours=2))
    recent_miss = make_record(question="recent miss", answered=False, created_at=ago(hours=1))
    latest_miss = make_record(question="latest miss", answered=False, created_at=ago(minutes=1))
    for record in (old, answered, recent_miss, latest_miss):
        log.submit(record)
    await log.flush()

    assert [r.question for r in await log.unanswered()] == ["latest miss", "recent miss", "old miss"]
    assert [r.question for r in await log.unanswered(since=ago(days=1))] == ["latest miss", "recent miss"]
    assert [r.question for r in await log.unanswered(limit=1)] == ["latest miss"]
    assert [r.question for r in await log.recent(since=ago(hours=3))] == ["latest miss", "recent miss", "hit"]


async def test_forget_deletes_stored_and_still_waiting_records_of_one_reader(log: QueryLog, data_dir: Path) -> None:
    log.submit(make_record(1, "stored question of the forgotten reader"))
    log.submit(make_record(2, "question of another reader"))
    await log.flush()
    log.submit(make_record(1, "waiting question of the forgotten reader"))
    feedback = log.set_feedback(make_record(1).id, PSEUDONYMS.of(1), Vote.UP)

    assert await log.forget(PSEUDONYMS.of(1)) == 2
    assert await feedback is False
    await log.flush()
    assert [r.question for r in await log.recent()] == ["question of another reader"]
    journal_text = b"".join(path.read_bytes() for path in data_dir.rglob("*.jsonl"))
    assert b"forgotten reader" not in journal_text


async def test_retention_purge_deletes_only_old_records(log: QueryLog) -> None:
    log.submit(make_record(question="from last season", created_at=ago(days=120)))
    log.submit(make_record(question="from last month", created_at=ago(days=30)))
    await log.flush()

    assert await log.purge_older_than(90) == 1
    assert [r.question for r in await log.recent()] == ["from last month"]


async def test_retention_is_applied_at_start(backend: Backend, data_dir: Path) -> None:
    first = await QueryLog.start(settings_for(backend.url, data_dir), FAST)
    first.submit(make_record(question="ancient", created_at=ago(days=40)))
    first.submit(make_record(question="fresh", created_at=ago(days=1)))
    await first.close()

    second = await QueryLog.start(settings_for(backend.url, data_dir, retention_days=30), FAST)
    try:
        for _ in range(200):
            remaining = [r.question for r in await second.recent()]
            if remaining == ["fresh"]:
                break
            await asyncio.sleep(0.05)
        assert remaining == ["fresh"]
    finally:
        await second.close()


async def test_stats_count_today_and_the_week(log: QueryLog) -> None:
    now = _noon_today()
    for hours_ago, question, answered, latency in [
        (1, "Who founded the city?", True, 10),
        (2, "  who founded the CITY ", True, 30),
        (3, "What is the river called?", False, 20),
        (30, "who founded the city?!", True, 1000),
        (24 * 8, "outside the week", True, 5),
    ]:
        log.submit(
            make_record(
                question=question,
                answered=answered,
                latency_ms=latency,
                created_at=now - timedelta(hours=hours_ago),
            )
        )
    log.submit(make_record(question="tomorrow", created_at=now + timedelta(days=1)))
    await log.flush()

    stats = await log.stats(now=now, top=2)
    assert (stats.today.questions, stats.today.answered) == (3, 2)
    assert (stats.last_7_days.questions, stats.last_7_days.answered) == (4, 3)
    assert stats.last_7_days.answered_share == 0.75
    assert stats.top_questions == [("who founded the city", 3), ("what is the river called", 1)]
    assert stats.median_latency_ms == 25.0


async def test_stats_of_an_empty_log(log: QueryLog) -> None:
    stats = await log.stats()
    assert stats.today.questions == 0 and stats.today.answered_share is None
    assert stats.top_questions == [] and stats.median_latency_ms is None


async def test_stats_on_ten_thousand_records(log: QueryLog, backend: Backend) -> None:
    now = _noon_today()
    questions = [f"question number {n % 50}" for n in range(10_000)]
    for n, question in enumerate(questions):
        log.submit(
            make_record(
                user_id=n % 300,
                question=question,
                answered=n % 4 != 0,
                latency_ms=n % 1000,
                created_at=now - timedelta(minutes=2 * n),
            )
        )
    started = perf_counter()
    await log.flush()
    written = perf_counter() - started

    started = perf_counter()
    stats = await log.stats(now=now)
    elapsed = perf_counter() - started
    print(f"\n[{backend.name}] 10,000 records: written in {written:.2f}s, stats in {elapsed * 1000:.0f} ms")

    today = [n for n in range(10_000) if 2 * n <= 12 * 60]
    week = [n for n in range(10_000) if 2 * n <= 7 * 24 * 60]
    assert stats.today.questions == len(today)
    assert stats.today.answered == sum(1 for n in today if n % 4 != 0)
    assert stats.last_7_days.questions == len(week)
    assert len(stats.top_questions) == 10
    assert stats.top_questions[0] == ("question number 0", sum(1 for n in week if n % 50 == 0))
    week_latencies = sorted(n % 1000 for n in week)
    middle = len(week_latencies) // 2
    assert stats.median_latency_ms == (week_latencies[middle - 1] + week_latencies[middle]) / 2
