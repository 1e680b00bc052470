"""Loading source files: headers, encodings, bad files and passage splitting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from corpus import CorpusError, load_corpus
from corpus.splitting import MAX_PASSAGE_CHARS
from tests.conftest import SEED_FILE, SEED_TITLE, SEEDS


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_seed_folder_matches_the_shared_seed_byte_for_byte() -> None:
    shared = SEEDS.parent.parent / "shared" / "seeds" / SEED_FILE.name
    if shared.exists():
        assert SEED_FILE.read_bytes() == shared.read_bytes()
    assert SEED_FILE.read_bytes().startswith(b" date 2022-12-03 French President")


def test_seed_date_prefix_is_read_and_removed_from_the_text(seed_corpus) -> None:
    [document] = seed_corpus.documents
    assert document.date == dt.date(2022, 12, 3)
    assert document.text.startswith("French President Emmanuel Macron said")
    assert document.file == SEED_FILE.name and document.source is None
    assert document.title == SEED_TITLE
    assert seed_corpus.warnings == []


def test_seed_passages_are_its_paragraphs_verbatim_with_curly_quotes(seed_corpus) -> None:
    raw = SEED_FILE.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in raw.split("\n\n") if p.strip()]
    assert len(seed_corpus.passages) == len(paragraphs)
    for passage in seed_corpus.passages:
        assert passage.text in raw
        assert passage.text == seed_corpus.documents[0].text[passage.start : passage.end]
    assert "“This means that one of the essential points" in seed_corpus.passages[3].text
    assert [p.paragraph for p in seed_corpus.passages] == list(range(1, len(paragraphs) + 1))
    assert seed_corpus.passages[8].passage_id == "000_f1d616dfc469d761#p9"


def test_header_block_gives_title_date_and_url(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.txt",
        "title: Budget talks\ndate: 2023-04-05\nurl: https://example.org/a\n\nFirst paragraph.\n\nSecond one.\n",
    )
    corpus = load_corpus(tmp_path)
    [document] = corpus.documents
    assert (document.title, document.date, document.source) == (
        "Budget talks",
        dt.date(2023, 4, 5),
        "https://example.org/a",
    )
    assert [p.text for p in corpus.passages] == ["First paragraph.", "Second one."]


def test_bom_and_crlf_line_ends_load_like_plain_utf8(tmp_path: Path) -> None:
    write(tmp_path, "bom.txt", "\ufefftitle: With BOM\r\ndate: 2021-01-02\r\n\r\nOne.\r\n\r\nTwo “quoted”.\r\n")
    corpus = load_corpus(tmp_path)
    assert corpus.documents[0].title == "With BOM"
    assert [p.text for p in corpus.passages] == ["One.", "Two “quoted”."]


def test_document_without_date_is_undated_and_titled_from_its_first_sentence(tmp_path: Path) -> None:
    write(
        tmp_path,
        "plain.txt",
        "Ministers met in Brussels on Tuesday to discuss the grain corridor and other matters of trade. More text.\n",
    )
    [document] = load_corpus(tmp_path).documents
    assert document.date is None
    assert document.title == "Ministers met in Brussels on Tuesday to discuss the grain corridor and other…"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \n", "empty file"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a type quotebot reads"),
        ("nul.txt", b"text\x00with a NUL byte", "binary file"),
        ("latin1.txt", "caf\xe9 au lait".encode("latin-1"), "not valid UTF-8"),
        ("header-only.txt", b"title: Nothing\ndate: 2022-01-01\n\n", "header but no text"),
    ],
)
def test_bad_file_is_skipped_with_one_warning_naming_it(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    write(tmp_path, "good.txt", "A good document about grain.\n")
    write(tmp_path, name, data)
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    [warning] = corpus.warnings
    assert name in warning and reason in warning


def test_malformed_date_warns_and_loads_the_document_undated(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", " date 2022-13-45 Something happened.\n")
    write(tmp_path, "b.txt", "title: B\ndate: next week\n\nOther text.\n")
    corpus = load_corpus(tmp_path)
    assert [d.date for d in corpus.documents] == [None, None]
    assert len(corpus.warnings) == 2
    assert all("malformed date" in w for w in corpus.warnings)
    assert corpus.documents[0].text == "Something happened.\n"


def test_empty_subdirectory_warns_and_nested_documents_load(tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    (tmp_path / "more").mkdir()
    write(tmp_path / "more", "x.txt", "Nested text.\n")
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["more/x"]
    assert corpus.warnings == [f"{tmp_path / 'nothing'}: directory is empty"]


def test_a_single_file_is_a_corpus() -> None:
    corpus = load_corpus(SEED_FILE)
    assert len(corpus.documents) == 1 and len(corpus.passages) == 11


@pytest.mark.parametrize("setup", ["missing", "empty_dir", "only_bad"])
def test_corpus_with_nothing_usable_is_a_clear_error(tmp_path: Path, setup: str) -> None:
    target = tmp_path / "corpus"
    if setup != "missing":
        target.mkdir()
    if setup == "only_bad":
        write(target, "bad.txt", b"\x00\x01")
    with pytest.raises(CorpusError) as error:
        load_corpus(target)
    assert str(target) in str(error.value)


def test_long_paragraph_is_split_into_verbatim_sentence_windows(tmp_path: Path) -> None:
    sentences = [
        f"Sentence number {i} talks about topic {i} in some detail, with Mr. Smith present." for i in range(40)
    ]
    paragraph = " ".join(sentences)
    write(tmp_path, "long.txt", "Short intro.\n\n" + paragraph + "\n")
    corpus = load_corpus(tmp_path)
    windows = corpus.passages[1:]
    assert len(windows) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in windows)
    assert " ".join(p.text for p in windows) == paragraph
    assert [p.passage_id for p in windows][:2] == ["long#p2.1", "long#p2.2"]
    assert all(p.paragraph == 2 for p in windows)
