"""The taught answers page: every lesson in force (and the undone ones), with undo."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.querylog import taught as taught_store
from bot.web.auth import action, page, render, see_other
from bot.web.sessions import Session
from bot.web.state import web_state


@page
async def taught_page(request: Request, session: Session) -> Response:
    """GET /taught: lessons newest first; ?all=1 shows undone ones too."""
    state = web_state(request)
    include_removed = request.query_params.get("all") == "1"
    lessons = await taught_store.listing(state.database, include_removed=include_removed)
    return render(
        request,
        session,
        "taught.html",
        {
            "lessons": [(lesson, state.passage(lesson.passage_id)) for lesson in lessons],
            "include_removed": include_removed,
        },
    )


@action
async def undo(request: Request, session: Session, form: FormData) -> Response:
    """POST /taught/{id}/undo: the bot stops using the lesson from the next question on."""
    state = web_state(request)
    if not await taught_store.undo(state.database, request.path_params["taught_id"], session.moderator):
        raise HTTPException(404, "That lesson does not exist or was already undone.")
    await state.lessons.refresh()
    return see_other("/taught")


routes = [Route("/taught", taught_page), Route("/taught/{taught_id}/undo", undo, methods=["POST"])]
