"""Who may enter: a login link from the bot's /web command opens a session; every page and export needs
one, every change also the session's CSRF token, and a moderator taken off MODERATOR_IDS is shut out."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.sessions import Session, close_session, find_session, open_session
from bot.web.state import web_state
from bot.web.templating import templates

SESSION_COOKIE = "quotebot_session"
NO_SESSION = "Log in first: send /web to the bot in a private chat and open the link it replies with."
BAD_LINK = "This login link is wrong, has expired or was already used. Send /web to the bot for a new one."
BAD_FORM = "This form has expired or did not come from the inbox. Go back, reload the page and try again."

Page = Callable[[Request, Session], Awaitable[Response]]
Action = Callable[[Request, Session, FormData], Awaitable[Response]]


async def current_session(request: Request) -> Session:
    """The request's session, or a 403 when there is none, it expired, or its moderator was removed."""
    state = web_state(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    session = await find_session(state.database, cookie) if cookie else None
    if session is None or session.moderator not in state.moderators:
        raise HTTPException(403, NO_SESSION)
    return session


def page(handler: Page) -> Callable[[Request], Awaitable[Response]]:
    """A page or export: only for a moderator's session."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        return await handler(request, await current_session(request))

    return endpoint


def action(handler: Action) -> Callable[[Request], Awaitable[Response]]:
    """A change: a moderator's session and the session's CSRF token in the form."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        session = await current_session(request)
        form = await request.form()
        token = form.get("csrf")
        if not isinstance(token, str) or not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
            raise HTTPException(403, BAD_FORM)
        return await handler(request, session, form)

    return endpoint


def render(
    request: Request, session: Session | None, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A template with what the layout needs: the session (for the logout form's CSRF token)."""
    return templates.TemplateResponse(request, name, {"session": session, **context}, status_code=status)


async def login(request: Request) -> Response:
    """GET /login?token=…: spend the link and start a session.

    The answer is a page that moves on to the inbox by itself rather than a redirect: a SameSite=Strict
    cookie set while arriving from Telegram is not sent on a redirect of that same navigation.
    """
    state = web_state(request)
    token = request.query_params.get("token", "")
    moderator = await state.login_links.redeem(token) if token else None
    if moderator is None or moderator not in state.moderators:
        raise HTTPException(403, BAD_LINK)
    cookie, session = await open_session(state.database, moderator, state.session_hours)
    response = render(request, session, "logged_in.html", {})
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=state.session_hours * 3600,
        path="/",
        secure=state.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


@action
async def logout(request: Request, session: Session, form: FormData) -> Response:
    """POST /logout: end the session everywhere."""
    await close_session(web_state(request).database, request.cookies[SESSION_COOKIE])
    response = render(request, None, "logged_out.html", {})
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=web_state(request).secure_cookies, httponly=True, samesite="strict"
    )
    return response


def see_other(url: str) -> RedirectResponse:
    """After a change, back to a page with GET (so a reload does not send the form again)."""
    return RedirectResponse(url, status_code=303)


routes = [Route("/login", login), Route("/logout", logout, methods=["POST"])]
