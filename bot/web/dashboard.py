"""The dashboard: how the bot is doing over a chosen run of days."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.querylog.dashboard import compute_dashboard
from bot.querylog.record import utc_now
from bot.web.auth import page, render
from bot.web.charts import answered_share_chart, questions_chart, votes_chart
from bot.web.filters import parse_day
from bot.web.sessions import Session
from bot.web.state import web_state

DEFAULT_DAYS = 30
MAX_DAYS = 366
QUICK_PERIODS = (7, 30, 90)


def _period(request: Request, today: date) -> tuple[date, date, list[str]]:
    problems: list[str] = []
    since = parse_day(request.query_params, "from", problems)
    until = parse_day(request.query_params, "to", problems) or today
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        since, until = until, since
        problems.append("The from date is after the to date; they were swapped.")
    if (until - since).days >= MAX_DAYS:
        since = until - timedelta(days=MAX_DAYS - 1)
        problems.append(f"At most {MAX_DAYS} days are shown at once; the period was shortened.")
    return since, until, problems


@page
async def dashboard_page(request: Request, session: Session) -> Response:
    """GET /dashboard?from=&to=: per-day charts, top questions and latency for the period (UTC days)."""
    today = utc_now().date()
    since, until, problems = _period(request, today)
    figures = await compute_dashboard(web_state(request).database, since, until)
    return render(
        request,
        session,
        "dashboard.html",
        {
            "figures": figures,
            "problems": problems,
            "charts": [questions_chart(figures.days), answered_share_chart(figures.days), votes_chart(figures.days)],
            "quick": [
                (days, (today - timedelta(days=days - 1)).isoformat(), today.isoformat()) for days in QUICK_PERIODS
            ],
        },
    )


routes = [Route("/dashboard", dashboard_page)]
