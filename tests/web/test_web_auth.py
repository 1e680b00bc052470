"""Who may enter the inbox: one-time links, sessions, CSRF, removed moderators, security headers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.querylog import QueryLog
from bot.querylog.record import utc_now
from bot.web.auth import SESSION_COOKIE
from bot.web.login_links import LINK_LIFETIME
from bot.web.security import CONTENT_SECURITY_POLICY
from bot.web.sessions import open_session
from retrieval.engine import AnswerEngine
from tests.querylog_helpers import PSEUDONYMS, make_record
from tests.web.conftest import BASE_URL, MODERATOR, READER, Inbox, client_for, web_state

PAGES = ["/", "/dashboard", "/corpus", "/corpus/000_f1d616dfc469d761", "/taught", "/export.csv", "/export.jsonl"]


async def _some_record(inbox: Inbox) -> str:
    record_id = inbox.log.submit(make_record())
    await inbox.log.flush()
    return record_id


async def test_without_a_session_every_page_export_and_action_is_refused(inbox: Inbox) -> None:
    record_id = await _some_record(inbox)
    for path in [*PAGES, f"/q/{record_id}"]:
        response = await inbox.client.get(path)
        assert response.status_code == 403, path
        assert "send /web to the bot" in response.text and "Who founded the city?" not in response.text
    for path in [f"/q/{record_id}/review", f"/q/{record_id}/teach", "/taught/x/undo", "/logout"]:
        assert (await inbox.client.post(path, data={"verdict": "ok"})).status_code == 403, path


async def test_a_login_link_opens_a_session_once(inbox: Inbox) -> None:
    link = await inbox.link()
    assert link.startswith(f"{BASE_URL}/login?token=")
    first = await inbox.client.get(link)
    assert first.status_code == 200 and 'http-equiv="refresh"' in first.text
    cookie = first.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie and "Max-Age=43200" in cookie
    assert (await inbox.client.get("/")).status_code == 200

    inbox.client.cookies.clear()
    reused = await inbox.client.get(link)
    assert reused.status_code == 403 and "already used" in reused.text
    assert "set-cookie" not in reused.headers
    assert (await inbox.client.get("/")).status_code == 403


async def test_wrong_and_expired_links_are_refused(inbox: Inbox) -> None:
    link = await inbox.link()
    for wrong in (
        link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"),
        f"{BASE_URL}/login",
        f"{BASE_URL}/login?token=x",
    ):
        assert (await inbox.client.get(wrong)).status_code == 403, wrong
    expired = await inbox.state.login_links.issue(
        PSEUDONYMS.of(MODERATOR), BASE_URL, now=utc_now() - LINK_LIFETIME - timedelta(seconds=1)
    )
    response = await inbox.client.get(expired)
    assert response.status_code == 403 and "expired" in response.text
    assert (await inbox.client.get(link)).status_code == 200


async def test_a_link_for_someone_who_is_not_a_moderator_is_refused(inbox: Inbox) -> None:
    response = await inbox.client.get(await inbox.link(READER))
    assert response.status_code == 403 and "set-cookie" not in response.headers


async def test_an_expired_session_is_refused(inbox: Inbox) -> None:
    cookie, _ = await open_session(
        inbox.state.database, PSEUDONYMS.of(MODERATOR), hours=1, now=utc_now() - timedelta(hours=2)
    )
    inbox.client.cookies.set(SESSION_COOKIE, cookie)
    assert (await inbox.client.get("/")).status_code == 403


async def test_a_removed_moderator_is_shut_out_of_a_running_session(
    inbox: Inbox, log: QueryLog, web_engine: AnswerEngine
) -> None:
    await inbox.login()
    cookie = inbox.client.cookies[SESSION_COOKIE]
    async with client_for(web_state(log, web_engine, moderators=frozenset())) as restarted:
        restarted.cookies.set(SESSION_COOKIE, cookie)
        assert (await restarted.get("/")).status_code == 403
        assert (await restarted.get("/export.csv")).status_code == 403


async def test_on_https_the_cookie_is_secure(log: QueryLog, web_engine: AnswerEngine) -> None:
    state = web_state(log, web_engine, secure_cookies=True)
    async with client_for(state) as client:
        link = await state.login_links.issue(PSEUDONYMS.of(MODERATOR), BASE_URL)
        assert "Secure" in (await client.get(link)).headers["set-cookie"]


@pytest.mark.parametrize("csrf", [None, "forged"])
async def test_changes_without_the_sessions_csrf_token_are_refused(inbox: Inbox, csrf: str | None) -> None:
    record_id = await _some_record(inbox)
    await inbox.login()
    form = {"verdict": "ok", "passage_id": "none"} | ({"csrf": csrf} if csrf else {})
    for path in [f"/q/{record_id}/review", f"/q/{record_id}/teach", "/taught/x/undo", "/logout"]:
        response = await inbox.client.post(path, data=form)
        assert response.status_code == 403 and "did not come from the inbox" in response.text, path
    [record] = await inbox.log.recent()
    assert record.review_status.value == "new"
    assert (await inbox.client.get("/taught")).status_code == 200


async def test_logging_out_ends_the_session(inbox: Inbox) -> None:
    await inbox.login()
    cookie = inbox.client.cookies[SESSION_COOKIE]
    response = await inbox.client.post("/logout", data={"csrf": await inbox.csrf()})
    assert response.status_code == 200 and "Logged out" in response.text
    inbox.client.cookies.set(SESSION_COOKIE, cookie)
    assert (await inbox.client.get("/")).status_code == 403


async def test_every_answer_carries_the_security_headers(inbox: Inbox) -> None:
    refused = await inbox.client.get("/")
    await inbox.login()
    for response in (refused, await inbox.client.get("/"), await inbox.client.get("/export.csv")):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
    page = (await inbox.client.get("/")).text
    assert "<script" not in page and "style=" not in page
    assert (await inbox.client.get("/static/style.css")).status_code == 200
    assert (await inbox.client.get("/healthz")).text == "ok"
