"""`quotebot corpus` (what was read, and what was not) and `quotebot add` (new sources into the folder)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.answers.added import added_summary
from bot.cli.exit_codes import EXIT_FAILURE, EXIT_OK
from bot.ops.settings import corpus_path
from corpus import Corpus, CorpusError, load_corpus
from corpus.fetch import FetchError, fetch
from corpus.intake import Added, AddRefused, add_source


def add_sources_subcommands(commands: Any) -> None:
    """Register `quotebot corpus` and `quotebot add` on the CLI's sub-command set."""
    listing = commands.add_parser(
        "corpus",
        help="list the documents (type, title, date, url, passages) and the load warnings",
        description="One line per document: id, type, date, passages, title, url; then every warning.",
    )
    listing.add_argument("--corpus", metavar="PATH", help="folder or file of source articles (default: seeds/)")
    listing.add_argument("--text", metavar="DOC_ID", help="print exactly the text indexed for this document")
    listing.set_defaults(handler=run_corpus)

    add = commands.add_parser(
        "add",
        help="copy files or fetch URLs into the corpus folder",
        description="Each PATH is copied, each http(s) URL fetched, into the corpus folder under a stable "
        "name; a source whose text is already in the corpus is refused.",
    )
    add.add_argument("--corpus", metavar="PATH", help="the corpus folder to add to (default: seeds/)")
    add.add_argument("sources", nargs="+", metavar="PATH|URL")
    add.set_defaults(handler=run_add)


def run_corpus(args: argparse.Namespace) -> int:
    """Print the documents (newest first is for readers; this is the folder's order) and the warnings."""
    corpus = _load(args.corpus)
    if corpus is None:
        return EXIT_FAILURE
    if args.text:
        document = corpus.document(args.text)
        if document is None:
            print(f"quotebot: error: no document {args.text!r} in the corpus", file=sys.stderr)
            return EXIT_FAILURE
        sys.stdout.write(document.text if document.text.endswith("\n") else document.text + "\n")
        return EXIT_OK
    counts: dict[str, int] = {}
    for passage in corpus.passages:
        counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
    for d in corpus.documents:
        date = d.date.isoformat() if d.date else "undated"
        print(f"{d.doc_id}\t{d.kind}\t{date}\t{counts.get(d.doc_id, 0)} passages\t{d.title}\t{d.url or '-'}")
    for warning in corpus.warnings:
        print(f"warning: {warning}")
    print(f"{len(corpus.documents)} document(s), {len(corpus.passages)} passage(s), {len(corpus.warnings)} warning(s)")
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    """Add each source in turn; one refused source does not stop the others, but makes the exit code 1."""
    failures = 0
    corpus = _folder_to_add_to(args.corpus)
    if corpus is None:
        return EXIT_FAILURE
    for source in args.sources:
        try:
            added = add_one(corpus, source)
        except (AddRefused, FetchError, OSError) as error:
            print(f"quotebot: not added: {error}", file=sys.stderr)
            failures += 1
            continue
        print(added_summary(added))
        corpus = load_corpus(corpus.root, previous=corpus)
    return EXIT_FAILURE if failures else EXIT_OK


def add_one(corpus: Corpus, source: str) -> Added:
    """Fetch a URL or read a local file, then add it to the corpus folder."""
    if source.startswith(("http://", "https://")):
        fetched = fetch(source)
        return add_source(corpus, fetched.name, fetched.raw, url=fetched.url)
    path = Path(source)
    if not path.is_file():
        raise AddRefused(f"{source} is not a file")
    return add_source(corpus, path.name, path.read_bytes())


def _folder_to_add_to(override: str | None) -> Corpus | None:
    """What the corpus folder holds, for refusing duplicates; a new or empty folder is a corpus of nothing yet
    (the first source of a newsroom is added like every later one)."""
    root = corpus_path(override)
    if not root.exists():
        try:
            root.mkdir(parents=True)
        except OSError as error:
            reason = error.strerror or error
            print(f"quotebot: error: cannot create the corpus folder {root}: {reason}", file=sys.stderr)
            return None
        print(f"quotebot: note: created the corpus folder {root}", file=sys.stderr)
    try:
        return load_corpus(root)
    except CorpusError as error:
        if root.is_dir():
            return Corpus(root=root)
        print(f"quotebot: error: {error}", file=sys.stderr)
        return None


def _load(override: str | None) -> Corpus | None:
    try:
        return load_corpus(corpus_path(override))
    except CorpusError as error:
        print(f"quotebot: error: {error}", file=sys.stderr)
        return None
