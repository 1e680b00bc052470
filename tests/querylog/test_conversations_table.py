"""Conversations in the log database (schema 4): found through their links, newest state wins, forgotten, purged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.querylog import QueryLog
from bot.querylog import conversations as stored
from bot.querylog.conversations import ConversationState as State
from bot.querylog.record import utc_now
from tests.querylog_helpers import PSEUDONYMS

ALICE, BOB = PSEUDONYMS.of(1), PSEUDONYMS.of(2)


async def test_a_newer_state_wins_whichever_worker_writes_last(log: QueryLog) -> None:
    now = utc_now()
    await stored.save(log.engine, [State("k1", ALICE, now, '{"n": 2}', ("m1", "r1"))])
    await stored.save(log.engine, [State("k1", ALICE, now - timedelta(seconds=5), '{"n": 1}', ("m0",))])
    found = {row.link: row for row in await stored.find(log.engine, ["k1", "m1", "r1", "m0", "nowhere"])}
    assert set(found) == {"k1", "m1", "r1", "m0"}
    assert {row.state for row in found.values()} == {'{"n": 2}'} and found["m1"].reader == ALICE


async def test_forget_deletes_the_reader_s_conversations_and_purge_the_idle_ones(log: QueryLog) -> None:
    now = utc_now()
    await stored.save(
        log.engine,
        [
            State("alice", ALICE, now, "{}", ("a-message",)),
            State("bob", BOB, now, "{}", ("b-message",)),
            State("old", BOB, now - timedelta(hours=2), "{}", ("o-message",)),
        ],
    )
    await stored.forget_reader(log.engine, ALICE)
    await stored.purge(log.engine, now - timedelta(hours=1))
    async with log.engine.connect() as connection:
        keys = (await connection.execute(text("SELECT key FROM conversations"))).scalars().all()
        links = (await connection.execute(text("SELECT link FROM conversation_links"))).scalars().all()
    assert keys == ["bob"] and sorted(links) == ["b-message", "bob"]


async def test_one_write_of_many_states_gives_a_name_to_the_newest(log: QueryLog) -> None:
    now = utc_now()
    await stored.save(
        log.engine,
        [
            State("thread-2", ALICE, now, '{"n": 2}', ("alice-in-group",)),
            State("thread-1", ALICE, now - timedelta(seconds=5), '{"n": 1}', ("alice-in-group", "m1")),
        ],
    )
    found = {row.link: row.key for row in await stored.find(log.engine, ["alice-in-group", "m1"])}
    assert found == {"alice-in-group": "thread-2", "m1": "thread-1"}
