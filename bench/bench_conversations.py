"""Conversations in the log database under load: the real bot, readers asking two-turn dialogues in groups.

Every question reads its conversation from the database (a question waits at most DATABASE_WAIT for it, then
answers with this worker's copy) and writes it back in the background, beside the query log's own writes. Two
bots run against the emulator in the same process, one after the other, with the query log in the same kind of
database:
  memory only   conversations kept in this process alone (the baseline: what the bot costs without them)
  database      conversations also in the database, as `quotebot run` keeps them for webhook workers
For each: `--readers` readers, each in their own group, ask `--questions` questions with /ask, all injected at
once (a first question, then follow-ups); the clock runs until every reply has reached the emulator. Printed:
answered questions per second, and for the database row how long conversation reads took, how many were given
up after DATABASE_WAIT (those questions lose their context on another worker), and how many write transactions
the conversations took and how long each took.

Run:  python bench/bench_conversations.py [--readers 100] [--questions 4] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

import bot.telegram.app as telegram_app  # noqa: E402
from bot.querylog import LogSettings, QueryLog  # noqa: E402
from bot.querylog import conversations as stored  # noqa: E402
from bot.querylog.database_url import to_async_url  # noqa: E402
from bot.telegram.conversations import DATABASE_WAIT, ConversationStore  # noqa: E402
from retrieval.engine import AnswerEngine  # noqa: E402
from retrieval.search_index import load_or_build  # noqa: E402
from tests.telegram_bot import bot_settings, running_quotebot  # noqa: E402
from tests.telegram_emulator import TelegramEmulator  # noqa: E402

DIALOGUE = [
    "What were Putin's three demands?",
    "When did he say that?",
    "What else?",
    "Which region did Russia annex?",
    "And in 2014?",
    "What did Macron say about NATO?",
]
GROUP = -1002000000000


class Timings:
    """How long each call of a database operation took, and how many were cut off by their caller's timeout."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.cut_off = 0

    def wrap(self, operation: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await operation(*args, **kwargs)
            except asyncio.CancelledError:
                self.cut_off += 1
                raise
            finally:
                self.seconds.append(time.perf_counter() - started)

        return timed

    def summary(self) -> str:
        if not self.seconds:
            return "–"
        ms = sorted(1000 * s for s in self.seconds)
        p90 = ms[int(0.9 * (len(ms) - 1))]
        return f"{statistics.median(ms):.0f} / {p90:.0f} / {ms[-1]:.0f}"


@asynccontextmanager
async def quotebot(
    emulator: TelegramEmulator, data_dir: Path, url: str, in_database: bool, engine: AnswerEngine
) -> AsyncIterator[None]:
    log = await QueryLog.start(
        LogSettings(data_dir=data_dir, database_url=to_async_url(url), retention_days=90, secret="bench")
    )
    settings = bot_settings(emulator, rate_limit_per_minute=10**6)
    # The store is chosen when the application is built, at the start of running_quotebot.
    store = ConversationStore if in_database else lambda pseudonyms, _database: ConversationStore(pseudonyms, None)
    telegram_app.ConversationStore = store  # type: ignore[misc,assignment]
    try:
        async with running_quotebot(emulator, engine, log, settings, data_dir=data_dir):
            yield
    finally:
        telegram_app.ConversationStore = ConversationStore  # type: ignore[misc]
        await log.close()


async def measure(emulator: TelegramEmulator, readers: int, per_reader: int) -> float:
    await emulator.wait_for_long_poll(timeout=30)
    started = time.perf_counter()
    for number in range(per_reader):
        for reader in range(readers):
            question = DIALOGUE[(reader + number) % len(DIALOGUE)] if number else DIALOGUE[0]
            emulator.send_text(
                f"/ask {question}", user_id=60_000 + reader, chat_id=GROUP - reader, chat_type="supergroup"
            )
    for _ in range(readers * per_reader):
        await emulator.wait_for("sendMessage", timeout=300)
    return readers * per_reader / (time.perf_counter() - started)


async def run(readers: int, per_reader: int, postgres: str | None) -> None:
    corpus, index = load_or_build(REPOSITORY / "seeds", save=False)
    engine = AnswerEngine(corpus, index=index)
    databases = [("SQLite", None)] + ([("PostgreSQL", postgres)] if postgres else [])
    rows = []
    original_find, original_save = stored.find, stored.save
    for database, given_url in databases:
        for in_database in (False, True):
            reads, writes = Timings(), Timings()
            stored.find, stored.save = reads.wrap(original_find), writes.wrap(original_save)  # type: ignore[assignment]
            with TelegramEmulator() as emulator, tempfile.TemporaryDirectory() as folder:
                async with (
                    fresh_postgres(given_url) if given_url else nullcontext(f"sqlite:///{folder}/log.sqlite3") as url,
                    quotebot(emulator, Path(folder), url, in_database, engine),
                ):
                    throughput = await measure(emulator, readers, per_reader)
            stored.find, stored.save = original_find, original_save  # type: ignore[assignment]
            name = f"{database}, conversations {'in the database' if in_database else 'in memory only (baseline)'}"
            rows.append((name, throughput, reads, writes))
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{readers} readers in their own groups x {per_reader} questions, all at once\n")
    print(
        f"| bot | answered/s | reads p50 / p90 / max ms | reads given up (> {DATABASE_WAIT:.0f} s) "
        "| write transactions | their p50 / p90 / max ms |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, throughput, reads, writes in rows:
        given_up = f"{reads.cut_off} of {len(reads.seconds)}" if reads.seconds else "–"
        commits = str(len(writes.seconds)) if writes.seconds else "–"
        print(f"| {name} | {throughput:.1f} | {reads.summary()} | {given_up} | {commits} | {writes.summary()} |")


@asynccontextmanager
async def fresh_postgres(server: str) -> AsyncIterator[str]:
    """A new, empty database on `server`'s PostgreSQL (as a fresh SQLite file is), dropped afterwards."""
    import asyncpg

    name = f"bench_conversations_{secrets.token_hex(4)}"
    url = make_url(server)
    connection = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--questions", type=int, default=4, help="questions per reader")
    parser.add_argument("--postgres", help="also run on this PostgreSQL server (in a new database, dropped after)")
    args = parser.parse_args()
    asyncio.run(run(args.readers, args.questions, args.postgres))


if __name__ == "__main__":
    main()
