"""`quotebot web` in its own process, as production runs it, on a SQLite query log the test also opens."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.cli_runner import QUOTEBOT
from tests.conftest import REPOSITORY
from tests.querylog_helpers import SECRET
from tests.web.conftest import MODERATOR


def start_web(database: Path, port: int, data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """`quotebot web ARGS` on `database`, with MODERATOR as its only moderator and the tests' log secret;
    keyword arguments are more environment variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QUOTEBOT_", "DATABASE_URL"))}
    environment.update(
        DATABASE_URL=f"sqlite:///{database}",
        QUOTEBOT_DATA_DIR=str(data_dir),
        QUOTEBOT_LOG_SECRET=SECRET,
        MODERATOR_IDS=str(MODERATOR),
        QUOTEBOT_WEB_PORT=str(port),
        QUOTEBOT_WEB_URL=f"http://127.0.0.1:{port}",
        **env,
    )
    return subprocess.Popen(
        [QUOTEBOT, "web", *args], cwd=REPOSITORY, env=environment, stderr=subprocess.PIPE, text=True
    )


async def until_serving(process: subprocess.Popen[str], url: str) -> None:
    """Wait for the inbox's /healthz (30 s at most); a process that exits first fails with its stderr."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1]
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError("quotebot web did not start")
