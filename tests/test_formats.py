"""Every file type read into the same documents: metadata, verbatim passages, and a warning for each broken file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from corpus import Corpus, load_corpus
from corpus.titles import MAX_TITLE_CHARS, derived_title
from retrieval.engine import AnswerEngine
from tests.pdf_files import pdf_bytes

FORMATS = Path(__file__).parent / "data" / "formats"
GOOD = "good.txt"
PDF_PAGE_ONE = [
    "Harbour plan approved",
    "The port authority approved a new harbour plan on Monday, setting out",
    "ten years of investment in cranes, berths and the rail link to the inland",
    "depot, which officials said was affordable for the port.",
    "The first phase starts in the spring and will be paid for by the port",
    "itself, without new borrowing, the chairman said, adding that the secu-",
]
PDF_PAGE_TWO = ["2", "rity of the docks would improve as the new cranes replace the old ones.", "Unions welcomed it."]


@pytest.fixture(scope="module")
def formats() -> Corpus:
    return load_corpus(FORMATS)


def by_file(corpus: Corpus, name: str) -> list:
    return [document for document in corpus.documents if document.file == name]


def only_good_plus(tmp_path: Path, name: str, data: bytes) -> Corpus:
    """A corpus of one good text file and the file under test."""
    (tmp_path / GOOD).write_text("A good document about grain exports.\n", encoding="utf-8")
    (tmp_path / name).write_bytes(data)
    return load_corpus(tmp_path)


def test_every_passage_is_verbatim_from_its_documents_extracted_text(formats: Corpus) -> None:
    assert {d.kind for d in formats.documents} == {"html", "markdown", "feed"}
    for passage in formats.passages:
        assert passage.text == passage.document.text[passage.start : passage.end]
    engine = AnswerEngine(formats)
    for question in ("When can visitors see the panda cubs?", "When does work on the cycle lanes start?"):
        best = engine.answer(question).results[0]
        assert best.quote.replace("…", "") in best.passage.document.text


def test_html_article_keeps_its_text_and_metadata_and_drops_the_page_around_it(formats: Corpus) -> None:
    [page] = by_file(formats, "zoo-pandas.html")
    assert (page.title, page.date, page.author, page.publisher) == (
        "Zoo welcomes twin pandas",
        dt.date(2023, 5, 4),
        "Jane Roe",
        "City News",
    )
    assert page.url == "https://news.example.org/2023/05/zoo-pandas"
    assert page.text.startswith("The city zoo welcomed twin giant pandas on Tuesday")
    assert "are healthy and feeding well" in page.text
    for boilerplate in ("Home", "Cheap flights", "tracker", "font-family", "Great news", "rights reserved", "<"):
        assert boilerplate not in page.text


def test_markdown_markup_is_removed_and_headings_are_titles_not_passages(formats: Corpus) -> None:
    [article] = by_file(formats, "cycle-lanes.md")
    assert (article.title, article.date, article.author) == (
        "Council approves new cycle lanes",
        dt.date(2023, 4, 5),
        "Ann Lee, Tom Park",
    )
    passages = [p.text for p in formats.passages if p.document is article]
    assert passages[0].startswith("The city council voted on Tuesday to approve new cycle lanes across the centre")
    assert "Work starts in September and is expected to take eighteen months, the council said." in passages
    assert not any(mark in article.text for mark in ("**", "*", "`", "[", "](", "#", "Construction"))


def test_markdown_with_a_header_block_and_no_blank_line_after_it(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text(
        "title: Bridge reopens\ndate: 2023-06-01\n# Bridge reopens\nThe **old bridge** reopened on Thursday.\n"
    )
    [document] = load_corpus(tmp_path).documents
    assert (document.title, document.date, document.text) == (
        "Bridge reopens",
        dt.date(2023, 6, 1),
        "The old bridge reopened on Thursday.",
    )


def test_text_header_with_no_blank_line_after_it_never_becomes_quote_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("title: Budget talks\ndate: 2023-04-05\nMinisters met on budget talks.\n")
    corpus = load_corpus(tmp_path)
    assert corpus.documents[0].title == "Budget talks" and corpus.documents[0].date == dt.date(2023, 4, 5)
    assert [p.text for p in corpus.passages] == ["Ministers met on budget talks."]


def test_each_feed_entry_is_a_document_with_its_own_date_link_and_author(formats: Corpus) -> None:
    ferry, market = by_file(formats, "newsroom.rss")
    assert ferry.title == "Ferry service resumes after storm" and ferry.publisher == "Harbour Gazette"
    # 21:30 in New York on 6 March is 7 March in UTC; the article's own day is kept.
    assert ferry.date == dt.date(2023, 3, 6) and ferry.author == "Lena Ortiz"
    assert ferry.url == "https://gazette.example.org/ferry-resumes"
    assert (
        ferry.text.split("\n\n")[1] == "Operators said extra sailings would clear the backlog of freight by Wednesday."
    )
    assert market.date is None and market.url == "https://gazette.example.org/fish-market"
    [warning] = formats.warnings
    assert "newsroom.rss" in warning and "sometime last spring" in warning and "undated" in warning
    [lighthouse] = by_file(formats, "lighthouse.atom")
    assert lighthouse.date == dt.date(2023, 2, 9) and lighthouse.author == "Piet Jansen"
    assert lighthouse.text.startswith("The old lighthouse on the north cape") and "summary" not in lighthouse.text


def test_feed_entry_ids_survive_a_new_entry_at_the_top(tmp_path: Path) -> None:
    feed = (FORMATS / "newsroom.rss").read_text()
    (tmp_path / "news.rss").write_text(feed)
    before = {d.title: d.doc_id for d in load_corpus(tmp_path).documents}
    newer = "<item><title>New pier</title><guid>pier</guid><description>A new pier opened.</description></item>"
    (tmp_path / "news.rss").write_text(feed.replace("<item>", newer + "<item>", 1))
    after = {d.title: d.doc_id for d in load_corpus(tmp_path).documents}
    assert after["Ferry service resumes after storm"] == before["Ferry service resumes after storm"]
    assert len(after) == 3


def test_pdf_paragraphs_are_rebuilt_across_lines_hyphens_and_pages(tmp_path: Path) -> None:
    (tmp_path / "plan.pdf").write_bytes(pdf_bytes([PDF_PAGE_ONE, PDF_PAGE_TWO], title="Harbour plan"))
    corpus = load_corpus(tmp_path)
    [document] = corpus.documents
    assert document.title == "Harbour plan" and document.kind == "pdf" and document.date is None
    assert [p.text for p in corpus.passages] == [
        "The port authority approved a new harbour plan on Monday, setting out ten years of investment in cranes, "
        "berths and the rail link to the inland depot, which officials said was affordable for the port.",
        "The first phase starts in the spring and will be paid for by the port itself, without new borrowing, the "
        "chairman said, adding that the security of the docks would improve as the new cranes replace the old "
        "ones. Unions welcomed it.",
    ]


def test_pdf_heading_is_the_title_when_the_file_names_none(tmp_path: Path) -> None:
    (tmp_path / "plan.pdf").write_bytes(pdf_bytes([PDF_PAGE_ONE, PDF_PAGE_TWO]))
    assert load_corpus(tmp_path).documents[0].title == "Harbour plan approved"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("scan.pdf", pdf_bytes([[], []]), "no text layer"),
        ("truncated.pdf", pdf_bytes([PDF_PAGE_ONE])[:40], "not a readable PDF"),
        (
            "menu.html",
            b"<html><head><title>Menu</title></head><body><nav><ul><li><a href=/a>Home</a></li>"
            b"<li><a href=/b>Sport</a></li><li><a href=/c>Weather</a></li></ul></nav><footer>Contact</footer></body>",
            "no article text",
        ),
        ("broken.rss", b"<rss><channel><title>x</title><item><title>half", "not well-formed"),
        ("sitemap.xml", b'<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>', "feed"),
        ("empty.md", b"---\ntitle: Nothing\n---\n# Only a heading\n", "no text besides headings"),
        ("photo.jpg", b"\xff\xd8\xff\xe0 JFIF", "not a type quotebot reads"),
        ("notes", b"no extension at all", "not a type quotebot reads"),
    ],
)
def test_broken_or_unknown_file_is_one_warning_and_nothing_else_is_lost(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    corpus = only_good_plus(tmp_path, name, data)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    [warning] = corpus.warnings
    assert name in warning and reason in warning


def test_html_with_unclosed_tags_loads_every_paragraph(tmp_path: Path) -> None:
    page = (
        b"<html><head><title>Storm hits coast</title><body><article><h1>Storm hits coast<p>A storm hit the coast "
        b"on Monday, cutting power to thousands of homes across the region.<p>Crews worked through the night "
        b"to restore electricity, the utility said in a statement"
    )
    corpus = only_good_plus(tmp_path, "storm.html", page)
    storm = corpus.document("storm")
    assert storm is not None and storm.title == "Storm hits coast" and storm.date is None
    assert storm.text.split("\n\n") == [
        "A storm hit the coast on Monday, cutting power to thousands of homes across the region.",
        "Crews worked through the night to restore electricity, the utility said in a statement",
    ]


def test_markdown_with_broken_front_matter_warns_and_keeps_its_text(tmp_path: Path) -> None:
    corpus = only_good_plus(tmp_path, "bad.md", b"---\ntitle: [unclosed\n---\nThe ferry runs again.\n")
    assert corpus.document("bad") is not None and corpus.document("bad").text == "The ferry runs again."
    [warning] = corpus.warnings
    assert "bad.md" in warning and "front matter" in warning


def test_sources_toml_gives_metadata_and_warns_about_what_it_cannot_use(tmp_path: Path) -> None:
    shutil.copy(FORMATS / "zoo-pandas.html", tmp_path)
    (tmp_path / "plain.txt").write_text("Ministers met in Brussels on Tuesday.\n")
    (tmp_path / "sources.toml").write_text(
        '["plain.txt"]\ntitle = "Ministers meet"\npublisher = "EU Desk"\nurl = "https://eu.example/m"\n'
        'date = 2023-01-31\nauthor = "A. Writer"\n\n["zoo-pandas.html"]\npublisher = "Metro Daily"\ncolour = "red"\n'
        '\n["gone.txt"]\ntitle = "No such file"\n'
    )
    corpus = load_corpus(tmp_path)
    plain, zoo = corpus.document("plain"), corpus.document("zoo-pandas")
    assert plain is not None and zoo is not None
    assert (plain.title, plain.publisher, plain.url, plain.date, plain.author) == (
        "Ministers meet",
        "EU Desk",
        "https://eu.example/m",
        dt.date(2023, 1, 31),
        "A. Writer",
    )
    assert zoo.publisher == "Metro Daily" and zoo.title == "Zoo welcomes twin pandas"
    assert len(corpus.warnings) == 2
    assert any("colour" in w for w in corpus.warnings) and any("gone.txt" in w for w in corpus.warnings)


def test_unreadable_sources_toml_is_a_warning_and_the_files_still_load(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.\n")
    (tmp_path / "sources.toml").write_text('["a.txt"\ntitle = \n')
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["a"]
    [warning] = corpus.warnings
    assert "sources.toml" in warning and "ignored" in warning


def test_same_name_in_two_formats_keeps_both_documents_apart(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("The plain version of a story about ferries.\n")
    (tmp_path / "story.md").write_text("The *markdown* version of a story about trains.\n")
    assert sorted(d.doc_id for d in load_corpus(tmp_path).documents) == ["story.md", "story.txt"]


def test_a_second_copy_of_the_same_text_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The same words twice.\n")
    (tmp_path / "b.md").write_text("The same words twice.\n")
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["a"]
    assert corpus.warnings == [f"{tmp_path / 'b.md'}: b has the same text as a; skipped"]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "French President Emmanuel Macron said during a TV interview, that Europe should prepare a new "
            "security architecture with regard to Russia’s interest.",
            "French President Emmanuel Macron said during a TV interview",
        ),
        (
            "Russian dictator Vladimir Putin said on Friday that he is open to talks regarding an end to the "
            "conflict in Ukraine and believes in a diplomatic approach.",
            "Russian dictator Vladimir Putin said on Friday that he is open to talks…",
        ),
        ("Ferries run again.", "Ferries run again"),
    ],
)
def test_derived_titles_are_short_and_end_at_a_clause_or_word(text: str, title: str) -> None:
    assert derived_title(text) == title
    assert len(title) <= MAX_TITLE_CHARS
    assert title.rstrip("…").split()[-1].lower() not in {"that", "the", "of", "said"}
