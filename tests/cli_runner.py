"""Running the installed `quotebot` console script as a real subprocess, the way users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

QUOTEBOT = str(Path(sys.executable).with_name("quotebot"))


def run_quotebot(
    *args: str,
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run quotebot with a clean Telegram-free environment unless `env` adds to it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QUOTEBOT_", "DATABASE_URL"))}
    environment.update(env or {})
    return subprocess.run(
        [QUOTEBOT, *args],
        input=stdin.decode("utf-8", "replace") if isinstance(stdin, bytes) else stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        cwd=cwd,
        timeout=timeout,
    )
