"""Parse the CLI's --since: an ISO date or time (UTC unless it says otherwise) or a duration back from now."""

import re
from datetime import UTC, date, datetime, time, timedelta

_DURATION = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """Return the aware UTC moment `text` means: 7d, 12h, 30m, 2w, 2024-05-01 or 2024-05-01T08:00."""
    cleaned = text.strip().lower()
    duration = _DURATION.fullmatch(cleaned)
    if duration:
        return now - timedelta(**{_UNITS[duration.group(2)]: int(duration.group(1))})
    try:
        return datetime.combine(date.fromisoformat(cleaned), time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an ISO date (2024-05-01), an ISO time (2024-05-01T08:00) "
            "nor a duration (30m, 12h, 7d, 2w)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
