"""One-time login links from the bot's /web command: signed, bound to one moderator, valid ten minutes,
and usable once even with several workers, because each link's nonce is stored (hashed) in the database
and spent by a single conditional UPDATE."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.querylog.pseudonym import ReaderPseudonyms
from bot.querylog.record import check_pseudonym, utc_now
from bot.querylog.schema import web_login_links

LINK_LIFETIME = timedelta(minutes=10)
LOGIN_PATH = "/login"
_SALT = "quotebot-web-login"
_c = web_login_links.c


def token_hash(value: str) -> str:
    """What is stored of a secret token: its SHA-256, so a leaked table opens nothing."""
    return hashlib.sha256(value.encode()).hexdigest()


class LoginLinks:
    """Issues and redeems login links under a key derived from the log's pseudonym secret."""

    def __init__(self, database: AsyncEngine, pseudonyms: ReaderPseudonyms) -> None:
        self._database = database
        self._serializer = URLSafeTimedSerializer(pseudonyms.derive_key("web-login"), salt=_SALT)

    async def issue(self, moderator: str, web_url: str, now: datetime | None = None) -> str:
        """A fresh link for `moderator` (a pseudonym) to the inbox at `web_url`; spent links are cleared out."""
        check_pseudonym(moderator)
        now = now or utc_now()
        nonce = secrets.token_urlsafe(24)
        async with self._database.begin() as connection:
            await connection.execute(delete(web_login_links).where(_c.expires_at < now - LINK_LIFETIME))
            await connection.execute(
                insert(web_login_links).values(
                    nonce_hash=token_hash(nonce), moderator=moderator, expires_at=now + LINK_LIFETIME
                )
            )
        token = self._serializer.dumps({"m": moderator, "n": nonce})
        return f"{web_url}{LOGIN_PATH}?token={token}"

    async def redeem(self, token: str, now: datetime | None = None) -> str | None:
        """The moderator a valid, unexpired, unused link was issued to, spending it; None otherwise."""
        try:
            payload = self._serializer.loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
        except BadData:
            return None
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("m"), str)
            or not isinstance(payload.get("n"), str)
        ):
            return None
        now = now or utc_now()
        async with self._database.begin() as connection:
            spent = await connection.execute(
                update(web_login_links)
                .where(
                    _c.nonce_hash == token_hash(payload["n"]),
                    _c.moderator == payload["m"],
                    _c.used_at.is_(None),
                    _c.expires_at > now,
                )
                .values(used_at=now)
            )
        return payload["m"] if spent.rowcount == 1 else None
