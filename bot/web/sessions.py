"""Web sessions kept in the database: the cookie carries a random id, the table its hash, the moderator
and the session's CSRF token, so any worker can check a session and a logout ends it everywhere."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.querylog.engine import reading
from bot.querylog.record import utc_now
from bot.querylog.schema import web_sessions
from bot.web.login_links import token_hash

_c = web_sessions.c


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in moderator (their pseudonym) and the token every form they send must carry."""

    moderator: str
    csrf_token: str
    expires_at: datetime


async def open_session(
    database: AsyncEngine, moderator: str, hours: int, now: datetime | None = None
) -> tuple[str, Session]:
    """Start a session and return the cookie value with it; expired sessions are cleared out."""
    now = now or utc_now()
    cookie = secrets.token_urlsafe(32)
    session = Session(moderator, secrets.token_urlsafe(32), now + timedelta(hours=hours))
    async with database.begin() as connection:
        await connection.execute(delete(web_sessions).where(_c.expires_at < now))
        await connection.execute(
            insert(web_sessions).values(
                id_hash=token_hash(cookie),
                moderator=moderator,
                csrf_token=session.csrf_token,
                created_at=now,
                expires_at=session.expires_at,
            )
        )
    return cookie, session


async def find_session(database: AsyncEngine, cookie: str, now: datetime | None = None) -> Session | None:
    """The unexpired session a cookie names, or None."""
    async with reading(database).connect() as connection:
        row = (
            await connection.execute(
                select(_c.moderator, _c.csrf_token, _c.expires_at).where(
                    _c.id_hash == token_hash(cookie), _c.expires_at > (now or utc_now())
                )
            )
        ).one_or_none()
    return None if row is None else Session(row.moderator, row.csrf_token, row.expires_at)


async def close_session(database: AsyncEngine, cookie: str) -> None:
    """Log out: the session stops working on every worker."""
    async with database.begin() as connection:
        await connection.execute(delete(web_sessions).where(_c.id_hash == token_hash(cookie)))
