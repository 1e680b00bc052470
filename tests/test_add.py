"""`quotebot add`: files and URLs into the corpus folder, checked, under stable names, never twice."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus import load_corpus
from corpus.fetch import FetchError, fetch
from corpus.intake import AddRefused, add_source
from tests.article_server import ArticleServer, Page
from tests.cli_runner import run_quotebot

FORMATS = Path(__file__).parent / "data" / "formats"
ZOO = (FORMATS / "zoo-pandas.html").read_bytes()
UNDATED_PAGE = (
    b"<html><head><title>Tram line extended</title></head><body><article><h1>Tram line extended</h1>"
    b"<p>The tram line will be extended to the airport by 2026, the transport authority said on Friday.</p>"
    b"<p>Construction of the four new stops begins next spring.</p></article></body></html>"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "first.txt").write_text("title: First\ndate: 2023-01-02\n\nThe first article, about grain.\n")
    return corpus


@pytest.fixture
def server() -> Iterator[ArticleServer]:
    pages = {
        "/news/tram-line": Page(UNDATED_PAGE),
        "/zoo": Page(ZOO),
        "/photo": Page(b"\x89PNG", content_type="image/png"),
        "/big": Page(b"<p>" + b"x" * 5000 + b"</p>"),
        "/slow": Page(UNDATED_PAGE, delay=2.0),
        "/gone": Page(b"", status=410),
        "/moved": Page(b"", status=301, location="/news/tram-line"),
    }
    with ArticleServer(pages) as running:
        yield running


def test_add_copies_a_file_under_a_stable_name_and_prints_what_it_read(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "Zoo Pandas!.html"
    source.write_bytes(ZOO)
    run = run_quotebot("add", "--corpus", str(folder), str(source))
    assert run.returncode == 0, run.stderr
    [stored] = [p for p in folder.iterdir() if p.suffix == ".html"]
    assert stored.name.startswith("Zoo-Pandas-") and stored.read_bytes() == ZOO
    assert run.stdout == f"added {stored.name}\n  Zoo welcomes twin pandas (4 May 2023), 3 passages\n"
    assert {d.title for d in load_corpus(folder).documents} == {"First", "Zoo welcomes twin pandas"}

    again = run_quotebot("add", "--corpus", str(folder), str(source))
    assert again.returncode == 1 and stored.name in again.stderr and "already in the corpus" in again.stderr


def test_the_first_sources_go_into_an_empty_or_new_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "zoo.html").write_bytes(ZOO)
    (tmp_path / "tram.html").write_bytes(UNDATED_PAGE)
    run = run_quotebot("add", "--corpus", str(empty), str(tmp_path / "zoo.html"), str(tmp_path / "tram.html"))
    assert run.returncode == 0, run.stderr
    assert "Zoo welcomes twin pandas (4 May 2023), 3 passages" in run.stdout and "Tram line extended" in run.stdout
    assert {d.title for d in load_corpus(empty).documents} == {"Zoo welcomes twin pandas", "Tram line extended"}

    new = tmp_path / "newsroom" / "sources"
    run = run_quotebot("add", "--corpus", str(new), str(tmp_path / "zoo.html"))
    assert run.returncode == 0, run.stderr
    assert run.stderr == f"quotebot: note: created the corpus folder {new}\n"
    assert [d.title for d in load_corpus(new).documents] == ["Zoo welcomes twin pandas"]


def test_the_same_text_in_another_file_is_refused_naming_the_existing_file(folder: Path) -> None:
    corpus = load_corpus(folder)
    with pytest.raises(AddRefused, match=r"same text as first\.txt"):
        add_source(corpus, "copy.md", b"The first article,\nabout grain.\n")
    assert sorted(p.name for p in folder.iterdir()) == ["first.txt"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photo.png", b"\x89PNG", "not a type quotebot reads"),
        ("scan.html", b"<html><body><nav><a href=/>Home</a></nav></body></html>", "no article text"),
        ("empty.txt", b"", "empty file"),
    ],
)
def test_unreadable_sources_are_refused_and_nothing_is_written(
    folder: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(AddRefused, match=reason):
        add_source(load_corpus(folder), name, data)
    assert sorted(p.name for p in folder.iterdir()) == ["first.txt"]


def test_a_single_file_corpus_cannot_take_new_sources(folder: Path) -> None:
    with pytest.raises(AddRefused, match="single file"):
        add_source(load_corpus(folder / "first.txt"), "zoo.html", ZOO)


def test_add_url_fetches_the_page_and_keeps_its_url_in_sources_toml(folder: Path, server: ArticleServer) -> None:
    (folder / "sources.toml").write_text('# ours\n["first.txt"]\npublisher = "Grain Weekly"\n')
    run = run_quotebot("add", "--corpus", str(folder), server.url("/moved"), server.url("/photo"))
    assert run.returncode == 1
    assert "added tram-line-" in run.stdout and "Tram line extended (undated), 2 passages" in run.stdout
    assert "image/png, not a type quotebot reads" in run.stderr
    sources = (folder / "sources.toml").read_text()
    assert sources.startswith('# ours\n["first.txt"]\npublisher = "Grain Weekly"\n')
    [stored] = [name for name in tomllib.loads(sources) if name.startswith("tram-line-")]
    assert tomllib.loads(sources)[stored] == {"url": server.url("/news/tram-line")}
    tram = next(d for d in load_corpus(folder).documents if d.file == stored)
    assert tram.url == server.url("/news/tram-line") and tram.date is None


def test_a_page_with_its_own_canonical_url_keeps_that_one(folder: Path, server: ArticleServer) -> None:
    fetched = fetch(server.url("/zoo"))
    added = add_source(load_corpus(folder), fetched.name, fetched.raw, url=fetched.url)
    assert not (folder / "sources.toml").exists()
    assert added.source.documents[0].url == "https://news.example.org/2023/05/zoo-pandas"


@pytest.mark.parametrize(
    ("path", "kwargs", "reason"),
    [
        ("/big", {"max_bytes": 1000}, "larger than 1,000 bytes"),
        ("/slow", {"timeout": 0.3}, "did not answer within 0.3 s"),
        ("/gone", {}, "HTTP 410"),
        ("/nothing-here", {}, "HTTP 404"),
    ],
)
def test_fetch_refuses_large_slow_and_failed_answers(
    server: ArticleServer, path: str, kwargs: dict, reason: str
) -> None:
    with pytest.raises(FetchError, match=reason):
        fetch(server.url(path), **kwargs)


def test_fetch_refuses_other_schemes_and_never_shows_a_password() -> None:
    with pytest.raises(FetchError, match="not an http") as error:
        fetch("ftp://user:hunter2@example.org/file.txt")
    assert "hunter2" not in str(error.value)
    with pytest.raises(FetchError) as refused:
        fetch("http://user:hunter2@127.0.0.1:9/x?token=abc", timeout=0.5)
    assert "hunter2" not in str(refused.value) and "abc" not in str(refused.value)


def test_add_files_of_every_type(folder: Path) -> None:
    for example in FORMATS.iterdir():
        shutil.copy(example, folder)
    assert {d.kind for d in load_corpus(folder).documents} == {"text", "html", "markdown", "feed"}
