"""Configuration from environment variables (twelve-factor), with safe defaults for a local run."""

from __future__ import annotations

import os
from pathlib import Path

_REPOSITORY_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def corpus_path(override: str | None = None) -> Path:
    """--corpus, else QUOTEBOT_CORPUS, else ./seeds, else the seeds/ folder beside the installed code."""
    chosen = override or os.environ.get("QUOTEBOT_CORPUS")
    if chosen:
        return Path(chosen)
    local = Path("seeds")
    return local if local.is_dir() else _REPOSITORY_SEEDS


def bot_token() -> str | None:
    """The Telegram bot token, or None when the bot should not connect to Telegram."""
    return os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None
