"""A question's page and what a moderator does there: mark it ok, flag it with a note, or teach the bot."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.querylog import inbox
from bot.querylog import taught as taught_store
from bot.querylog.ops import Review
from bot.querylog.record import LoggedQuery, ReviewStatus, clean_text, utc_now
from bot.querylog.record_id import is_record_id, new_record_id
from bot.querylog.writes import apply_ops
from bot.web.auth import action, page, render, see_other
from bot.web.sessions import Session
from bot.web.state import WebState, web_state

SEARCH_RESULTS = 10
MAX_NOTE = 2000
NO_ANSWER = "none"
_VERDICTS = {"ok": ReviewStatus.OK, "flag": ReviewStatus.FLAGGED}


async def _record(request: Request) -> LoggedQuery:
    record_id = request.path_params["record_id"]
    found = await inbox.record(web_state(request).database, record_id) if is_record_id(record_id) else None
    if found is None:
        raise HTTPException(404, "There is no such question in the log (it may have been deleted).")
    return found


@page
async def question_page(request: Request, session: Session) -> Response:
    """GET /q/{id}: the question, its answer and candidates, feedback, review, lessons; ?search= the corpus."""
    state = web_state(request)
    record = await _record(request)
    search = request.query_params.get("search", "").strip()[:500]
    found = (await run_in_threadpool(state.engine.answer, search, SEARCH_RESULTS)).results if search else []
    now = await run_in_threadpool(state.engine.answer, record.question, 1)
    return render(
        request,
        session,
        "question.html",
        {
            "record": record,
            "answer_passage": state.passage(record.passage_id),
            "candidates": [(candidate, state.passage(candidate.passage_id)) for candidate in record.candidates],
            "search": search,
            "found": found,
            "now": now.results[0] if now.answered else None,
            "lessons": await taught_store.for_record(state.database, record.id),
            "no_answer": NO_ANSWER,
        },
    )


@action
async def review(request: Request, session: Session, form: FormData) -> Response:
    """POST /q/{id}/review: verdict ok or flag, with an optional note."""
    record = await _record(request)
    verdict = _VERDICTS.get(str(form.get("verdict", "")))
    if verdict is None:
        raise HTTPException(400, "Choose ok or flag.")
    note = clean_text(str(form.get("note", ""))).strip()[:MAX_NOTE] or None
    op = Review(new_record_id(), record.id, verdict, note, session.moderator, utc_now())
    await apply_ops(web_state(request).database, [op])
    return see_other(f"/q/{record.id}")


@action
async def teach(request: Request, session: Session, form: FormData) -> Response:
    """POST /q/{id}/teach: this passage answers the question (and its rewordings), or none does."""
    state = web_state(request)
    record = await _record(request)
    chosen = str(form.get("passage_id", ""))
    passage_id, passage_text = _lesson_target(state, chosen)
    await taught_store.teach(state.database, record.question, passage_id, passage_text, session.moderator, record.id)
    await state.lessons.refresh()
    return see_other(f"/q/{record.id}#lessons")


def _lesson_target(state: WebState, chosen: str) -> tuple[str | None, str | None]:
    if chosen == NO_ANSWER:
        return None, None
    passage = state.passage(chosen)
    if passage is None:
        raise HTTPException(400, "That passage is not in the corpus; reload the page and pick another.")
    return passage.passage_id, passage.text


routes = [
    Route("/q/{record_id}", question_page),
    Route("/q/{record_id}/review", review, methods=["POST"]),
    Route("/q/{record_id}/teach", teach, methods=["POST"]),
]
