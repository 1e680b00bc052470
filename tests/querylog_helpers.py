"""Helpers shared by the query-log tests: records as the bot makes them, databases, a TCP proxy."""

import asyncio
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.querylog import (
    Channel,
    LogSettings,
    QueryRecord,
    ReaderPseudonyms,
    WriterTuning,
)
from bot.querylog.database_url import to_async_url
from bot.querylog.record import utc_now

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
SECRET = "test-secret"
FAST = WriterTuning(batch_delay=0.01, first_retry_delay=0.05, max_retry_delay=0.3)
PSEUDONYMS = ReaderPseudonyms(SECRET.encode())


@dataclass(frozen=True)
class Backend:
    """A database the log can use, named by the plain URL a person would put in DATABASE_URL."""

    name: str
    url: str


def pg_url(database: str, port: int = PG_PORT) -> str:
    """The PostgreSQL URL as a person writes it (no driver)."""
    return f"postgresql://{PG_USER}@{PG_HOST}:{port}/{database}"


def settings_for(url: str, data_dir: Path, retention_days: int = 90) -> LogSettings:
    return LogSettings(data_dir=data_dir, database_url=to_async_url(url), retention_days=retention_days, secret=SECRET)


def make_record(
    user_id: int = 1,
    question: str = "Who founded the city?",
    answered: bool = True,
    *,
    channel: Channel = Channel.PRIVATE,
    chat_type: str = "private",
    score: float | None = 7.25,
    latency_ms: int | None = 42,
    created_at: datetime | None = None,
) -> QueryRecord:
    """A record as the bot would submit it for Telegram user `user_id`."""
    when = {} if created_at is None else {"created_at": created_at}
    return QueryRecord(
        channel=channel,
        reader=PSEUDONYMS.of(user_id),
        chat_type=chat_type,
        question=question,
        answered=answered,
        passage_id="000_f1d616dfc469d761#3" if answered else None,
        score=score if answered else None,
        quote="The city was founded in 1703." if answered else None,
        latency_ms=latency_ms,
        **when,
    )


def ago(**delta: float) -> datetime:
    """An aware UTC time `delta` before now."""
    return utc_now() - timedelta(**delta)


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TcpProxy:
    """Forwards a loopback port to PostgreSQL; stop() is an outage, start() ends it."""

    def __init__(self, target_port: int = PG_PORT) -> None:
        self.port = free_port()
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a network outage would."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(PG_HOST, self._target_port)
        except OSError:
            client_writer.transport.abort()
            return
        pair = (client_writer, upstream_writer)
        self._writers.update(pair)
        await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))
        self._writers.difference_update(pair)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
