"""Export the inbox's current filter as CSV or JSONL: the CLI's columns and its spreadsheet-formula guard
(bot/querylog/output.py), streamed so a large log never sits in memory."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bot.querylog import inbox
from bot.querylog.inbox import InboxFilter
from bot.querylog.output import CsvRows, JsonlRows, RecordRows
from bot.web.auth import page
from bot.web.filters import parse_filter
from bot.web.sessions import Session
from bot.web.state import web_state

_CHUNK = 64 * 1024
_FORMATS: dict[str, tuple[str, Callable[[io.StringIO], RecordRows]]] = {
    "csv": ("text/csv; charset=utf-8", CsvRows),
    "jsonl": ("application/x-ndjson; charset=utf-8", JsonlRows),
}


async def _chunks(
    request: Request, wanted: InboxFilter, make_rows: Callable[[io.StringIO], RecordRows]
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    rows = make_rows(buffer)
    async for record in inbox.stream(web_state(request).database, wanted):
        rows.write(record)
        if buffer.tell() >= _CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


@page
async def export(request: Request, session: Session) -> Response:
    """GET /export.csv or /export.jsonl with the inbox's query string."""
    extension = request.url.path.rsplit(".", 1)[1]
    media_type, make_rows = _FORMATS[extension]
    wanted = parse_filter(request.query_params).wanted
    name = f"quotebot-log-{datetime.now():%Y%m%d-%H%M}.{extension}"
    return StreamingResponse(
        _chunks(request, wanted, make_rows),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes = [Route(f"/export.{extension}", export) for extension in _FORMATS]
