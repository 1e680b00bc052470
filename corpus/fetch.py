"""Fetching one article by URL for `quotebot add` and the bot's /add: bounded in time, size and type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

FETCH_TIMEOUT_SECONDS = 15.0
MAX_SOURCE_BYTES = 20_000_000
MAX_REDIRECTS = 5
# The content types quotebot reads, and the file name ending each is stored under.
SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "application/rss+xml": ".rss",
    "application/atom+xml": ".atom",
    "application/xml": ".xml",
    "text/xml": ".xml",
}
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class FetchError(Exception):
    """The URL gave no article to add; the message says why, without any credentials in the URL."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """The body of a fetched article, the file name it suggests, and the URL it was finally served from."""

    name: str
    raw: bytes
    url: str


def fetch(url: str, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_SOURCE_BYTES) -> Fetched:
    """GET `url` (http or https, redirects followed), refusing slow, oversized and unreadable answers."""
    import httpx  # here, not at the top: every other command starts faster without it

    shown = display_url(url)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise FetchError(f"{shown} is not an http(s) URL")
    try:
        with (
            httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=timeout) as client,
            client.stream("GET", url, headers={"Accept": ", ".join(SUFFIXES)}) as response,
        ):
            if response.status_code != 200:
                raise FetchError(f"{shown} answered HTTP {response.status_code}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            suffix = SUFFIXES.get(content_type)
            if suffix is None:
                raise FetchError(f"{shown} is {content_type or 'of no stated type'}, not a type quotebot reads")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{shown} is larger than {max_bytes:,} bytes")
            raw = bytearray()
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) > max_bytes:
                    raise FetchError(f"{shown} is larger than {max_bytes:,} bytes")
            final = str(response.url)
    except httpx.TimeoutException:
        raise FetchError(f"{shown} did not answer within {timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise FetchError(f"{shown} redirects more than {MAX_REDIRECTS} times") from None
    except httpx.HTTPError as error:
        raise FetchError(f"cannot fetch {shown} ({type(error).__name__})") from None
    return Fetched(_file_name(final, suffix), bytes(raw), final)


def display_url(url: str) -> str:
    """The URL without user name, password, query or fragment, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else url.split("?")[0]


def _file_name(url: str, suffix: str) -> str:
    """The URL's last path segment (or its host) as a file name with the served type's ending."""
    parts = urlsplit(url)
    segment = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.hostname or "article"
    stem = _NAME.sub("-", segment.rsplit(".", 1)[0] if "." in segment else segment).strip("-.") or "article"
    return stem[:60] + suffix
