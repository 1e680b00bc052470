"""Source documents: loading them from disk and splitting them into quotable passages."""

from corpus.loader import Corpus, CorpusError, load_corpus
from corpus.model import Document, Passage

__all__ = ["Corpus", "CorpusError", "Document", "Passage", "load_corpus"]
