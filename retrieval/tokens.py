"""Turning text into BM25 terms: normalised, stop words dropped, stemmed, the same for passages and questions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import Stemmer

# Bump when the output of `tokenize` changes, so saved indexes built with the old terms are rebuilt.
TOKENIZER_VERSION = "1"

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?!\w)")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# PyStemmer: Snowball's own C, a fifth of the CPU of nltk's Python port and none of nltk's import time.
_STEMMER = Stemmer.Stemmer("english")


def _load_stopwords() -> frozenset[str]:
    text = resources.files("retrieval").joinpath("data/stopwords_en.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


STOPWORDS = _load_stopwords()


def normalize(text: str) -> str:
    """Fold compatibility forms, case and quote styles so ’ and ' or Ｎ and N match alike."""
    if text.isascii():
        # The same result, a tenth of the time: ASCII is its own NFKC form, and ` its only quote to fold.
        return text.replace("`", "'").casefold()
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()


def words(text: str) -> list[str]:
    """Normalised words with possessive 's removed, stop words kept."""
    normalized = normalize(text)
    # The possessive pattern starts with a look-behind, tried at every position: most text has no apostrophe.
    return _WORD.findall(_POSSESSIVE.sub("", normalized) if "'" in normalized else normalized)


def tokenize(text: str) -> list[str]:
    """The BM25 terms of `text`: content words, stemmed."""
    return terms_of_words(words(text))


def terms_of_words(text_words: list[str]) -> list[str]:
    """The BM25 terms of words already split by `words`."""
    return [stem(word) for word in text_words if word not in STOPWORDS]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball-stem one word; cached because a corpus repeats its vocabulary endlessly."""
    stemmed: str = _STEMMER.stemWord(word.replace("'", ""))
    return stemmed
