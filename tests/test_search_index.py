"""The saved search index: `quotebot index`, reuse at start-up, rebuild when stale or damaged, progress."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from corpus import load_corpus
from retrieval.engine import AnswerEngine
from retrieval.search_index import INDEX_DIRECTORY, SearchIndex, fingerprint, index_directory, load_or_build
from tests.cli_runner import run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION, SEED_FILE


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    return folder


def test_index_command_saves_next_to_the_corpus_and_ask_reuses_it(corpus_dir: Path) -> None:
    made = run_quotebot("index", "--corpus", str(corpus_dir))
    assert made.returncode == 0, made.stderr
    assert "indexed 11 passages" in made.stdout
    assert {p.name for p in (corpus_dir / INDEX_DIRECTORY).iterdir()} == {"bm25.npz", "words.json"}
    listed = run_quotebot("corpus", "--corpus", str(corpus_dir))
    assert "1 document(s), 11 passage(s), 0 warning(s)" in listed.stdout
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), CARD_QUESTION)
    assert CARD_ANSWER in json.loads(asked.stdout)["results"][0]["quote"] and asked.stderr == ""


def test_a_saved_index_answers_exactly_like_a_fresh_one(corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir)
    SearchIndex.build([p.text for p in corpus.passages]).save(index_directory(corpus_dir), fingerprint(corpus.passages))
    loaded = SearchIndex.load(index_directory(corpus_dir), fingerprint(corpus.passages))
    assert loaded is not None
    fresh, reused = AnswerEngine(corpus), AnswerEngine(corpus, index=loaded)
    for question in (CARD_QUESTION, "Which region did Russia annex?", "wer putins 3 demands", "asdf"):
        assert fresh.answer(question, top=5) == reused.answer(question, top=5)


def test_a_changed_corpus_makes_the_saved_index_stale_and_it_is_rebuilt(corpus_dir: Path) -> None:
    assert run_quotebot("index", "--corpus", str(corpus_dir)).returncode == 0
    (corpus_dir / "grain.txt").write_text("title: Grain\ndate: 2023-05-01\n\nThe grain corridor reopened in May.\n")
    corpus = load_corpus(corpus_dir)
    directory = index_directory(corpus_dir)
    assert SearchIndex.load(directory, fingerprint(corpus.passages)) is None
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), "When did the grain corridor reopen?")
    assert json.loads(asked.stdout)["results"][0]["title"] == "Grain"
    assert SearchIndex.load(directory, fingerprint(corpus.passages)) is not None


@pytest.mark.parametrize("damage", ["truncate", "garbage", "words"])
def test_a_damaged_index_is_rebuilt_with_a_warning(corpus_dir: Path, damage: str) -> None:
    assert run_quotebot("index", "--corpus", str(corpus_dir)).returncode == 0
    bm25, word_file = corpus_dir / INDEX_DIRECTORY / "bm25.npz", corpus_dir / INDEX_DIRECTORY / "words.json"
    if damage == "truncate":
        bm25.write_bytes(bm25.read_bytes()[: bm25.stat().st_size // 2])
    elif damage == "garbage":
        bm25.write_bytes(b"not an index at all")
    else:
        word_file.write_text("{")
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), CARD_QUESTION)
    assert asked.returncode == 0
    assert CARD_ANSWER in json.loads(asked.stdout)["results"][0]["quote"]
    assert "is damaged" in asked.stderr and "rebuilding it" in asked.stderr and "Traceback" not in asked.stderr


def test_index_command_reports_an_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "corpus"
    blocker.mkdir()
    (blocker / "a.txt").write_text("Some text about grain.\n")
    (blocker / INDEX_DIRECTORY).write_text("a file where the index folder should be")
    made = run_quotebot("index", "--corpus", str(blocker))
    assert made.returncode == 1 and "cannot save the index" in made.stderr


def test_single_file_corpus_keeps_its_index_beside_the_file(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(SEED_FILE.read_bytes())
    assert run_quotebot("index", "--corpus", str(article)).returncode == 0
    assert (tmp_path / f"{INDEX_DIRECTORY}-article.txt" / "bm25.npz").exists()


def test_building_a_large_index_logs_progress_when_not_on_a_terminal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paragraphs = [f"Paragraph {n} mentions grain shipments number {n % 97}." for n in range(6000)]
    (tmp_path / "big.txt").write_text("\n\n".join(paragraphs) + "\n")
    corpus = load_corpus(tmp_path)
    with caplog.at_level(logging.INFO, logger="retrieval.progress"):
        load_or_build(corpus.passages, index_directory(tmp_path), save=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "retrieval.progress"]
    assert lines[0] == "indexing: 600/6000 passages (10%)" and lines[-1] == "indexing: 6000/6000 passages (100%)"
    assert not (tmp_path / INDEX_DIRECTORY).exists()
