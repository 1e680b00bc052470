"""The dashboard over a chosen period: per-day charts, most asked questions, latency percentiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.querylog import Vote
from bot.querylog.dashboard import compute_dashboard
from tests.querylog_helpers import make_record
from tests.web.conftest import Inbox, page_text

MONDAY = datetime(2025, 3, 10, 9, tzinfo=UTC)


async def _fill(inbox: Inbox) -> None:
    rows = [
        (MONDAY, "Who founded the city?", True, 10, Vote.UP),
        (MONDAY + timedelta(hours=1), "who founded the CITY", True, 20, Vote.DOWN),
        (MONDAY + timedelta(hours=2), "What is the river called?", False, 30, None),
        (MONDAY + timedelta(days=2), "What is the river called", False, 40, Vote.DOWN),
        (MONDAY + timedelta(days=2, hours=1), "Who founded the city?", True, 1000, None),
        (MONDAY - timedelta(days=30), "long ago", True, 5, None),
    ]
    for n, (when, question, answered, latency, vote) in enumerate(rows):
        record = make_record(n, question=question, answered=answered, latency_ms=latency, created_at=when)
        inbox.log.submit(record)
        await inbox.log.flush()
        if vote:
            assert await inbox.log.set_feedback(record.id, record.reader, vote)


async def test_the_figures_of_a_period(inbox: Inbox) -> None:
    await _fill(inbox)
    figures = await compute_dashboard(inbox.state.database, date(2025, 3, 9), date(2025, 3, 12))
    assert [(d.day.day, d.questions, d.answered, d.liked, d.disliked) for d in figures.days] == [
        (9, 0, 0, 0, 0),
        (10, 3, 2, 1, 1),
        (11, 0, 0, 0, 0),
        (12, 2, 1, 0, 1),
    ]
    assert figures.top_asked == [("who founded the city", 3), ("what is the river called", 2)]
    assert figures.top_unanswered == [("what is the river called", 2)]
    assert (figures.median_latency_ms, figures.p90_latency_ms) == (30.0, pytest.approx(616.0))


async def test_the_page_draws_the_period_and_lists_the_top_questions(inbox: Inbox) -> None:
    await _fill(inbox)
    await inbox.login()
    response = await inbox.client.get("/dashboard", params={"from": "2025-03-09", "to": "2025-03-12"})
    page = page_text(response)
    assert "9 March 2025 – 12 March 2025 (UTC): 5 questions, 3 answered (60%)" in page
    assert "median 30 ms" in page and "90th percentile 616 ms" in page
    assert page.count("<svg") == 3
    assert "<title>10 March 2025: 3 questions, 2 answered</title>" in page
    assert "<title>12 March 2025: 50% answered</title>" in page
    assert "<title>10 March 2025: 1 liked 👍, 1 disliked 👎</title>" in page
    assert (
        '<a href="/?q=what%20is%20the%20river%20called">what is the river called</a> <span class="count">2</span>'
        in response.text
    )


async def test_default_and_unusable_periods(inbox: Inbox) -> None:
    await inbox.login()
    default = page_text(await inbox.client.get("/dashboard"))
    assert "0 questions" in default and "None in this period." in default and "median –" in default
    bad = page_text(await inbox.client.get("/dashboard", params={"from": "last week", "to": "2025-03-01"}))
    assert "is not a date" in bad and "31 January 2025 – 1 March 2025" in bad
    long = page_text(await inbox.client.get("/dashboard", params={"from": "2020-01-01", "to": "2025-03-01"}))
    assert "period was shortened" in long and "1 March 2024 – 1 March 2025" in long
