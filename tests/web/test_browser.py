"""A moderator in a real browser (Debian's headless chromium, driven by Selenium): log in through the link
the bot sent, filter to unanswered, open the question, teach it a passage; the bot then answers with it.
At a phone's width no page needs sideways scrolling.

The inbox runs as `quotebot web` in its own process on the bot's SQLite log, as in production. Screenshots
of the inbox and the dashboard (and the dashboard at a phone's width) are kept in test-artifacts/
(QUOTEBOT_TEST_ARTIFACTS overrides; not in git).
Without chromium the test is skipped on a developer's machine and fails in CI (.ci/run installs it).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from bot.querylog import QueryLog
from bot.querylog.taught_sync import TaughtSync
from corpus import Corpus
from retrieval.engine import AnswerEngine
from tests.conftest import REPOSITORY
from tests.querylog_helpers import FAST, free_port, settings_for
from tests.telegram_bot import bot_settings, running_quotebot
from tests.telegram_emulator import TelegramEmulator
from tests.web.conftest import MODERATOR, READER
from tests.web.web_process import start_web, until_serving

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
]
ARTIFACTS = Path(os.environ.get("QUOTEBOT_TEST_ARTIFACTS") or REPOSITORY / "test-artifacts")
TRAVEL = "Where was Macron travelling?"
STATE_VISIT = "000_f1d616dfc469d761#p2"
STATE_VISIT_WORDS = "Amid his state visit last week"
WAIT = 15
# A phone's window (CSS pixels): no page may need sideways scrolling in it.
PHONE = (390, 844)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing: apt-get install -y chromium chromium-driver")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    profile = tempfile.mkdtemp(prefix="quotebot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _moderate_in_the_browser(driver: webdriver.Chrome, link: str, base: str) -> str:
    """Everything the moderator does in the browser; returns the question page's text after teaching."""
    wait = WebDriverWait(driver, WAIT)
    driver.get(link)
    wait.until(expected_conditions.title_contains("Inbox"))
    assert driver.current_url == f"{base}/"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "inbox.png"))

    driver.find_element(By.PARTIAL_LINK_TEXT, "Unanswered").click()
    wait.until(expected_conditions.url_contains("view=unanswered"))
    questions = [element.text for element in driver.find_elements(By.CSS_SELECTOR, "a.question")]
    assert questions == [TRAVEL]
    driver.find_element(By.LINK_TEXT, TRAVEL).click()
    wait.until(expected_conditions.title_contains("Question"))

    form = driver.find_element(By.XPATH, f"//form[input[@name='passage_id' and @value='{STATE_VISIT}']]")
    form.find_element(By.TAG_NAME, "button").click()
    wait.until(expected_conditions.url_contains("#lessons"))
    taught = driver.find_element(By.TAG_NAME, "main").text

    question = driver.current_url.split("#", 1)[0]
    driver.get(f"{base}/dashboard")
    wait.until(expected_conditions.title_contains("Dashboard"))
    driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))

    driver.set_window_size(*PHONE)
    for page in (f"{base}/", question, f"{base}/corpus", f"{base}/dashboard"):
        driver.get(page)
        width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{page} is wider than a phone's screen: {width}"
    driver.save_screenshot(str(ARTIFACTS / "dashboard-phone.png"))
    return taught


async def test_a_moderator_teaches_the_bot_from_the_browser(
    browser: webdriver.Chrome, emulator: TelegramEmulator, seed_corpus: Corpus, tmp_path: Path
) -> None:
    database = tmp_path / "log.sqlite3"
    log = await QueryLog.start(settings_for(f"sqlite:///{database}", tmp_path / "bot-data"), FAST)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_web(database, port, tmp_path / "web-data")
    engine = AnswerEngine(seed_corpus)
    lessons = TaughtSync(log.engine, lambda: engine, interval=0.1)
    await lessons.start()
    settings = bot_settings(emulator, moderator_ids=frozenset({MODERATOR}), web_url=base)
    try:
        await until_serving(web, base)
        async with running_quotebot(emulator, engine, log, settings):
            emulator.send_text(TRAVEL, user_id=READER)
            assert "don't cover" in (await emulator.wait_for("sendMessage")).result["text"]
            await log.flush()

            emulator.send_text("/web", user_id=MODERATOR)
            reply = (await emulator.wait_for("sendMessage")).params["text"]
            [link] = [html.unescape(url) for url in re.findall(r'<a href="([^"]+)">', reply)]

            taught = await asyncio.to_thread(_moderate_in_the_browser, browser, link, base)
            assert f"The bot would now answer with {STATE_VISIT}" in taught

            for _ in range(100):
                if lessons.lessons:
                    break
                await asyncio.sleep(0.05)
            emulator.send_text(TRAVEL, user_id=READER)
            assert STATE_VISIT_WORDS in (await emulator.wait_for("sendMessage")).result["text"]
    finally:
        await lessons.stop()
        await log.close()
        web.send_signal(signal.SIGTERM)
        _, stderr = web.communicate(timeout=10)
    assert web.returncode == 0, stderr
    assert (ARTIFACTS / "inbox.png").stat().st_size > 0 and (ARTIFACTS / "dashboard.png").stat().st_size > 0
