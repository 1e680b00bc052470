"""The Jinja2 templates shipped in bot/web/templates, with the few filters the pages share."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.templating import Jinja2Templates

from bot.answers.wording import wording_for


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _pseudonym(value: str | None) -> str:
    """Moderators are shown by the start of their pseudonym: enough to tell them apart."""
    return "–" if not value else value[:8]


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(default=True), trim_blocks=True
    )
    environment.filters.update(when=_when, day=wording_for().date, share=_share, pseudonym=_pseudonym)
    return environment


templates = Jinja2Templates(env=_environment())
