"""The inbox's ASGI application: routes from each page's module, static files, security headers, and
plain error pages (a refused login or session is a 403 that says what to do, nothing more)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.web import auth, corpus_view, dashboard, export, inbox, question, taught_view
from bot.web.security import SecurityHeaders
from bot.web.state import WebState
from bot.web.templating import templates

_HEADINGS = {400: "Cannot do that", 403: "Not allowed", 404: "Not found", 405: "Not allowed"}


async def _error_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    heading = _HEADINGS.get(error.status_code, "Something went wrong")
    return templates.TemplateResponse(
        request,
        "message.html",
        {"session": None, "heading": heading, "text": error.detail},
        status_code=error.status_code,
        headers=error.headers,
    )


async def healthz(request: Request) -> Response:
    """For the container's healthcheck: the process answers (no session, no data)."""
    return PlainTextResponse("ok")


def create_app(state: WebState) -> Starlette:
    """The application over one WebState; `quotebot web` serves it with uvicorn, tests with a test client."""
    routes = [
        *inbox.routes,
        *question.routes,
        *dashboard.routes,
        *export.routes,
        *corpus_view.routes,
        *taught_view.routes,
        *auth.routes,
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(packages=[("bot.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: _error_page},
    )
    app.state.web = state
    return app
