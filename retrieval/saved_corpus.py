"""A loaded corpus as mapped arrays — documents, their texts, passages, sentence spans — reopened without its files.

Start-up over a saved index never reads or splits a source file: documents and passages are rebuilt from
these arrays one at a time, when something asks for them, so opening a million passages costs nothing.
A document's record is its dataclass fields (all but `text`) as one JSON object, so a field added to
Document is saved and restored without a change here; its text is UTF-8 in one shared blob, and each
passage knows both its character offsets in the document and its byte offsets in that blob.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from corpus.loader import Corpus
from corpus.model import Document, Passage
from corpus.sentences import sentence_spans
from retrieval.string_table import PackedStrings, PositionIndex

# Documents decoded and kept at once; a document's text may be long.
DOCUMENT_CACHE = 256


def passage_sentences(text: str) -> list[tuple[int, int]]:
    """A passage's sentences as the second stage and the quotes see them: the whole text when none is found."""
    return sentence_spans(text) or [(0, len(text))]


class SentenceSpans(typing.NamedTuple):
    """Every passage's sentences (passage_sentences): passage i's are `spans[counts[:i].sum():][:counts[i]]`."""

    counts: np.ndarray
    spans: np.ndarray

    @classmethod
    def of(cls, sentences: Sequence[Sequence[tuple[int, int]]]) -> SentenceSpans:
        flat = [span for spans_of_passage in sentences for span in spans_of_passage]
        counts = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        return cls(counts, np.array(flat, dtype=np.int32).reshape(-1, 2))


def corpus_arrays(corpus: Corpus, sentences: SentenceSpans) -> dict[str, np.ndarray]:
    """Every `corpus.*` array; `sentences` holds each passage's sentence spans."""
    documents = corpus.documents
    position = {document.doc_id: i for i, document in enumerate(documents)}
    # Every text's UTF-8 written straight into one array: a list of the encoded texts and their join would
    # hold two more copies of the corpus at once, the peak of a large build.
    text_starts = np.concatenate(([0], np.cumsum([_utf8_length(d.text) for d in documents], dtype=np.int64)))
    document_text = np.empty(int(text_starts[-1]), dtype=np.uint8)
    for document, start, end in zip(documents, text_starts[:-1].tolist(), text_starts[1:].tolist(), strict=True):
        document_text[start:end] = np.frombuffer(document.text.encode("utf-8"), dtype=np.uint8)
    passages = corpus.passages
    owners = np.fromiter((position[p.doc_id] for p in passages), dtype=np.int32, count=len(passages))
    chars = np.array([(p.start, p.end) for p in passages], dtype=np.int64).reshape(-1, 2)
    byte_offsets = np.empty((len(passages), 2), dtype=np.int64)
    # Walk each document's passages in order, encoding only the text between one offset and the next.
    cursor: dict[int, tuple[int, int]] = {}
    for i, passage in enumerate(passages):
        owner = int(owners[i])
        char, byte = cursor.get(owner, (0, 0))
        text = documents[owner].text
        if passage.start < char:
            char, byte = 0, 0
        start = byte + len(text[char : passage.start].encode("utf-8"))
        end = start + len(passage.text.encode("utf-8"))
        byte_offsets[i] = (text_starts[owner] + start, text_starts[owner] + end)
        cursor[owner] = (passage.end, end)
    passage_ids = [p.passage_id for p in passages]
    ids = PackedStrings.build(passage_ids)
    return {
        "corpus.document_text": document_text,
        "corpus.document_starts": text_starts,
        **PackedStrings.build(json.dumps(_record(d), ensure_ascii=False) for d in documents).arrays("corpus.records"),
        **ids.arrays("corpus.passage_ids"),
        **PositionIndex.build(ids, passage_ids).arrays("corpus.passage_id_index"),
        "corpus.passage_document": owners,
        "corpus.passage_paragraph": np.fromiter((p.paragraph for p in passages), dtype=np.int64, count=len(passages)),
        "corpus.passage_chars": chars,
        "corpus.passage_bytes": byte_offsets,
        "corpus.sentence_starts": np.concatenate(([0], np.cumsum(sentences.counts, dtype=np.int64))),
        "corpus.sentences": sentences.spans,
    }


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def saved_corpus(root: Path, arrays: dict[str, np.ndarray], warnings: list[str]) -> Corpus:
    """The corpus saved by `corpus_arrays`, documents and passages made when first asked for."""
    store = _Store(arrays)
    return Corpus(root=root, documents=SavedDocuments(store), passages=SavedPassages(store), warnings=warnings)


def passage_numbers(passages: Sequence[Passage]) -> Mapping[str, int]:
    """Each passage id's position in `passages`: looked up in the saved index when the passages are saved
    ones (a dict of a million ids would take seconds and a hundred MB in every worker)."""
    if isinstance(passages, SavedPassages):
        return passages.numbers
    return {passage.passage_id: number for number, passage in enumerate(passages)}


def dated(documents: Sequence[Document]) -> bool:
    """Whether any document has a date, reading only the saved documents' records, never their texts."""
    if isinstance(documents, SavedDocuments):
        return documents.any_dated()
    return any(document.date is not None for document in documents)


def passage_texts(passages: Sequence[Passage]) -> Sequence[str]:
    """The passages' texts, without making Passage objects when the passages are saved ones."""
    if isinstance(passages, SavedPassages):
        return passages.texts
    return [passage.text for passage in passages]


def saved_sentences(passages: Sequence[Passage]) -> Sequence[list[tuple[int, int]]] | None:
    """The saved passages' sentence spans, or None for passages that were not saved."""
    return passages.sentences if isinstance(passages, SavedPassages) else None


class _Store:
    """The arrays, checked to fit together, with the text blob as bytes-like memory."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        try:
            self.records = PackedStrings.from_arrays(arrays, "corpus.records")
            self.passage_ids = PackedStrings.from_arrays(arrays, "corpus.passage_ids")
            self.passage_index = PositionIndex.from_arrays(self.passage_ids, arrays, "corpus.passage_id_index")
            self.text = arrays["corpus.document_text"]
            self.document_starts = arrays["corpus.document_starts"]
            self.owners = arrays["corpus.passage_document"]
            self.paragraphs = arrays["corpus.passage_paragraph"]
            self.chars = arrays["corpus.passage_chars"]
            self.bytes = arrays["corpus.passage_bytes"]
            self.sentence_starts = arrays["corpus.sentence_starts"]
            self.sentences = arrays["corpus.sentences"]
        except KeyError as error:
            raise ValueError(f"saved corpus array {error} is missing") from error
        count = len(self.passage_ids)
        if not (
            len(self.document_starts) == len(self.records) + 1
            and int(self.document_starts[-1]) == len(self.text)
            and len(self.owners) == len(self.paragraphs) == len(self.chars) == len(self.bytes) == count
            and len(self.sentence_starts) == count + 1
            and int(self.sentence_starts[-1]) == len(self.sentences)
            and (count == 0 or (int(self.owners.min()) >= 0 and int(self.owners.max()) < len(self.records)))
            and (count == 0 or (int(self.bytes.min()) >= 0 and int(self.bytes.max()) <= len(self.text)))
        ):
            raise ValueError("the saved corpus arrays do not fit together")
        self.document = lru_cache(maxsize=DOCUMENT_CACHE)(self._document)

    def passage_text(self, index: int) -> str:
        start, end = self.bytes[index].tolist()
        return bytes(self.text[start:end]).decode("utf-8")

    def _document(self, index: int) -> Document:
        start, end = int(self.document_starts[index]), int(self.document_starts[index + 1])
        return _document(json.loads(self.records[index]), bytes(self.text[start:end]).decode("utf-8"))


class SavedDocuments(Sequence[Document]):
    """The saved documents, each decoded when asked for."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store.records)

    def __getitem__(self, index: int) -> Document:  # type: ignore[override]
        return self._store.document(_position(index, len(self)))

    def any_dated(self) -> bool:
        """Whether any document has a date, from the records alone."""
        return any(json.loads(self._store.records[i]).get("date") is not None for i in range(len(self)))


class SavedTexts(Sequence[str]):
    """The saved passages' texts."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store.passage_ids)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self._store.passage_text(_position(index, len(self)))


class SavedSentences(Sequence[list[tuple[int, int]]]):
    """Each saved passage's sentence spans."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store.passage_ids)

    def __getitem__(self, index: int) -> list[tuple[int, int]]:  # type: ignore[override]
        index = _position(index, len(self))
        start, end = int(self._store.sentence_starts[index]), int(self._store.sentence_starts[index + 1])
        return [(int(a), int(b)) for a, b in self._store.sentences[start:end].tolist()]


class SavedPassageNumbers(Mapping[str, int]):
    """Each saved passage's position by its id, found through the saved index of ids."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def __getitem__(self, passage_id: str) -> int:
        position = self._store.passage_index.position_of(passage_id)
        if position is None:
            raise KeyError(passage_id)
        return position

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.passage_ids)

    def __len__(self) -> int:
        return len(self._store.passage_ids)


class SavedPassages(Sequence[Passage]):
    """The saved passages, each made when asked for."""

    def __init__(self, store: _Store) -> None:
        self._store = store
        self.texts = SavedTexts(store)
        self.sentences = SavedSentences(store)
        self.numbers = SavedPassageNumbers(store)

    def __len__(self) -> int:
        return len(self._store.passage_ids)

    def __getitem__(self, index: int) -> Passage:  # type: ignore[override]
        store = self._store
        index = _position(index, len(self))
        start, end = store.chars[index].tolist()
        return _passage(
            store.document(int(store.owners[index])),
            passage_id=store.passage_ids[index],
            paragraph=int(store.paragraphs[index]),
            start=start,
            end=end,
            text=store.passage_text(index),
        )


def _position(index: int, length: int) -> int:
    if not isinstance(index, int):
        raise TypeError("saved corpus sequences take one integer index")
    if index < 0:
        index += length
    if not 0 <= index < length:
        raise IndexError(index)
    return index


def _date_fields() -> frozenset[str]:
    hints = typing.get_type_hints(Document)
    return frozenset(name for name, hint in hints.items() if hint is dt.date or dt.date in typing.get_args(hint))


_DATES = _date_fields()
_PASSAGE_OWN = frozenset({"passage_id", "paragraph", "start", "end", "text"})


def _record(document: Document) -> dict[str, Any]:
    record = {}
    for field in dataclasses.fields(document):
        if field.name != "text":
            value = getattr(document, field.name)
            record[field.name] = value.isoformat() if isinstance(value, dt.date) else value
    return record


def _document(record: dict[str, Any], text: str) -> Document:
    values: dict[str, Any] = {
        name: (dt.date.fromisoformat(value) if name in _DATES and value is not None else _frozen(value))
        for name, value in record.items()
    }
    return Document(**values, text=text)


def _frozen(value: Any) -> Any:
    return tuple(_frozen(item) for item in value) if isinstance(value, list) else value


def _passage(document: Document, **own: Any) -> Passage:
    """A Passage of `document`: its own offsets and text, every other field from the document."""
    values = {}
    for field in dataclasses.fields(Passage):
        if field.name in _PASSAGE_OWN:
            values[field.name] = own[field.name]
        elif field.name == "document":
            values[field.name] = document
        else:
            values[field.name] = getattr(document, field.name)
    return Passage(**values)
