"""Configuration from environment variables (twelve-factor), with safe defaults for a local run."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

_REPOSITORY_SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_TOKEN_SHAPE = re.compile(r"\A\d{1,20}:[A-Za-z0-9_-]{30,100}\Z")
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"


class SettingsError(Exception):
    """A configuration value is unusable; the message names the variable, never a secret's value."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting the front ends read; built once from the environment."""

    corpus: Path
    token: str | None = field(default=None, repr=False)
    base_url: str = TELEGRAM_BASE_URL
    rate_limit_per_minute: int = 20

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, corpus: str | None = None) -> Settings:
        return cls(
            corpus=corpus_path(corpus, environ),
            token=environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            base_url=environ.get("TELEGRAM_BASE_URL", "").strip() or TELEGRAM_BASE_URL,
            rate_limit_per_minute=_positive_int(environ, "QUOTEBOT_RATE_LIMIT", 20),
        )

    def require_token(self) -> str:
        """The token, checked for Telegram's `<bot id>:<secret>` shape without ever echoing it."""
        if not self.token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
        if not _TOKEN_SHAPE.match(self.token):
            raise SettingsError("TELEGRAM_BOT_TOKEN is malformed; expected '<bot id>:<secret>' as issued by @BotFather")
        return self.token


def corpus_path(override: str | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """--corpus, else QUOTEBOT_CORPUS, else ./seeds, else the seeds/ folder beside the installed code."""
    chosen = override or environ.get("QUOTEBOT_CORPUS", "").strip()
    if chosen:
        return Path(chosen)
    local = Path("seeds")
    return local if local.is_dir() else _REPOSITORY_SEEDS


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value
