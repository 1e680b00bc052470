"""Which conversation a Telegram message belongs to, and where conversations live: memory and the log database.

A private chat is one conversation. In a group, a reply to the bot's answer (or to the question it answered)
continues that answer's conversation, whoever writes it; any other message to the bot continues the same
reader's conversation if they asked within READER_WINDOW, else it starts a new one. More presses find the
conversation of the message they are under.

Conversations are kept in memory (bounded, least recently used first out) and written to the log database in
the background, so another webhook worker answers the next question with the same context; a question reads
the database first (waiting at most DATABASE_WAIT) and takes whichever copy is newer. One writer per bot
writes every state saved meanwhile in one transaction, so a busy bot commits once for many questions. Every
name stored is a keyed hash of Telegram ids, never an id; states idle for IDLE_SECONDS are forgotten here and
purged there.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Message
from telegram.constants import ChatType

from bot.answers.conversation import IDLE_SECONDS, Conversation
from bot.querylog import conversations as stored
from bot.querylog.database_url import describe_error
from bot.querylog.pseudonym import ReaderPseudonyms

logger = logging.getLogger(__name__)
T = TypeVar("T")
# In a group, the same reader's next message to the bot within this many seconds continues their conversation.
READER_WINDOW = 5 * 60
MEMORY_CONVERSATIONS = 10_000
MEMORY_LINKS = 50_000
# How long a question waits for the database's copy of its conversation before using this worker's.
DATABASE_WAIT = 1.0
# How long a background write (or a /new, a /forget) may take before it is given up.
WRITE_WAIT = 10.0
PURGE_EVERY = 10 * 60
_NAME_HEX = 32


@dataclass(frozen=True, slots=True)
class Lookup:
    """A name a conversation may be found under, and how old that name may be to count."""

    link: str
    max_age: float


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a message's conversation may be (best first), the key of a new one, and the names it adds."""

    lookups: tuple[Lookup, ...]
    new_key: str
    links: tuple[str, ...]


@dataclass(slots=True)
class Located:
    """A conversation, its key, and the pseudonym of the reader who started it (for /forget)."""

    key: str
    conversation: Conversation
    reader: str


class ConversationStore:
    """Every conversation of one running bot; `database` None keeps them in memory only."""

    def __init__(self, pseudonyms: ReaderPseudonyms, database: AsyncEngine | None, idle: float = IDLE_SECONDS):
        self._secret = pseudonyms.derive_key("conversations")
        self._database = database
        self._idle = idle
        self._conversations: OrderedDict[str, Located] = OrderedDict()
        self._links: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._pending: dict[str, stored.ConversationState] = {}
        self._writer: asyncio.Task[None] | None = None
        self._failing = False
        self._purged_at = 0.0

    def name(self, *parts: object) -> str:
        """A keyed hash of Telegram ids: stable for this bot's secret, meaningless without it."""
        text = ":".join(str(part) for part in parts)
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:_NAME_HEX]

    def thread_of(self, message: Message, user_id: int) -> Thread:
        """The conversation a question belongs to, by the rules in this module's docstring."""
        chat = message.chat.id
        if message.chat.type == ChatType.PRIVATE:
            key = self.name("private", chat)
            return Thread((Lookup(key, self._idle),), key, ())
        reader = self.name("reader", chat, user_id)
        replied = message.reply_to_message
        lookup = (
            Lookup(self.message_link(chat, replied.message_id), self._idle)
            if replied is not None
            else Lookup(reader, READER_WINDOW)
        )
        asked = self.message_link(chat, message.message_id)
        return Thread((lookup,), self.name("thread", chat, message.message_id), (asked, reader))

    def message_link(self, chat_id: int, message_id: int) -> str:
        return self.name("message", chat_id, message_id)

    def lookups_under(self, message: Message) -> tuple[Lookup, ...]:
        """Where the conversation of a bot message is, for a More press under it."""
        if message.chat.type == ChatType.PRIVATE:
            return (Lookup(self.name("private", message.chat.id), self._idle),)
        return (Lookup(self.message_link(message.chat.id, message.message_id), self._idle),)

    async def find(self, lookups: Sequence[Lookup]) -> Located | None:
        """The newest live copy of the conversation under the first lookup that leads to one."""
        now = time.time()
        from_database = await self._from_database(lookups)
        for lookup in lookups:
            copies = [copy for copy in (self._from_memory(lookup, now), from_database.get(lookup.link)) if copy]
            live = [copy for copy in copies if not copy.conversation.expired(now, self._idle)]
            if live:
                return max(live, key=lambda copy: copy.conversation.updated_at)
        return None

    async def locate(self, thread: Thread, reader: str) -> Located:
        """The thread's conversation, or a new one started by `reader`."""
        return await self.find(thread.lookups) or Located(thread.new_key, Conversation(), reader)

    def save(self, located: Located, links: Sequence[str] = ()) -> None:
        """Keep the conversation here at once and write it to the database in the background."""
        self._remember(located, links, time.time())
        if self._database is None:
            return
        conversation, earlier = located.conversation, self._pending.get(located.key)
        names = tuple(dict.fromkeys([*(earlier.links if earlier else ()), *links]))
        updated_at = datetime.fromtimestamp(conversation.updated_at, UTC)
        state = stored.ConversationState(located.key, located.reader, updated_at, conversation.to_json(), names)
        self._pending[located.key] = state
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(self._database))

    async def drop(self, keys: Sequence[str] = (), links: Sequence[str] = ()) -> None:
        """Forget conversations (and every name for them) and single names, here and in the database.

        Nothing pending for them is written, and the write on its way goes first, so none brings a dropped
        conversation back.
        """
        for key in keys:
            self._pending.pop(key, None)
        for key, state in self._pending.items():
            self._pending[key] = replace(state, links=tuple(name for name in state.links if name not in links))
        await self.close()
        for key in keys:
            self._conversations.pop(key, None)
        for link in [*links, *(link for link, (key, _) in self._links.items() if key in keys)]:
            self._links.pop(link, None)
        if self._database is not None:
            await self._guarded(stored.drop(self._database, keys, links), WRITE_WAIT)

    async def forget_reader(self, reader: str) -> None:
        """/forget: every conversation the reader started goes."""
        await self.drop([key for key, located in self._conversations.items() if located.reader == reader])
        if self._database is not None:
            await self._guarded(stored.forget_reader(self._database, reader), WRITE_WAIT)

    async def close(self) -> None:
        """Let the writes already asked for finish."""
        if self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer}, timeout=WRITE_WAIT)

    def _from_memory(self, lookup: Lookup, now: float) -> Located | None:
        linked = self._links.get(lookup.link)
        if linked is None or now - linked[1] > lookup.max_age:
            return None
        return self._conversations.get(linked[0])

    async def _from_database(self, lookups: Sequence[Lookup]) -> dict[str, Located]:
        """The database's copies, by the link they were found under, where that link is young enough."""
        if self._database is None:
            return {}
        rows = await self._guarded(stored.find(self._database, [lookup.link for lookup in lookups]), DATABASE_WAIT)
        max_ages = {lookup.link: lookup.max_age for lookup in lookups}
        now = time.time()
        found = {}
        for row in rows or []:
            conversation = Conversation.from_json(row.state)
            if conversation is not None and now - row.linked_at.timestamp() <= max_ages[row.link]:
                found[row.link] = Located(row.key, conversation, row.reader)
        return found

    def _remember(self, located: Located, links: Sequence[str], now: float) -> None:
        self._conversations[located.key] = located
        self._conversations.move_to_end(located.key)
        for link in (located.key, *links):
            self._links[link] = (located.key, now)
            self._links.move_to_end(link)
        while len(self._conversations) > MEMORY_CONVERSATIONS:
            self._conversations.popitem(last=False)
        while len(self._links) > MEMORY_LINKS:
            self._links.popitem(last=False)

    async def _write_pending(self, database: AsyncEngine) -> None:
        """Write everything pending in one transaction, and again while more was saved meanwhile; purge now and then."""
        while self._pending:
            batch, self._pending = list(self._pending.values()), {}
            await self._guarded(stored.save(database, batch), WRITE_WAIT)
            if time.time() - self._purged_at > PURGE_EVERY:
                self._purged_at = time.time()
                cutoff = datetime.fromtimestamp(self._purged_at - self._idle, UTC)
                await self._guarded(stored.purge(database, cutoff), WRITE_WAIT)

    async def _guarded(self, operation: Awaitable[T], timeout: float) -> T | None:
        """Run a database operation; an outage is logged once and the conversations live on in memory."""
        try:
            result = await asyncio.wait_for(operation, timeout=timeout)
        except Exception as error:
            if not self._failing:
                logger.warning("conversations: database unavailable (%s); kept in memory", describe_error(error))
            self._failing = True
            return None
        if self._failing:
            logger.info("conversations: database available again")
        self._failing = False
        return result
