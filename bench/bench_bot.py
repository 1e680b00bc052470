"""Bot throughput: simulated readers send questions through the Bot API emulator to the real Application.

Two bots run against the same emulator in the same process, one after the other:
  echo      a bare python-telegram-bot Application whose handler replies with the text it got (the
            baseline: what polling, HTTP and python-telegram-bot cost on this machine);
  quotebot  the real Application (build_application) over seeds/ (or --corpus, through its saved index
            as `quotebot run` opens it; then the questions are SQuAD's), with its query log in SQLite.
For each: `--readers` readers send `--questions` questions each, all injected at once, and the clock runs
until every reply has reached the emulator (answered updates per second); then `--sequential` single
questions are sent one at a time, timing inject → reply (p50/p90). The latency quotebot adds per answer
is its p50 minus echo's.

Run:  python bench/bench_bot.py [--readers 50] [--questions 20] [--sequential 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from bot.querylog import LogSettings, QueryLog  # noqa: E402
from bot.querylog.database_url import to_async_url  # noqa: E402
from retrieval.engine import AnswerEngine  # noqa: E402
from retrieval.search_index import index_directory, load_or_build  # noqa: E402
from tests.telegram_bot import bot_settings, running_quotebot  # noqa: E402
from tests.telegram_emulator import TelegramEmulator  # noqa: E402

QUESTIONS = [
    "What were Putin's three demands?",
    "Which region did Russia annex?",
    "What did Macron tell French television?",
    "What is the capital of Australia?",
]


def squad_questions() -> list[str]:
    """SQuAD's questions, for a corpus made from its paragraphs (bench/bench_answer_path.py writes them)."""
    data = json.loads((REPOSITORY.parent / "shared" / "eval" / "squad-v1.1-dev-even.json").read_text())
    return [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the question itself: the cheapest possible bot."""
    await update.effective_message.reply_text(update.effective_message.text)


@asynccontextmanager
async def echo_bot(emulator: TelegramEmulator) -> AsyncIterator[None]:
    application = ApplicationBuilder().token(emulator.token).base_url(emulator.base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await application.start()
        yield
        await application.updater.stop()
        await application.stop()


@asynccontextmanager
async def quotebot(emulator: TelegramEmulator, data_dir: Path, corpus_root: Path) -> AsyncIterator[None]:
    corpus, index = load_or_build(corpus_root, save=index_directory(corpus_root).exists())
    engine = AnswerEngine(corpus, index=index)
    url = to_async_url(f"sqlite:///{data_dir / 'log.sqlite3'}")
    log = await QueryLog.start(LogSettings(data_dir=data_dir, database_url=url, retention_days=90, secret="bench"))
    settings = bot_settings(emulator, corpus=corpus_root, rate_limit_per_minute=10**6)
    try:
        async with running_quotebot(emulator, engine, log, settings, data_dir=data_dir):
            yield
    finally:
        await log.close()


async def measure(
    emulator: TelegramEmulator, readers: int, per_reader: int, sequential: int, questions: list[str]
) -> tuple[float, list[float]]:
    await emulator.wait_for_long_poll(timeout=30)
    started = time.perf_counter()
    for n in range(per_reader):
        for reader in range(readers):
            emulator.send_text(questions[(n * readers + reader) % len(questions)], user_id=10_000 + reader)
    for _ in range(readers * per_reader):
        await emulator.wait_for("sendMessage", timeout=120)
    throughput = readers * per_reader / (time.perf_counter() - started)
    latencies = []
    for n in range(sequential):
        sent = time.perf_counter()
        emulator.send_text(questions[n % len(questions)], user_id=99)
        await emulator.wait_for("sendMessage", timeout=30)
        latencies.append((time.perf_counter() - sent) * 1000)
    return throughput, latencies


async def run(readers: int, per_reader: int, sequential: int, corpus_root: Path) -> None:
    rows = []
    bots: list[tuple[str, Callable[[TelegramEmulator, Path], Any]]] = [
        ("echo (baseline)", lambda emulator, _: echo_bot(emulator)),
        ("quotebot", lambda emulator, data_dir: quotebot(emulator, data_dir, corpus_root)),
    ]
    questions = QUESTIONS if corpus_root == REPOSITORY / "seeds" else squad_questions()
    for name, start in bots:
        with TelegramEmulator() as emulator, tempfile.TemporaryDirectory() as data_dir:
            async with start(emulator, Path(data_dir)):
                throughput, latencies = await measure(emulator, readers, per_reader, sequential, questions)
        deciles = statistics.quantiles(latencies, n=10)
        rows.append((name, throughput, statistics.median(latencies), deciles[8]))
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"corpus {corpus_root}: {readers} readers x {per_reader} questions at once; {sequential} sequential\n")
    print("| bot | answered updates/s | reply latency p50 ms | p90 ms |")
    print("|---|---:|---:|---:|")
    for name, throughput, p50, p90 in rows:
        print(f"| {name} | {throughput:.0f} | {p50:.1f} | {p90:.1f} |")
    added = rows[1][2] - rows[0][2]
    print(f"\nlatency quotebot adds per answer (p50 difference): {added:.1f} ms")


def main() -> None:
    # These figures are of BM25 and the second stage at scale; embedding 100k passages would take hours.
    os.environ["QUOTEBOT_SEMANTIC"] = "off"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per reader")
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--corpus", type=Path, default=REPOSITORY / "seeds", help="default: seeds/")
    args = parser.parse_args()
    asyncio.run(run(args.readers, args.questions, args.sequential, args.corpus))


if __name__ == "__main__":
    main()
