"""The inbox: every logged question, newest first, filtered, searched and paged, with each view's count."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.querylog import inbox
from bot.querylog.inbox import LOW_COVERAGE, View
from bot.querylog.record import Channel
from bot.web.auth import page, render
from bot.web.filters import parse_filter, query_string
from bot.web.sessions import Session
from bot.web.state import web_state

PAGE_SIZE = 50
VIEW_LABELS = {
    View.ALL: "All",
    View.UNANSWERED: "Unanswered",
    View.LOW_CONFIDENCE: f"Low confidence (coverage < {LOW_COVERAGE:.0%})",
    View.DISLIKED: "Disliked 👎",
    View.FLAGGED: "Flagged",
}


@page
async def inbox_page(request: Request, session: Session) -> Response:
    """GET /: the filtered questions, one page at a time."""
    database = web_state(request).database
    parsed = parse_filter(request.query_params)
    wanted = parsed.wanted
    counts = await inbox.counts(database, wanted)
    total = counts[wanted.view]
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(parsed.page, pages)
    rows = await inbox.page(database, wanted, (number - 1) * PAGE_SIZE, PAGE_SIZE)
    return render(
        request,
        session,
        "inbox.html",
        {
            "wanted": wanted,
            "rows": rows,
            "problems": parsed.problems,
            "tabs": [(view, VIEW_LABELS[view], counts[view], query_string(wanted, view=view)) for view in View],
            "channels": [channel.value for channel in Channel],
            "page": number,
            "pages": pages,
            "total": total,
            "first": (number - 1) * PAGE_SIZE + 1 if rows else 0,
            "previous": query_string(wanted, number - 1) if number > 1 else None,
            "next": query_string(wanted, number + 1) if number < pages else None,
            "export": query_string(wanted),
            "low_coverage": LOW_COVERAGE,
        },
    )


routes = [Route("/", inbox_page)]
