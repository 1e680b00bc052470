"""A running `quotebot web` follows the corpus folder as the bot does: a source added while it runs shows
on its corpus pages and can be taught; a deleted one is gone. No restart."""

from __future__ import annotations

import asyncio
import html
import signal
import time
from pathlib import Path

import httpx

from bot.querylog import QueryLog
from bot.querylog import taught as taught_store
from bot.web.login_links import LoginLinks
from tests.querylog_helpers import FAST, PSEUDONYMS, free_port, make_record, settings_for
from tests.web.conftest import MODERATOR
from tests.web.web_process import start_web, until_serving

FERRY = "title: Ferry news\ndate: 2023-03-06\n\nThe island ferry resumed service on Monday after the storm.\n"
TRAM = (
    "---\ntitle: Tram line extended\ndate: 2024-03-20\n---\n"
    "The tram line will reach the airport by 2026, the transport authority said.\n"
)
TRAM_QUESTION = "When will the tram reach the airport?"
TRAM_PASSAGE = "tram#p1"


async def _page_until(client: httpx.AsyncClient, path: str, shows: bool, words: str, seconds: float = 20) -> str:
    """GET `path` until its text shows (or, with shows=False, no longer shows) `words`."""
    deadline = time.monotonic() + seconds
    while True:
        text = html.unescape((await client.get(path)).text)
        if (words in text) == shows or time.monotonic() > deadline:
            return text
        await asyncio.sleep(0.3)


async def test_a_source_added_while_the_inbox_runs_is_listed_and_can_be_taught(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    database = tmp_path / "log.sqlite3"
    log = await QueryLog.start(settings_for(f"sqlite:///{database}", tmp_path / "bot-data"), FAST)
    record_id = log.submit(make_record(question=TRAM_QUESTION, answered=False))
    await log.flush()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_web(database, port, tmp_path / "web-data", "--corpus", str(folder))
    try:
        await until_serving(web, base)
        link = await LoginLinks(log.engine, PSEUDONYMS).issue(PSEUDONYMS.of(MODERATOR), base)
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get(link)).status_code == 200
            assert "1 documents, 1 passages" in html.unescape((await client.get("/corpus")).text)

            (folder / "tram.md").write_text(TRAM)
            listing = await _page_until(client, "/corpus", shows=True, words="Tram line extended")
            assert "Tram line extended" in listing and "2 documents, 2 passages" in listing
            document = html.unescape((await client.get("/corpus/tram")).text)
            assert "The tram line will reach the airport by 2026" in document

            question = await client.get(f"/q/{record_id}", params={"search": "tram airport"})
            assert f'value="{TRAM_PASSAGE}"' in question.text
            csrf = question.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            taught = await client.post(f"/q/{record_id}/teach", data={"csrf": csrf, "passage_id": TRAM_PASSAGE})
            assert taught.status_code == 303
            assert [lesson.passage_id for lesson in await taught_store.listing(log.engine)] == [TRAM_PASSAGE]

            (folder / "tram.md").unlink()
            gone = await _page_until(client, "/corpus", shows=False, words="Tram line extended")
            assert "Tram line extended" not in gone and "1 documents, 1 passages" in gone
            assert (await client.get("/corpus/tram")).status_code == 404
    finally:
        await log.close()
        web.send_signal(signal.SIGTERM)
        _, stderr = web.communicate(timeout=15)
    assert web.returncode == 0, stderr
    assert "corpus reloaded" in stderr and "Traceback" not in stderr


async def test_with_watching_off_sighup_reloads_the_inbox(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text(FERRY)
    database = tmp_path / "log.sqlite3"
    log = await QueryLog.start(settings_for(f"sqlite:///{database}", tmp_path / "bot-data"), FAST)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_web(database, port, tmp_path / "web-data", "--corpus", str(folder), QUOTEBOT_WATCH="off")
    try:
        await until_serving(web, base)
        link = await LoginLinks(log.engine, PSEUDONYMS).issue(PSEUDONYMS.of(MODERATOR), base)
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get(link)).status_code == 200
            (folder / "tram.md").write_text(TRAM)
            await asyncio.sleep(1.5)
            assert "Tram line extended" not in html.unescape((await client.get("/corpus")).text)
            web.send_signal(signal.SIGHUP)
            assert "Tram line extended" in await _page_until(client, "/corpus", shows=True, words="Tram line extended")
    finally:
        await log.close()
        web.send_signal(signal.SIGTERM)
        _, stderr = web.communicate(timeout=15)
    assert web.returncode == 0, stderr
