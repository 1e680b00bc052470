"""Time the moderators' inbox on a log of 10,000 questions: inbox views, filters, search, a deep page,
a question's page, the dashboard and an export, each through the real app (routing, session check,
queries, templates), beside two baselines from the same run: /healthz (the framework alone) and the
CLI's query for the newest 50 records (the database alone).

    .venv/bin/python bench/web_inbox.py                       # SQLite in a temporary folder
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/web_inbox.py  # PostgreSQL
    .venv/bin/python bench/web_inbox.py --keep /tmp/demo     # keep the filled SQLite log (for screenshots)

With DATABASE_URL the bench makes (and afterwards drops) a database of its own on that server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bot.querylog import reads
from bot.querylog.database_url import to_async_url
from bot.querylog.engine import create_log_engine
from bot.querylog.migrations import migrate
from bot.querylog.ops import Insert, Review, SetFeedback
from bot.querylog.pseudonym import ReaderPseudonyms
from bot.querylog.record import Candidate, Channel, QueryRecord, ReviewStatus, Vote, utc_now
from bot.querylog.record_id import new_record_id
from bot.querylog.taught_sync import TaughtSync
from bot.querylog.writes import apply_ops
from bot.web.app import create_app
from bot.web.state import WebState
from corpus import load_corpus
from retrieval.engine import AnswerEngine
from retrieval.eval_sets import read_questions_jsonl

REPOSITORY = Path(__file__).resolve().parent.parent
RECORDS = 10_000
REPEATS = 15
PSEUDONYMS = ReaderPseudonyms(b"bench-secret")
MODERATOR = 1001


def _questions() -> list[str]:
    """Our dev questions and the rewordings written for teaching: what readers of the seed article ask."""
    data = REPOSITORY / "tests" / "data"
    questions = [q.text for q in read_questions_jsonl(data / "seed_dev_questions.jsonl")]
    for line in (data / "taught_rewordings.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["corpus"] == "seeds":
            questions += [item["lesson"], *item["rewordings"]] if "lesson" in item else item["keep"]
    return questions


async def _fill(url: str, engine_over_seeds: AnswerEngine) -> None:
    database = create_log_engine(to_async_url(url))
    await migrate(database)
    rng = random.Random(15)
    questions = _questions()
    now = utc_now()
    ops: list[Insert | SetFeedback | Review] = []
    answers = {q: engine_over_seeds.answer(q, top=5) for q in set(questions)}
    for n in range(RECORDS):
        question = rng.choice(questions)
        answer = answers[question]
        best = answer.results[0] if answer.answered else None
        record = QueryRecord(
            channel=rng.choice(list(Channel)),
            reader=PSEUDONYMS.of(rng.randrange(800)),
            chat_type="private",
            question=question,
            answered=answer.answered,
            passage_id=best.passage.passage_id if best else None,
            score=best.score if best else None,
            quote=best.quote if best else None,
            latency_ms=rng.randrange(1, 60) if n % 50 else rng.randrange(200, 900),
            created_at=now - timedelta(minutes=n * 9),
            coverage=answer.results[0].coverage if answer.results else None,
            candidates=tuple(Candidate(r.passage.passage_id, r.score, r.coverage) for r in answer.results),
        )
        ops.append(Insert(record))
        if rng.random() < 0.1:
            ops.append(SetFeedback(new_record_id(), record.id, record.reader, rng.choice(list(Vote))))
        if rng.random() < 0.05:
            ops.append(Review(new_record_id(), record.id, rng.choice([ReviewStatus.OK, ReviewStatus.FLAGGED]), None))
    for start in range(0, len(ops), 2000):
        await apply_ops(database, ops[start : start + 2000])
    await database.dispose()


async def _time(call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    await call()
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


async def _bench(url: str, engine: AnswerEngine) -> None:
    database = create_log_engine(to_async_url(url))
    state = WebState(
        database=database,
        engine=engine,
        pseudonyms=PSEUDONYMS,
        moderators=frozenset({PSEUDONYMS.of(MODERATOR)}),
        session_hours=1,
        secure_cookies=False,
        lessons=TaughtSync(database, lambda: engine),
    )
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await client.get(await state.login_links.issue(PSEUDONYMS.of(MODERATOR), "http://bench"))
        [newest] = await reads.newest(database, reads.EVERYTHING, 1, None)
        today = utc_now().date()

        async def get(path: str, **params: str) -> None:
            response = await client.get(path, params=params)
            assert response.status_code == 200, (path, response.status_code)

        async def cli_newest() -> None:
            await reads.newest(database, reads.EVERYTHING, 50, None)

        cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("baseline: /healthz (framework only)", lambda: get("/healthz")),
            ("baseline: CLI query, newest 50", cli_newest),
            ("inbox, all", lambda: get("/")),
            ("inbox, unanswered", lambda: get("/", view="unanswered")),
            ("inbox, low confidence", lambda: get("/", view="low")),
            ("inbox, 👎", lambda: get("/", view="disliked")),
            ("inbox, flagged", lambda: get("/", view="flagged")),
            ("inbox, not reviewed + group", lambda: get("/", reviewed="no", channel="group")),
            ("inbox, last 7 days", lambda: get("/", **{"from": (today - timedelta(days=6)).isoformat()})),
            ("inbox, search 'putin'", lambda: get("/", q="putin")),
            ("inbox, page 150", lambda: get("/", page="150")),
            ("question page", lambda: get(f"/q/{newest.id}")),
            ("dashboard, 30 days", lambda: get("/dashboard")),
            ("dashboard, 90 days", lambda: get("/dashboard", **{"from": (today - timedelta(days=89)).isoformat()})),
            ("export CSV, unanswered", lambda: get("/export.csv", view="unanswered")),
        ]
        print(f"{'request':<38}{'median ms':>10}{'max ms':>9}")
        for name, call in cases:
            median, worst = await _time(call)
            print(f"{name:<38}{median:>10.1f}{worst:>9.1f}")
    await database.dispose()


async def _main(keep: Path | None) -> None:
    engine = AnswerEngine(load_corpus(REPOSITORY / "seeds"))
    server = os.environ.get("DATABASE_URL")
    if server:
        parts = make_url(server)
        name = f"quotebot_bench_{secrets.token_hex(4)}"
        admin = await asyncpg.connect(
            host=parts.host, port=parts.port or 5432, user=parts.username, database=parts.database
        )
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = parts.set(database=name).render_as_string(hide_password=False)
        try:
            await _run(url, engine, "PostgreSQL")
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()
        return
    folder = keep or Path(tempfile.mkdtemp(prefix="quotebot-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    await _run(f"sqlite:///{folder / 'querylog.sqlite3'}", engine, "SQLite")
    if keep:
        print(f"kept the log in {folder}; moderator id {MODERATOR}, secret 'bench-secret'")


async def _run(url: str, engine: AnswerEngine, label: str) -> None:
    started = time.perf_counter()
    await _fill(url, engine)
    print(f"{label}: {RECORDS:,} logged questions written in {time.perf_counter() - started:.1f} s")
    await _bench(url, engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="folder to keep the filled SQLite log in")
    asyncio.run(_main(parser.parse_args().keep))
