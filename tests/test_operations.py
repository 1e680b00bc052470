"""Running it for real: webhook mode, the health and metrics port, JSON logs, and the token kept secret."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import socket
import stat
from pathlib import Path

import httpx
import pytest

from bot.ops.health import start_health_server
from bot.ops.metrics import Metrics
from bot.ops.runtime import health_report
from bot.querylog import LogSettings, QueryLog, WriterTuning
from bot.querylog.database_url import default_sqlite_url
from bot.telegram.app import Webhook
from bot.telegram.reachability import TelegramReachability
from retrieval.engine import AnswerEngine
from tests.bot_process import BotProcess
from tests.cli_runner import run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION
from tests.querylog_helpers import FAST, free_port, make_record, pg_url, settings_for
from tests.telegram_bot import running_quotebot
from tests.telegram_emulator import TelegramEmulator
from tests.test_telegram_run import start_quotebot

SECRET = "webhook-Secret_123"


def webhook_on_free_port() -> Webhook:
    port = free_port()
    return Webhook(url=f"http://127.0.0.1:{port}/telegram/hook", secret=SECRET, port=port, listen="127.0.0.1")


async def test_webhook_mode_registers_the_url_and_secret_and_answers(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> None:
    webhook = webhook_on_free_port()
    async with running_quotebot(emulator, engine, sqlite_log, webhook=webhook):
        registered = await emulator.wait_for("setWebhook")
        assert registered.params["url"] == webhook.url and registered.params["secret_token"] == SECRET
        update = emulator.send_text(CARD_QUESTION)
        delivery = await emulator.wait_for_delivery(update["update_id"])
        assert delivery.status == 200
        assert CARD_ANSWER in (await emulator.wait_for("sendMessage")).result["text"]
    assert not [call for call in emulator.calls if call.method == "getUpdates"]


async def test_webhook_with_a_wrong_secret_gets_403_and_no_answer(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> None:
    async with running_quotebot(emulator, engine, sqlite_log, webhook=webhook_on_free_port()):
        await emulator.wait_for("setWebhook")
        for forged in ("wrong-secret", None):
            with emulator.forged_webhook_secret(forged):
                update = emulator.send_text(CARD_QUESTION)
            assert (await emulator.wait_for_delivery(update["update_id"])).status == 403
    assert emulator.sent_messages() == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"}, "needs TELEGRAM_WEBHOOK_SECRET"),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": "bad secret!"},
            "may only",
        ),
        ({"TELEGRAM_WEBHOOK_URL": "bot.example.org"}, "must be an http(s) URL"),
        ({"PORT": "http"}, "PORT must be a port number"),
        ({"MODERATOR_IDS": "12,@alice"}, "MODERATOR_IDS must be"),
        ({"DATABASE_URL": "mysql://root:hunter2@db/log"}, "DATABASE_URL"),
    ],
)
def test_bad_operator_settings_are_one_line_usage_errors(env: dict[str, str], message: str, tmp_path: Path) -> None:
    run = run_quotebot(
        "run", env={"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35, "QUOTEBOT_DATA_DIR": str(tmp_path), **env}
    )
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr and "hunter2" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_webhook_flag_without_a_url_is_a_usage_error(tmp_path: Path) -> None:
    run = run_quotebot("run", "--webhook", env={"TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35})
    assert run.returncode == 2 and "needs TELEGRAM_WEBHOOK_URL" in run.stderr


async def test_health_and_metrics_of_a_running_bot(emulator: TelegramEmulator, tmp_path: Path) -> None:
    port = free_port()
    process = start_quotebot(emulator, tmp_path, QUOTEBOT_METRICS_PORT=str(port), QUOTEBOT_LOG_FORMAT="json")
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
        emulator.send_text(CARD_QUESTION)
        emulator.send_text("What is the capital of Australia?")
        await emulator.wait_for("sendMessage", timeout=10)
        await emulator.wait_for("sendMessage", timeout=10)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            health = await client.get("/healthz")
            metrics = (await client.get("/metrics")).text
        elsewhere_on_loopback = await answers("127.0.0.2", port)
        probe = run_quotebot("healthcheck", env={"QUOTEBOT_METRICS_PORT": str(port)})
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert health.status_code == 200 and not elsewhere_on_loopback
    assert probe.returncode == 0 and '"status": "ok"' in probe.stdout
    stopped = run_quotebot("healthcheck", env={"QUOTEBOT_METRICS_PORT": str(port)})
    assert stopped.returncode == 1 and "no health endpoint" in stopped.stderr
    assert health.json() == {
        "status": "ok",
        "passages": 11,
        "log_pending": health.json()["log_pending"],
        "log_accepting": True,
        "semantic": "ready",
        "telegram": "ok",
    }
    assert 'quotebot_questions_total{answered="true",channel="private"} 1.0' in metrics
    assert 'quotebot_questions_total{answered="false",channel="private"} 1.0' in metrics
    assert "quotebot_answer_seconds_count 2.0" in metrics
    assert "quotebot_corpus_passages 11.0" in metrics
    assert "quotebot_log_buffer_records" in metrics
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any("polling as @quotebot_test_bot" in line["message"] for line in lines)
    assert emulator.token not in stderr


async def answers(host: str, port: int) -> bool:
    """Whether an HTTP server answers on host:port (127.0.0.2 reaches a server bound to 0.0.0.0, not 127.0.0.1)."""
    try:
        async with httpx.AsyncClient() as client:
            await client.get(f"http://{host}:{port}/healthz")
    except httpx.ConnectError:
        return False
    return True


async def test_the_health_port_listens_on_every_interface_only_when_told(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    port = free_port()
    process = start_quotebot(emulator, tmp_path, QUOTEBOT_METRICS_PORT=str(port), QUOTEBOT_METRICS_HOST="0.0.0.0")
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
        reachable = await answers("127.0.0.2", port)
        probe = run_quotebot(
            "healthcheck", env={"QUOTEBOT_METRICS_PORT": str(port), "QUOTEBOT_METRICS_HOST": "0.0.0.0"}
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert reachable and probe.returncode == 0


@pytest.mark.parametrize(
    ("setting", "extra"),
    [
        ("QUOTEBOT_METRICS_PORT", {}),
        ("PORT", {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET}),
    ],
)
def test_a_port_already_taken_is_a_one_line_error_naming_its_setting(
    emulator: TelegramEmulator, tmp_path: Path, setting: str, extra: dict[str, str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        environment = {"QUOTEBOT_METRICS_PORT": "0", "QUOTEBOT_METRICS_HOST": "127.0.0.1", **extra, setting: port}
        process = start_quotebot(emulator, tmp_path, "run", **environment)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1 and "Traceback" not in stderr
    assert "cannot listen on " in stderr and f":{port} " in stderr and f"set {setting} to another port" in stderr


async def test_every_secret_the_bot_holds_is_redacted_even_a_generated_log_secret(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    secret = "f00dcafe" * 8
    data_dir = tmp_path / f"data-{secret}"
    data_dir.mkdir()
    (data_dir / "querylog-secret").write_text(secret)
    unreachable = pg_url("test", port=free_port())
    process = start_quotebot(emulator, data_dir, DATABASE_URL=unreachable)
    try:
        emulator.wait_for_sync("setMyCommands", timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert "records wait in" in stderr and "[REDACTED]" in stderr
    assert secret not in stderr


async def test_the_data_folder_and_the_sqlite_log_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = await QueryLog.start(LogSettings(data_dir, default_sqlite_url(data_dir), 90, None), FAST)
    try:
        log.submit(make_record(1, "private question"))
        await log.flush()
        files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data_dir.iterdir()}
    finally:
        await log.close()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert files["querylog-journal"] == 0o700
    sqlite_files = {name: mode for name, mode in files.items() if name.startswith("querylog.sqlite3")}
    assert set(sqlite_files) == {"querylog.sqlite3", "querylog.sqlite3-wal", "querylog.sqlite3-shm"}
    assert set(sqlite_files.values()) == {0o600} and files["querylog-secret"] == 0o600


async def health_when(client: httpx.AsyncClient, status: int) -> httpx.Response:
    """/healthz once it answers `status` (within 30 s)."""
    for _ in range(150):
        response = await client.get("/healthz")
        if response.status_code == status:
            return response
        await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz never answered {status}: {response.text}")


async def test_healthz_says_when_telegram_is_unreachable_and_turns_degraded_after_the_grace_period(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    port = free_port()
    environment = {"QUOTEBOT_METRICS_PORT": str(port), "QUOTEBOT_TELEGRAM_GRACE": "1"}
    bot = BotProcess(emulator, tmp_path / "data", tmp_path / "bot.log", **environment)
    emulator.wait_for_sync("setMyCommands", timeout=30)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        healthy = await health_when(client, 200)
        with emulator.outage():
            emulator.send_text(CARD_QUESTION)
            degraded = await health_when(client, 503)
            probe = run_quotebot("healthcheck", env=environment)
        recovered = await health_when(client, 200)
        answer = await emulator.wait_for("sendMessage", timeout=30)
    bot.terminate()
    assert healthy.json()["telegram"] == "ok" and recovered.json()["telegram"] == "ok"
    assert degraded.json()["status"] == "degraded" and degraded.json()["telegram"].startswith("unreachable since 20")
    assert probe.returncode == 1 and "degraded" in probe.stderr
    assert CARD_ANSWER in answer.result["text"]


async def test_telegram_api_errors_are_counted_by_kind(
    emulator: TelegramEmulator, engine: AnswerEngine, sqlite_log: QueryLog
) -> None:
    async with running_quotebot(emulator, engine, sqlite_log) as application:
        emulator.fail_next("getUpdates", status=502, description="Bad Gateway")
        emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
        emulator.send_text(CARD_QUESTION)
        await emulator.wait_for("sendMessage", timeout=15)
        await emulator.wait_for("sendMessage", timeout=15)
        emulator.send_text(CARD_QUESTION)
        await emulator.wait_for("sendMessage", timeout=30)
        metrics = application.bot_data["quotebot"].metrics.exposition().decode()
    assert 'quotebot_telegram_api_errors_total{kind="NetworkError"} 1.0' in metrics
    assert 'quotebot_telegram_api_errors_total{kind="BadRequest"} 1.0' in metrics


async def test_healthz_is_503_when_the_log_can_no_longer_keep_records(engine: AnswerEngine, tmp_path: Path) -> None:
    unreachable = pg_url("test", port=free_port())
    tuning = WriterTuning(memory_limit=2, first_retry_delay=0.05, max_retry_delay=0.1)
    log = await QueryLog.start(settings_for(unreachable, tmp_path / "data"), tuning)
    port = free_port()
    check = lambda: health_report(engine, log, TelegramReachability(), 120)  # noqa: E731
    server = start_health_server(Metrics(), check, port, "127.0.0.1")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            log.submit(make_record(1, "buffered on disk"))
            assert (await client.get("/healthz")).status_code == 200
            with refusing_disk():
                for n in range(3):
                    log.submit(make_record(n, f"kept in memory {n}"))
            unhealthy = await client.get("/healthz")
    finally:
        server.stop()
        await log.close(timeout=0.1)
    assert unhealthy.status_code == 503
    assert unhealthy.json()["status"] == "unhealthy" and unhealthy.json()["log_accepting"] is False


class refusing_disk:
    """Make every further file write fail with EFBIG, as a full disk would."""

    def __enter__(self) -> None:
        self._limits = resource.getrlimit(resource.RLIMIT_FSIZE)
        self._handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, self._limits[1]))

    def __exit__(self, *exc: object) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, self._limits)
        signal.signal(signal.SIGXFSZ, self._handler)


async def test_a_reply_to_a_request_sent_before_telegram_went_away_does_not_say_it_is_back(
    engine: AnswerEngine, tmp_path: Path
) -> None:
    clock = iter([100.0, 105.0, 110.0, 111.0, 112.0, 400.0, 400.0]).__next__
    reachability = TelegramReachability(clock)
    log = await QueryLog.start(settings_for(str(default_sqlite_url(tmp_path / "data")), tmp_path / "data"))
    try:
        sent_before = reachability.now()
        reachability.failed()
        reachability.answered(sent_before)
        still_away = health_report(engine, log, reachability, 120)
        sent_after = reachability.now()
        reachability.answered(sent_after)
        back = health_report(engine, log, reachability, 120)
    finally:
        await log.close()
    assert still_away.details["telegram"].startswith("unreachable since")
    assert back.details["telegram"] == "ok" and back.status == "ok"
