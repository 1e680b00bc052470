"""A question's page and its actions (review, teach, undo), the taught answers page and the corpus pages."""

from __future__ import annotations

import html
from dataclasses import replace

from bot.querylog import Vote
from bot.querylog import taught as taught_store
from bot.querylog.record import Candidate, ReviewStatus
from tests.querylog_helpers import PSEUDONYMS, make_record
from tests.web.conftest import MODERATOR, Inbox

TRAVEL = "Where was Macron travelling?"
STATE_VISIT = "000_f1d616dfc469d761#p2"
CARD = "000_f1d616dfc469d761#p9"


async def _refused_travel_question(inbox: Inbox) -> str:
    """The question as the bot logged it: refused, with the passages it ranked."""
    record = replace(
        make_record(question=TRAVEL, answered=False),
        coverage=0.2,
        candidates=(Candidate("000_f1d616dfc469d761#p1", 2.5, 0.2), Candidate(STATE_VISIT, 1.75, 0.2)),
    )
    record_id = inbox.log.submit(record)
    await inbox.log.flush()
    assert await inbox.log.set_feedback(record_id, record.reader, Vote.DOWN)
    return record_id


async def test_the_page_shows_the_question_its_candidates_feedback_and_review(inbox: Inbox) -> None:
    record_id = await _refused_travel_question(inbox)
    await inbox.login()
    page = html.unescape((await inbox.client.get(f"/q/{record_id}")).text)
    assert TRAVEL in page and "The sources don't cover that." in page and "Reader's feedback: 👎" in page
    assert "score 2.50 · coverage 20%" in page and "score 1.75" in page
    assert "Amid his state visit last week to the United States" in page
    assert page.count('name="passage_id"') == 3 and 'value="none"' in page
    assert "Status: <strong>new</strong>" in page
    assert (await inbox.client.get("/q/01JB0000000000000000000000")).status_code == 404
    assert (await inbox.client.get("/q/not-an-id")).status_code == 404


async def test_mark_ok_and_flag_with_a_note_record_the_moderator(inbox: Inbox) -> None:
    record_id = await _refused_travel_question(inbox)
    await inbox.login()
    csrf = await inbox.csrf()
    response = await inbox.client.post(
        f"/q/{record_id}/review", data={"csrf": csrf, "verdict": "flag", "note": "  the visit <b>"}
    )
    assert response.status_code == 303 and response.headers["location"] == f"/q/{record_id}"
    [record] = await inbox.log.recent()
    assert (record.review_status, record.review_note) == (ReviewStatus.FLAGGED, "the visit <b>")
    assert record.reviewed_by == PSEUDONYMS.of(MODERATOR)
    page = (await inbox.client.get(f"/q/{record_id}")).text
    assert "the visit &lt;b&gt;" in page and f"by {PSEUDONYMS.of(MODERATOR)[:8]}" in page

    await inbox.client.post(f"/q/{record_id}/review", data={"csrf": csrf, "verdict": "ok"})
    [record] = await inbox.log.recent()
    assert record.review_status is ReviewStatus.OK and record.review_note is None
    bad = await inbox.client.post(f"/q/{record_id}/review", data={"csrf": csrf, "verdict": "maybe"})
    assert bad.status_code == 400


async def test_teaching_a_candidate_changes_the_answer_and_undo_takes_it_back(inbox: Inbox) -> None:
    record_id = await _refused_travel_question(inbox)
    await inbox.login()
    csrf = await inbox.csrf()
    assert "The bot would now decline this question." in (await inbox.client.get(f"/q/{record_id}")).text

    response = await inbox.client.post(f"/q/{record_id}/teach", data={"csrf": csrf, "passage_id": STATE_VISIT})
    assert response.status_code == 303 and response.headers["location"] == f"/q/{record_id}#lessons"
    [lesson] = await taught_store.listing(inbox.state.database)
    assert (lesson.question, lesson.passage_id, lesson.record_id) == (TRAVEL, STATE_VISIT, record_id)
    assert lesson.moderator == PSEUDONYMS.of(MODERATOR) and lesson.passage_text.startswith("Amid his state visit")
    page = (await inbox.client.get(f"/q/{record_id}")).text
    assert f"The bot would now answer with <code>{STATE_VISIT}</code>" in page
    taught = html.unescape((await inbox.client.get("/taught")).text)
    assert TRAVEL in taught and STATE_VISIT in taught and "Undo" in taught

    undone = await inbox.client.post(f"/taught/{lesson.id}/undo", data={"csrf": csrf})
    assert undone.status_code == 303 and undone.headers["location"] == "/taught"
    assert await taught_store.listing(inbox.state.database) == []
    assert "The bot would now decline" in (await inbox.client.get(f"/q/{record_id}")).text
    assert TRAVEL not in (await inbox.client.get("/taught")).text
    assert "undone by" in (await inbox.client.get("/taught", params={"all": "1"})).text
    again = await inbox.client.post(f"/taught/{lesson.id}/undo", data={"csrf": csrf})
    assert again.status_code == 404


async def test_teaching_from_a_corpus_search_and_the_sources_do_not_answer_this(inbox: Inbox) -> None:
    record_id = inbox.log.submit(make_record(question="Who won the war?", answered=True))
    await inbox.log.flush()
    await inbox.login()
    csrf = await inbox.csrf()
    found = html.unescape((await inbox.client.get(f"/q/{record_id}", params={"search": "three security demands"})).text)
    assert f'name="passage_id" value="{CARD}"' in found and "no more NATO enlargement" in found
    # A word no passage has still finds the nearest passages by meaning; words the engine skips find none.
    nearest = html.unescape((await inbox.client.get(f"/q/{record_id}", params={"search": "zeppelin"})).text)
    assert 'name="passage_id" value="' in nearest
    nothing = (await inbox.client.get(f"/q/{record_id}", params={"search": "what is it?"})).text
    assert "No passage shares a word" in nothing

    await inbox.client.post(f"/q/{record_id}/teach", data={"csrf": csrf, "passage_id": CARD})
    await inbox.client.post(f"/q/{record_id}/teach", data={"csrf": csrf, "passage_id": "none"})
    lessons = await taught_store.listing(inbox.state.database)
    assert [lesson.passage_id for lesson in lessons] == [None, CARD]
    assert not inbox.state.engine.answer("Who won the war?").answered
    assert "the sources do not answer this" in (await inbox.client.get(f"/q/{record_id}")).text
    unknown = await inbox.client.post(f"/q/{record_id}/teach", data={"csrf": csrf, "passage_id": "made#up"})
    assert unknown.status_code == 400 and len(await taught_store.listing(inbox.state.database)) == 2


async def test_the_corpus_pages_list_documents_and_passages_as_indexed(inbox: Inbox) -> None:
    await inbox.login()
    listing = html.unescape((await inbox.client.get("/corpus")).text)
    assert "1 documents, 11 passages, 0 warnings." in listing and "3 December 2022" in listing
    assert 'href="/corpus/000_f1d616dfc469d761"' in listing and '<td data-label="Type">text</td>' in listing
    document = html.unescape((await inbox.client.get("/corpus/000_f1d616dfc469d761")).text)
    assert document.count("<blockquote>") == 11 and "000_f1d616dfc469d761#p9" in document
    assert "no more NATO enlargement, no more missile deployments" in document
    assert (await inbox.client.get("/corpus/nothing-here")).status_code == 404
