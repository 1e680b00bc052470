"""Readers' conversations in the log database, so every webhook worker can answer the next follow-up question.

A conversation is stored as its JSON state under a key (a keyed hash, never a Telegram id), and found through
links: other keyed names for it (a message of its thread, a reader's latest question in a group). A newer
state always wins over an older one, whichever worker writes last; rows idle for longer than a conversation
lives are purged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.querylog.engine import reading
from bot.querylog.record import check_pseudonym, clean_text
from bot.querylog.schema import conversation_links, conversations

_c, _l = conversations.c, conversation_links.c


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """What a link leads to: the conversation's key, its state, and when the link and the state were written."""

    link: str
    key: str
    reader: str
    linked_at: datetime
    updated_at: datetime
    state: str


async def find(engine: AsyncEngine, links: Sequence[str]) -> list[StoredConversation]:
    """The conversations these links lead to (in no particular order; a link may lead nowhere)."""
    statement = (
        select(_l.link, _l.updated_at.label("linked_at"), _c.key, _c.reader, _c.updated_at, _c.state)
        .join(conversations, _c.key == _l.conversation)
        .where(_l.link.in_(list(links)))
    )
    async with reading(engine).connect() as connection:
        rows = (await connection.execute(statement)).mappings()
        return [
            StoredConversation(r["link"], r["key"], r["reader"], r["linked_at"], r["updated_at"], r["state"])
            for r in rows
        ]


@dataclass(frozen=True, slots=True)
class ConversationState:
    """A conversation's state to store under its key, and the other names (links) it is to be found under."""

    key: str
    reader: str
    updated_at: datetime
    state: str
    links: tuple[str, ...] = ()


async def save(engine: AsyncEngine, states: Sequence[ConversationState]) -> None:
    """Store every state unless a newer one is there already, and point its links (and key) at it.

    One transaction for them all: a busy bot writes the conversations of many questions in one commit. A
    name in several states goes to the newest.
    """
    if not states:
        return
    for state in states:
        check_pseudonym(state.reader)
    rows = [
        {"key": s.key, "reader": s.reader, "updated_at": s.updated_at, "state": clean_text(s.state)} for s in states
    ]
    links = {
        name: {"link": name, "conversation": s.key, "updated_at": s.updated_at}
        for s in sorted(states, key=lambda s: s.updated_at)
        for name in (s.key, *s.links)
    }
    async with engine.begin() as connection:
        insert = _insert(connection)
        statement = insert(conversations)
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=[_c.key],
                set_={"state": statement.excluded.state, "updated_at": statement.excluded.updated_at},
                where=_c.updated_at <= statement.excluded.updated_at,
            ),
            rows,
        )
        link_rows = insert(conversation_links)
        await connection.execute(
            link_rows.on_conflict_do_update(
                index_elements=[_l.link],
                set_={"conversation": link_rows.excluded.conversation, "updated_at": link_rows.excluded.updated_at},
                where=_l.updated_at <= link_rows.excluded.updated_at,
            ),
            list(links.values()),
        )


async def drop(engine: AsyncEngine, keys: Sequence[str] = (), links: Sequence[str] = ()) -> None:
    """Delete conversations (with every link to them) and single links."""
    async with engine.begin() as connection:
        if keys:
            await connection.execute(delete(conversation_links).where(_l.conversation.in_(list(keys))))
            await connection.execute(delete(conversations).where(_c.key.in_(list(keys))))
        if links:
            await connection.execute(delete(conversation_links).where(_l.link.in_(list(links))))


async def forget_reader(engine: AsyncEngine, reader: str) -> None:
    """/forget: delete the conversations this reader started."""
    check_pseudonym(reader)
    async with engine.begin() as connection:
        started = select(_c.key).where(_c.reader == reader)
        await connection.execute(delete(conversation_links).where(_l.conversation.in_(started)))
        await connection.execute(delete(conversations).where(_c.reader == reader))


async def purge(engine: AsyncEngine, cutoff: datetime) -> None:
    """Delete conversations and links not used since `cutoff`."""
    async with engine.begin() as connection:
        await connection.execute(delete(conversation_links).where(_l.updated_at < cutoff))
        stale = select(_c.key).where(_c.updated_at < cutoff)
        await connection.execute(delete(conversation_links).where(_l.conversation.in_(stale)))
        await connection.execute(delete(conversations).where(_c.updated_at < cutoff))


def _insert(connection: AsyncConnection) -> Any:
    """INSERT ... ON CONFLICT in the connection's dialect (both have it with the same arguments)."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
