"""The corpus folder changing under a running engine: incremental re-reading, atomic swaps, bad files, locks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.ops.engine_build import build_engine, build_lock
from bot.ops.reload import CorpusReloader, baseline_scan
from retrieval.engine import AnswerEngine
from retrieval.search_index import index_directory
from tests.conftest import REPOSITORY

FERRY = "title: Ferry news\ndate: 2023-03-06\n\nThe island ferry resumed service on Monday after the storm.\n"
TRAM = "title: Tram news\ndate: 2023-03-07\n\nThe tram line will reach the airport by 2026, the authority said.\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(FERRY)
    return corpus


def reloader_for(folder: Path) -> CorpusReloader:
    return CorpusReloader(build_engine(folder), build_engine)


def best_quote(engine: AnswerEngine, question: str) -> str | None:
    answer = engine.answer(question)
    return answer.results[0].quote if answer.answered else None


def test_a_new_file_is_read_and_unchanged_files_are_not_read_again(folder: Path) -> None:
    reloader = reloader_for(folder)
    before = reloader.engine
    ferry = before.corpus.document("ferry")
    (folder / "tram.txt").write_text(TRAM)
    outcome = reloader.reload_now()
    assert outcome.changed and (outcome.added, outcome.updated, outcome.removed) == (1, 0, 0)
    assert outcome.summary().startswith("reloaded in") and "2 documents" in outcome.summary()
    assert reloader.engine is not before
    assert best_quote(reloader.engine, "When will the tram reach the airport?") == TRAM.split("\n\n")[1].strip()
    assert reloader.engine.corpus.document("ferry") is ferry
    assert best_quote(before, "When will the tram reach the airport?") is None


def test_a_file_added_while_the_engine_was_built_is_read_by_the_first_reload(folder: Path) -> None:
    baseline = baseline_scan(folder)
    engine = build_engine(folder)
    (folder / "tram.txt").write_text(TRAM)
    reloader = CorpusReloader(engine, build_engine, baseline=baseline)
    outcome = reloader.reload_now()
    assert outcome.changed and (outcome.added, outcome.updated, outcome.removed) == (1, 0, 0)
    assert best_quote(reloader.engine, "When will the tram reach the airport?") == TRAM.split("\n\n")[1].strip()


def test_nothing_changed_keeps_the_same_engine(folder: Path) -> None:
    reloader = reloader_for(folder)
    engine = reloader.engine
    outcome = reloader.reload_now()
    assert not outcome.changed and reloader.engine is engine
    assert outcome.summary() == "nothing changed: 1 documents, 1 passages"


def test_a_changed_file_is_read_again_and_a_deleted_one_is_gone(folder: Path) -> None:
    (folder / "tram.txt").write_text(TRAM)
    reloader = reloader_for(folder)
    (folder / "ferry.txt").write_text(FERRY.replace("Monday", "Tuesday"))
    (folder / "tram.txt").unlink()
    outcome = reloader.reload_now()
    assert (outcome.added, outcome.updated, outcome.removed) == (0, 1, 1)
    assert "Tuesday" in (best_quote(reloader.engine, "When did the ferry resume service?") or "")
    assert best_quote(reloader.engine, "When will the tram reach the airport?") is None


def test_a_bad_file_is_a_warning_and_an_emptied_folder_keeps_the_old_index(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reloader = reloader_for(folder)
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 not really")
    outcome = reloader.reload_now()
    assert outcome.error is None and len(outcome.warnings) == 1 and "scan.pdf" in outcome.warnings[0]
    assert "scan.pdf" in caplog.text
    assert best_quote(reloader.engine, "When did the ferry resume service?") is not None
    engine = reloader.engine
    (folder / "ferry.txt").unlink()
    (folder / "scan.pdf").unlink()
    failed = reloader.reload_now()
    assert failed.error is not None and "no loadable documents" in failed.error
    assert failed.summary().startswith("reload failed, still answering from the previous index")
    assert reloader.engine is engine and best_quote(engine, "When did the ferry resume service?") is not None


def test_the_watcher_notices_a_new_file_within_seconds(folder: Path) -> None:
    reloader = reloader_for(folder)
    reloader.start()
    try:
        time.sleep(0.3)
        (folder / "tram.txt").write_text(TRAM)
        deadline = time.monotonic() + 10
        while best_quote(reloader.engine, "When will the tram reach the airport?") is None:
            assert time.monotonic() < deadline, "the new file was not picked up within 10 s"
            time.sleep(0.1)
        (folder / ".hidden.txt").write_text(TRAM.replace("tram", "bus"))
        engine = reloader.engine
        time.sleep(1.0)
        assert reloader.engine is engine
    finally:
        reloader.stop()


def test_questions_asked_during_reloads_are_all_answered(folder: Path) -> None:
    reloader = reloader_for(folder)
    answered: list[bool] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def ask_repeatedly() -> None:
        while not done.is_set():
            try:
                answered.append(reloader.engine.answer("When did the ferry resume service?").answered)
            except BaseException as error:
                failures.append(error)

    askers = [threading.Thread(target=ask_repeatedly) for _ in range(2)]
    for asker in askers:
        asker.start()
    for number in range(5):
        (folder / f"extra{number}.txt").write_text(TRAM.replace("2026", str(2030 + number)))
        assert reloader.reload_now().changed
    done.set()
    for asker in askers:
        asker.join()
    assert not failures and answered and all(answered)
    assert len(reloader.engine.corpus.documents) == 6


def test_workers_on_one_folder_build_once_and_the_others_load(folder: Path) -> None:
    directory = index_directory(folder)
    directory.mkdir()
    finished: list[AnswerEngine] = []
    with build_lock(directory):
        worker = threading.Thread(target=lambda: finished.append(build_engine(folder)))
        worker.start()
        time.sleep(0.5)
        assert not finished, "a second worker built while the first held the lock"
    worker.join(timeout=30)
    assert finished
    saved = {path.name: path.stat().st_mtime_ns for path in directory.iterdir()}
    assert "CURRENT" in saved and any(name.startswith("build-") for name in saved)
    other = build_engine(folder)
    assert {path.name: path.stat().st_mtime_ns for path in directory.iterdir()} == saved
    assert best_quote(other, "When did the ferry resume service?") is not None


# One worker process: builds its engine when told to start, reloads when told to, and says what it did.
WORKER = """
import sys, time
from pathlib import Path
from bot.ops.engine_build import build_engine
from bot.ops.reload import CorpusReloader, baseline_scan

folder, signals = Path(sys.argv[1]), Path(sys.argv[2])
def wait_for(name):
    while not (signals / name).exists():
        time.sleep(0.02)
wait_for("start")
baseline = baseline_scan(folder)
engine = build_engine(folder)
print("start:", "mapped" if not engine.corpus.files else "built", flush=True)
# As in `quotebot run`, the reloader is made a while after the engine: here, after the folder changed.
wait_for("reload")
reloader = CorpusReloader(engine, build_engine, baseline=baseline)
print("reload:", reloader.reload_now().summary(), flush=True)
print("tram:", reloader.engine.answer("When will the tram reach the airport?").answered, flush=True)
"""


def test_worker_processes_on_one_folder_build_once_and_the_others_map_that_build(folder: Path, tmp_path: Path) -> None:
    index_directory(folder).mkdir()
    signals = tmp_path / "signals"
    signals.mkdir()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(folder), str(signals)],
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        (signals / "start").touch()
        started = sorted(worker.stdout.readline().strip() for worker in workers if worker.stdout)
        assert started == ["start: built", "start: mapped", "start: mapped"]
        (folder / "tram.txt").write_text(TRAM)
        (signals / "reload").touch()
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    assert all(worker.returncode == 0 for worker in workers), [stderr for _, stderr in outputs]
    # What each worker's reload did, without the seconds it took.
    reloads = sorted(
        line.split(" s", 1)[1] for stdout, _ in outputs for line in stdout.splitlines() if "reload" in line
    )
    assert reloads == [
        " (the index another worker saved): 2 documents, 2 passages (1 files added, 0 changed, 0 removed)",
        " (the index another worker saved): 2 documents, 2 passages (1 files added, 0 changed, 0 removed)",
        ": 2 documents, 2 passages (1 files added, 0 changed, 0 removed)",
    ]
    assert all("tram: True" in stdout for stdout, _ in outputs)
    assert len([path for path in index_directory(folder).iterdir() if path.name.startswith("build-")]) == 1


def test_without_a_saved_index_folder_nothing_is_written(folder: Path) -> None:
    build_engine(folder)
    assert sorted(os.listdir(folder)) == ["ferry.txt"]
