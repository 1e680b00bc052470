"""The web inbox under test: the real app over a real query log (SQLite and PostgreSQL), an httpx client
on the same event loop, and moderators who log in through links issued exactly as /web issues them."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest

from bot.querylog import QueryLog
from bot.querylog.taught_sync import TaughtSync
from bot.web.app import create_app
from bot.web.state import WebState
from corpus import Corpus
from retrieval.engine import AnswerEngine
from tests.querylog_helpers import PSEUDONYMS

MODERATOR, READER = 1001, 2002
BASE_URL = "http://testserver"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Inbox:
    """The app, its state and a client; `login` gets a session for a Telegram user id."""

    state: WebState
    client: httpx.AsyncClient
    log: QueryLog

    async def link(self, user_id: int = MODERATOR) -> str:
        return await self.state.login_links.issue(PSEUDONYMS.of(user_id), BASE_URL)

    async def login(self, user_id: int = MODERATOR) -> httpx.Response:
        response = await self.client.get(await self.link(user_id))
        assert response.status_code == 200, response.text
        return response

    async def csrf(self) -> str:
        page = await self.client.get("/taught")
        match = _CSRF.search(page.text)
        assert match, page.text
        return match.group(1)


def page_text(response: httpx.Response) -> str:
    """The page's HTML with entities decoded and white space folded, as a reader sees the words."""
    return " ".join(html.unescape(response.text).split())


def web_state(log: QueryLog, engine: AnswerEngine, **changes: object) -> WebState:
    state = WebState(
        database=log.engine,
        engine=engine,
        pseudonyms=PSEUDONYMS,
        moderators=frozenset({PSEUDONYMS.of(MODERATOR)}),
        session_hours=12,
        secure_cookies=False,
        lessons=TaughtSync(log.engine, lambda: engine),
    )
    return replace(state, **changes)


def client_for(state: WebState) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)), base_url=BASE_URL)


@pytest.fixture
def web_engine(seed_corpus: Corpus) -> AnswerEngine:
    """The inbox's own engine: teaching changes it."""
    return AnswerEngine(seed_corpus)


@pytest.fixture
async def inbox(log: QueryLog, web_engine: AnswerEngine) -> AsyncIterator[Inbox]:
    state = web_state(log, web_engine)
    async with client_for(state) as client:
        yield Inbox(state, client, log)
