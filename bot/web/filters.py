"""The inbox filter as it travels in a URL (?view=unanswered&channel=group&from=2025-01-01&q=putin&page=2),
so every view, page and export is a plain link that can be bookmarked and needs no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from bot.querylog.inbox import InboxFilter, View
from bot.querylog.record import Channel

MAX_SEARCH = 200
_REVIEWED = {"yes": True, "no": False}


@dataclass(frozen=True, slots=True)
class ParsedFilter:
    """The filter, the page asked for, and what in the URL could not be used (said on the page)."""

    wanted: InboxFilter
    page: int = 1
    problems: list[str] = field(default_factory=list)


def parse_day(params: QueryParams, name: str, problems: list[str]) -> date | None:
    """An ISO date from the query string; anything else is reported in `problems` and taken as absent."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"“{raw}” is not a date like 2025-01-31; the {name} date is ignored.")
        return None


def _choice(params: QueryParams, name: str, allowed: list[str], problems: list[str]) -> str | None:
    raw = params.get(name, "").strip()
    if not raw or raw == "any":
        return None
    if raw not in allowed:
        problems.append(f"Unknown {name} “{raw}”; showing every {name}.")
        return None
    return raw


def parse_filter(params: QueryParams) -> ParsedFilter:
    """Read the filter from a query string; a value that cannot be used is dropped and reported."""
    problems: list[str] = []
    view = _choice(params, "view", [v.value for v in View], problems)
    reviewed = _choice(params, "reviewed", list(_REVIEWED), problems)
    channel = _choice(params, "channel", [c.value for c in Channel], problems)
    since, until = parse_day(params, "from", problems), parse_day(params, "to", problems)
    if since and until and since > until:
        problems.append("The from date is after the to date; they were swapped.")
        since, until = until, since
    raw_page = params.get("page", "1").strip()
    number = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 1_000_000 else 1
    wanted = InboxFilter(
        view=View(view) if view else View.ALL,
        reviewed=None if reviewed is None else _REVIEWED[reviewed],
        channel=None if channel is None else Channel(channel),
        since=since,
        until=until,
        search=params.get("q", "")[:MAX_SEARCH],
    )
    return ParsedFilter(wanted, number, problems)


def query_string(wanted: InboxFilter, page: int = 1, **changes: Any) -> str:
    """The filter (with `changes` applied) back as a query string, leaving out defaults."""
    wanted = replace(wanted, **changes)
    reviewed = None if wanted.reviewed is None else "yes" if wanted.reviewed else "no"
    pairs = {
        "view": None if wanted.view is View.ALL else wanted.view.value,
        "reviewed": reviewed,
        "channel": None if wanted.channel is None else wanted.channel.value,
        "from": None if wanted.since is None else wanted.since.isoformat(),
        "to": None if wanted.until is None else wanted.until.isoformat(),
        "q": wanted.search or None,
        "page": None if page == 1 else str(page),
    }
    return urlencode({key: value for key, value in pairs.items() if value})
