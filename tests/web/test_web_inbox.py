"""The inbox's views, search, paging and export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.querylog import Channel, Vote
from bot.querylog.output import EXPORT_FIELDS
from bot.querylog.record import QueryRecord
from tests.querylog_helpers import make_record
from tests.web.conftest import Inbox

DAY = datetime(2025, 3, 10, 12, tzinfo=UTC)


def _questions(page: str) -> list[str]:
    return [html.unescape(q) for q in re.findall(r'<a class="question" href="/q/[0-9A-Z]+">([^<]*)</a>', page)]


def _tab_counts(page: str) -> dict[str, int]:
    return {
        html.unescape(label.strip()): int(count)
        for label, count in re.findall(r'<a href="/\?[^"]*"[^>]*>([^<]+)<span class="count">(\d+)</span></a>', page)
    }


async def _fill(inbox: Inbox) -> None:
    """Six questions, one of each kind, newest first in this order."""
    log = inbox.log
    records: list[QueryRecord] = [
        replace(make_record(question="sure answer", created_at=DAY), coverage=0.9),
        replace(make_record(question="shaky answer", created_at=DAY - timedelta(hours=1)), coverage=0.3),
        make_record(question="not covered", answered=False, created_at=DAY - timedelta(days=1)),
        make_record(
            question="disliked answer", channel=Channel.GROUP, chat_type="group", created_at=DAY - timedelta(days=2)
        ),
        make_record(question='=HYPERLINK("x") flagged', channel=Channel.INLINE, created_at=DAY - timedelta(days=3)),
        make_record(question="reviewed ok", answered=False, created_at=DAY - timedelta(days=4)),
    ]
    ids = [log.submit(record) for record in records]
    await log.flush()
    assert await log.set_feedback(ids[3], records[3].reader, Vote.DOWN)
    assert await log.review(ids[4], "flag", "wrong")
    assert await log.review(ids[5], "ok")


async def test_each_view_shows_its_questions_and_every_tab_counts(inbox: Inbox) -> None:
    await _fill(inbox)
    await inbox.login()
    expected = {
        "all": [
            "sure answer",
            "shaky answer",
            "not covered",
            "disliked answer",
            '=HYPERLINK("x") flagged',
            "reviewed ok",
        ],
        "unanswered": ["not covered", "reviewed ok"],
        "low": ["shaky answer"],
        "disliked": ["disliked answer"],
        "flagged": ["disliked answer", '=HYPERLINK("x") flagged'],
    }
    for view, questions in expected.items():
        page = (await inbox.client.get("/", params={"view": view})).text
        assert _questions(page) == questions, view
    counts = _tab_counts((await inbox.client.get("/")).text)
    assert counts == {"All": 6, "Unanswered": 2, "Low confidence (coverage < 40%)": 1, "Disliked 👎": 1, "Flagged": 2}


async def test_reviewed_channel_dates_and_search_narrow_every_view(inbox: Inbox) -> None:
    await _fill(inbox)
    await inbox.login()

    async def shown(**params: str) -> list[str]:
        return _questions((await inbox.client.get("/", params=params)).text)

    assert await shown(reviewed="yes") == ['=HYPERLINK("x") flagged', "reviewed ok"]
    assert len(await shown(reviewed="no")) == 4
    assert await shown(channel="group") == ["disliked answer"]
    assert await shown(**{"from": "2025-03-09", "to": "2025-03-10"}) == ["sure answer", "shaky answer", "not covered"]
    assert await shown(**{"to": "2025-03-06"}) == ["reviewed ok"]
    assert await shown(q="ANSWER") == ["sure answer", "shaky answer", "disliked answer"]
    assert await shown(q="answer", view="low") == ["shaky answer"]
    assert await shown(q="%") == [] and await shown(q="_") == []
    counts = _tab_counts((await inbox.client.get("/", params={"q": "answer"})).text)
    assert counts["All"] == 3 and counts["Unanswered"] == 0 and counts["Disliked 👎"] == 1


async def test_unusable_filter_values_are_said_and_ignored(inbox: Inbox) -> None:
    await _fill(inbox)
    await inbox.login()
    response = await inbox.client.get("/", params={"view": "bogus", "from": "yesterday", "channel": "fax", "page": "x"})
    assert response.status_code == 200
    assert "Unknown view" in response.text and "is not a date" in response.text and "Unknown channel" in response.text
    assert len(_questions(response.text)) == 6
    swapped = await inbox.client.get("/", params={"from": "2025-03-10", "to": "2025-03-09"})
    assert "swapped" in swapped.text and len(_questions(swapped.text)) == 3


async def test_pages_of_fifty_newest_first(inbox: Inbox) -> None:
    for n in range(120):
        inbox.log.submit(make_record(question=f"question {n:03d}", created_at=DAY + timedelta(minutes=n)))
    await inbox.log.flush()
    await inbox.login()
    first = (await inbox.client.get("/")).text
    assert _questions(first)[:2] == ["question 119", "question 118"] and len(_questions(first)) == 50
    assert "1–50 of 120" in first and "Page 1 of 3" in first and 'rel="next" href="/?page=2"' in first
    last = (await inbox.client.get("/", params={"page": "3"})).text
    assert _questions(last)[-1] == "question 000" and len(_questions(last)) == 20 and 'rel="next"' not in last
    beyond = (await inbox.client.get("/", params={"page": "99"})).text
    assert _questions(beyond) == _questions(last)


async def test_export_holds_the_current_filter_with_the_clis_columns_and_formula_guard(inbox: Inbox) -> None:
    await _fill(inbox)
    await inbox.login()
    response = await inbox.client.get("/export.csv", params={"view": "flagged"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="quotebot-log-')
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(header) == EXPORT_FIELDS
    questions = [row[EXPORT_FIELDS.index("question")] for row in rows]
    assert questions == ["disliked answer", '\'=HYPERLINK("x") flagged']

    lines = (await inbox.client.get("/export.jsonl", params={"q": "hyperlink"})).text.splitlines()
    [only] = [json.loads(line) for line in lines]
    assert only["question"] == '=HYPERLINK("x") flagged' and only["review_note"] == "wrong"
    assert set(only) == set(EXPORT_FIELDS)
    everything = (await inbox.client.get("/export.jsonl")).text.splitlines()
    assert len(everything) == 6
