"""The saved search index: `quotebot index`, reuse at start-up without reading the corpus, rebuilds, progress."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from corpus import load_corpus
from corpus.manifest import CorpusManifest
from retrieval.engine import AnswerEngine
from retrieval.saved_corpus import dated
from retrieval.search_index import (
    CURRENT,
    INDEX_DIRECTORY,
    build_and_save,
    index_directory,
    load_or_build,
    open_index,
)
from tests.cli_runner import run_quotebot
from tests.conftest import CARD_ANSWER, CARD_QUESTION, SEED_FILE


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / SEED_FILE.name).write_bytes(SEED_FILE.read_bytes())
    return folder


def _build(corpus_dir: Path) -> Path:
    """The folder of the build `quotebot index` made."""
    made = run_quotebot("index", "--corpus", str(corpus_dir))
    assert made.returncode == 0, made.stderr
    directory = corpus_dir / INDEX_DIRECTORY
    return directory / (directory / CURRENT).read_text().strip()


def test_index_command_saves_next_to_the_corpus_and_ask_reuses_it(corpus_dir: Path) -> None:
    made = run_quotebot("index", "--corpus", str(corpus_dir))
    assert made.returncode == 0, made.stderr
    assert "indexed 11 passages (" in made.stdout and "vectors for the semantic stage" in made.stdout
    build = _build(corpus_dir)
    assert (build / "arrays.json").exists() and (build / "bm25.ids.npy").exists()
    vectors = [p for p in (corpus_dir / INDEX_DIRECTORY).iterdir() if p.name.startswith("vectors-")]
    # The 11 passages' vectors, and the 5 sentences' of the two passages with more than one.
    assert len(vectors) == 1 and len(np.load(vectors[0])) == 11 + 5
    assert {p.name for p in (corpus_dir / INDEX_DIRECTORY).iterdir()} == {
        CURRENT,
        build.name,
        ".gitignore",
        vectors[0].name,
    }
    embedded = vectors[0].stat().st_mtime_ns
    listed = run_quotebot("corpus", "--corpus", str(corpus_dir))
    assert "1 document(s), 11 passage(s), 0 warning(s)" in listed.stdout
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), CARD_QUESTION)
    assert CARD_ANSWER in json.loads(asked.stdout)["results"][0]["quote"] and asked.stderr == ""
    assert _build(corpus_dir).parent == build.parent
    assert vectors[0].stat().st_mtime_ns == embedded


def test_a_saved_index_answers_exactly_like_a_fresh_one(corpus_dir: Path) -> None:
    (corpus_dir / "notes.txt").write_text(
        "title: Café notes\ndate: 2023-05-01\n\nThe café on the Dnipro reopened — with 3 new “terraces”.\n\n"
        "Its owner, Olena, said: “We stayed.” Prices rose 20%. Mr. Petrenko agreed.\n",
        encoding="utf-8",
    )
    corpus = load_corpus(corpus_dir)
    build_and_save(corpus_dir)
    saved = open_index(index_directory(corpus_dir), corpus_dir)
    assert saved is not None
    assert list(saved.corpus.documents) == corpus.documents
    assert list(saved.corpus.passages) == corpus.passages
    fresh, reused = AnswerEngine(corpus), AnswerEngine(saved.corpus, index=saved.index)
    questions = (CARD_QUESTION, "Which region did Russia annex?", "wer putins 3 demands", "asdf", "cafe terraces")
    for question in questions:
        assert fresh.answer(question, top=5) == reused.answer(question, top=5)
    for number, passage in enumerate(corpus.passages):
        assert reused.passage_number(passage.passage_id) == fresh.passage_number(passage.passage_id) == number
    assert reused.passage_number("notes#p99") is None and reused.passage_number("") is None
    assert dated(saved.corpus.documents) and dated(corpus.documents) and not dated(corpus.documents[:0])


def test_start_up_trusts_a_file_whose_size_and_mtime_are_unchanged(corpus_dir: Path) -> None:
    """The cheap check: the file is not read again, so an edit that kept its size and mtime goes unseen."""
    build = _build(corpus_dir)
    seed = corpus_dir / SEED_FILE.name
    status = seed.stat()
    seed.write_bytes(seed.read_bytes().replace(b"Putin", b"Pupin"))
    os.utime(seed, ns=(status.st_atime_ns, status.st_mtime_ns))
    corpus, _ = load_or_build(corpus_dir)
    assert any("Putin" in passage.text for passage in corpus.passages)
    assert _build_name(corpus_dir) == build.name


def test_a_touched_but_unchanged_file_keeps_the_saved_index(corpus_dir: Path) -> None:
    build = _build(corpus_dir)
    os.utime(corpus_dir / SEED_FILE.name, ns=(1, 1))
    load_or_build(corpus_dir)
    assert _build_name(corpus_dir) == build.name


def test_a_changed_corpus_makes_the_saved_index_stale_and_it_is_rebuilt(corpus_dir: Path) -> None:
    build = _build(corpus_dir)
    (corpus_dir / "grain.txt").write_text("title: Grain\ndate: 2023-05-01\n\nThe grain corridor reopened in May.\n")
    saved = open_index(index_directory(corpus_dir), corpus_dir)
    assert saved is not None
    assert saved.manifest.changes(CorpusManifest.scan(corpus_dir)).added == ("grain.txt",)
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), "When did the grain corridor reopen?")
    assert json.loads(asked.stdout)["results"][0]["title"] == "Grain"
    assert _build_name(corpus_dir) != build.name and not build.exists()
    corpus, _ = load_or_build(corpus_dir)
    assert len(corpus.documents) == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage", "manifest", "current"])
def test_a_damaged_index_is_rebuilt_with_a_warning(corpus_dir: Path, damage: str) -> None:
    build = _build(corpus_dir)
    ids = build / "bm25.ids.npy"
    if damage == "truncate":
        ids.write_bytes(ids.read_bytes()[: ids.stat().st_size // 2])
    elif damage == "garbage":
        ids.write_bytes(b"\x93NUMPY not an array at all" + bytes(ids.stat().st_size - 26))
    elif damage == "manifest":
        (build / "arrays.json").write_text("{")
    else:
        (corpus_dir / INDEX_DIRECTORY / CURRENT).write_text("../elsewhere\n")
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), CARD_QUESTION)
    assert asked.returncode == 0
    assert CARD_ANSWER in json.loads(asked.stdout)["results"][0]["quote"]
    assert "is damaged" in asked.stderr and "rebuilding it" in asked.stderr and "Traceback" not in asked.stderr
    assert _build_name(corpus_dir) != build.name


def test_an_index_in_the_older_format_is_removed_and_rebuilt_with_one_log_line(corpus_dir: Path) -> None:
    directory = corpus_dir / INDEX_DIRECTORY
    directory.mkdir()
    (directory / "bm25.npz").write_bytes(b"PK\x03\x04 an old zip")
    (directory / "words.json").write_text('{"fingerprint": "old"}')
    asked = run_quotebot("ask", "--json", "--corpus", str(corpus_dir), CARD_QUESTION)
    assert CARD_ANSWER in json.loads(asked.stdout)["results"][0]["quote"]
    assert asked.stderr.count("older format") == 1 and len(asked.stderr.splitlines()) == 1
    assert not (directory / "bm25.npz").exists() and (directory / CURRENT).exists()


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
    assert (tmp_path / f"{INDEX_DIRECTORY}-article.txt" / CURRENT).exists()
    corpus, _ = load_or_build(article)
    assert len(corpus.passages) == 11


def test_building_a_large_index_logs_progress_when_not_on_a_terminal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paragraphs = [f"Paragraph {n} mentions grain shipments number {n % 97}." for n in range(6000)]
    (tmp_path / "big.txt").write_text("\n\n".join(paragraphs) + "\n")
    with caplog.at_level(logging.INFO, logger="retrieval.progress"):
        load_or_build(tmp_path, save=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "retrieval.progress"]
    # A line each time another tenth or more is done, the passages counted as each run of them is tokenised.
    percents = [int(line.rsplit("(", 1)[1].rstrip("%)")) for line in lines]
    assert all(line.startswith("indexing: ") and line.endswith("%)") for line in lines)
    assert 5 <= len(lines) <= 10 and percents[0] <= 20 and percents[-1] == 100 and percents == sorted(percents)
    assert lines[-1] == "indexing: 6000/6000 passages (100%)"
    assert not (tmp_path / INDEX_DIRECTORY).exists()


def _build_name(corpus_dir: Path) -> str:
    return (corpus_dir / INDEX_DIRECTORY / CURRENT).read_text().strip()
