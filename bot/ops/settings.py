"""Configuration from environment variables (twelve-factor), with safe defaults for a local run."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_REPOSITORY_SEEDS = Path(__file__).resolve().parents[2] / "seeds"
_TOKEN_SHAPE = re.compile(r"\A\d{1,20}:[A-Za-z0-9_-]{30,100}\Z")
_WEBHOOK_SECRET_SHAPE = re.compile(r"\A[A-Za-z0-9_-]{1,256}\Z")
_HOST_SHAPE = re.compile(r"\A[A-Za-z0-9.:_-]{1,253}\Z")
TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
# An example question is one short line in a reply, never the reply itself.
EXAMPLE_LIMIT = 200


class SettingsError(Exception):
    """A configuration value is unusable; the message names the variable, never a secret's value."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting the front ends read; built once from the environment."""

    corpus: Path
    token: str | None = field(default=None, repr=False)
    base_url: str = TELEGRAM_BASE_URL
    rate_limit_per_minute: int = 20
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    port: int = 8080
    metrics_port: int = 9090
    metrics_host: str = "127.0.0.1"
    telegram_grace_seconds: int = 120
    send_rate: int = 30
    log_format: str = "text"
    moderator_ids: frozenset[int] = frozenset()
    web_host: str = "127.0.0.1"
    web_port: int = 8090
    web_url: str = "http://127.0.0.1:8090"
    web_session_hours: int = 12
    # Watch the corpus folder and reload when it changes; without it SIGHUP and /reload still reload.
    watch_corpus: bool = True
    # The example question readers are offered, as typed; unset: the seed's, when the corpus answers it.
    example_question: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, corpus: str | None = None) -> Settings:
        web_port = _port(environ, "QUOTEBOT_WEB_PORT", 8090)
        return cls(
            corpus=corpus_path(corpus, environ),
            token=environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None,
            base_url=environ.get("TELEGRAM_BASE_URL", "").strip() or TELEGRAM_BASE_URL,
            rate_limit_per_minute=_positive_int(environ, "QUOTEBOT_RATE_LIMIT", 20),
            webhook_url=environ.get("TELEGRAM_WEBHOOK_URL", "").strip() or None,
            webhook_secret=environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None,
            port=_port(environ, "PORT", 8080),
            metrics_port=_port(environ, "QUOTEBOT_METRICS_PORT", 9090),
            metrics_host=_host(environ, "QUOTEBOT_METRICS_HOST", "127.0.0.1"),
            telegram_grace_seconds=_positive_int(environ, "QUOTEBOT_TELEGRAM_GRACE", 120),
            send_rate=_positive_int(environ, "QUOTEBOT_SEND_RATE", 30),
            log_format=_choice(environ, "QUOTEBOT_LOG_FORMAT", ("text", "json")),
            moderator_ids=_user_ids(environ, "MODERATOR_IDS"),
            web_host=environ.get("QUOTEBOT_WEB_HOST", "").strip() or "127.0.0.1",
            web_port=web_port,
            web_url=_web_url(environ, web_port),
            web_session_hours=_positive_int(environ, "QUOTEBOT_WEB_SESSION_HOURS", 12),
            watch_corpus=_choice(environ, "QUOTEBOT_WATCH", ("on", "off")) == "on",
            example_question=example_question(environ),
        )

    @property
    def metrics_url(self) -> str:
        """Where `quotebot healthcheck` finds /healthz: a wildcard listen address is reached on loopback."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.metrics_host, self.metrics_host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.metrics_port}"

    def require_token(self) -> str:
        """The token, checked for Telegram's `<bot id>:<secret>` shape without ever echoing it."""
        if not self.token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
        if not _TOKEN_SHAPE.match(self.token):
            raise SettingsError("TELEGRAM_BOT_TOKEN is malformed; expected '<bot id>:<secret>' as issued by @BotFather")
        return self.token

    def require_webhook(self) -> tuple[str, str]:
        """The public webhook URL and its secret; webhook mode refuses to run without a secret."""
        if not self.webhook_url:
            raise SettingsError("webhook mode needs TELEGRAM_WEBHOOK_URL, the public https URL Telegram posts to")
        if not self.webhook_url.startswith(("https://", "http://")):
            raise SettingsError("TELEGRAM_WEBHOOK_URL must be an http(s) URL")
        if not self.webhook_secret:
            raise SettingsError("webhook mode needs TELEGRAM_WEBHOOK_SECRET (1-256 characters: A-Z a-z 0-9 _ -)")
        if not _WEBHOOK_SECRET_SHAPE.match(self.webhook_secret):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET may only hold 1-256 characters: A-Z a-z 0-9 _ -")
        return self.webhook_url, self.webhook_secret


def corpus_path(override: str | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """--corpus, else QUOTEBOT_CORPUS, else ./seeds, else the seeds/ folder beside the installed code."""
    chosen = override or environ.get("QUOTEBOT_CORPUS", "").strip()
    if chosen:
        return Path(chosen)
    local = Path("seeds")
    return local if local.is_dir() else _REPOSITORY_SEEDS


def example_question(environ: Mapping[str, str] = os.environ) -> str | None:
    """QUOTEBOT_EXAMPLE_QUESTION: one line of at most EXAMPLE_LIMIT characters, offered to readers as typed."""
    raw = environ.get("QUOTEBOT_EXAMPLE_QUESTION", "").strip()
    if len(raw.splitlines()) > 1 or len(raw) > EXAMPLE_LIMIT:
        raise SettingsError(f"QUOTEBOT_EXAMPLE_QUESTION must be one line of at most {EXAMPLE_LIMIT} characters")
    return raw or None


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


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 65535:
        raise SettingsError(f"{name} must be a port number from 0 to 65535, got {raw!r}")
    return int(raw)


def _web_url(environ: Mapping[str, str], port: int) -> str:
    """QUOTEBOT_WEB_URL, the origin the inbox is served at; by default this machine's loopback."""
    raw = environ.get("QUOTEBOT_WEB_URL", "").strip().rstrip("/")
    if not raw:
        return f"http://127.0.0.1:{port}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
        raise SettingsError("QUOTEBOT_WEB_URL must be an http(s) origin without a path, like https://inbox.example.org")
    return raw


def _host(environ: Mapping[str, str], name: str, default: str) -> str:
    raw = environ.get(name, "").strip() or default
    if not _HOST_SHAPE.match(raw):
        raise SettingsError(f"{name} must be a host name or IP address to listen on, got {raw!r}")
    return raw


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = environ.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _user_ids(environ: Mapping[str, str], name: str) -> frozenset[int]:
    parts = [part.strip() for part in environ.get(name, "").split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise SettingsError(f"{name} must be comma-separated numeric Telegram user ids")
    return frozenset(int(part) for part in parts)
