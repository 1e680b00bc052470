"""What every request handler of the web inbox reads: the database, the corpus's engine, who may enter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request

from bot.querylog.pseudonym import ReaderPseudonyms
from bot.querylog.taught_sync import TaughtSync
from bot.web.login_links import LoginLinks
from corpus.model import Passage
from retrieval.engine import AnswerEngine


@dataclass(slots=True)
class WebState:
    """One instance per web process, kept in `app.state.web`."""

    database: AsyncEngine
    # Replaced whole when the corpus folder changes (bot/web/server.py).
    engine: AnswerEngine
    pseudonyms: ReaderPseudonyms
    # The pseudonyms of MODERATOR_IDS: a session or link of anyone else is refused, even one issued earlier.
    moderators: frozenset[str]
    session_hours: int
    secure_cookies: bool
    lessons: TaughtSync

    @property
    def login_links(self) -> LoginLinks:
        return LoginLinks(self.database, self.pseudonyms)

    def passage(self, passage_id: str | None) -> Passage | None:
        """A passage of the corpus as indexed, None when it is not (or no longer) there."""
        engine = self.engine
        number = engine.passage_number(passage_id or "")
        return None if number is None else engine.corpus.passages[number]


def web_state(request: Request) -> WebState:
    """The state create_app stored."""
    state: WebState = request.app.state.web
    return state
