"""Which language a question is written in, from its script and wordfreq's word frequencies.

Follow-up cues are words of one language, and the refusal rule judges a question written in another
language than the corpus's by meaning alone, so both need to know. Only the languages below are told apart.
"""

from __future__ import annotations

from functools import lru_cache

from retrieval.tokens import words
from retrieval.word_frequency import RARE_ZIPF, zipf

# Languages whose words are looked up to tell them apart; only those in the cue file have follow-up rules 1-3.
LATIN_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl")
# Every language whose wordfreq list this module reads (the Docker image keeps exactly these).
WORD_LIST_LANGUAGES = (*LATIN_LANGUAGES, "ru", "uk")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
# Questions of at least this many words, all common English, are taken for English without comparing languages.
_SURE_LENGTH = 4


def guess_language(question: str) -> str | None:
    """The question's language among those the word lists know, or None when it has no letters.

    Cyrillic is Ukrainian when it has a letter only Ukrainian uses, else Russian. Latin-script text of a few
    words that are all common English is English; otherwise the language whose word frequencies suit it best
    (short questions need that: "y en 2014" is made of words English uses too).
    """
    letters = [word for word in words(question) if word.isalpha()]
    if not letters:
        return None
    if any("\u0400" <= char <= "\u04ff" for word in letters for char in word):
        return "uk" if any(char in _UKRAINIAN_LETTERS for word in letters for char in word) else "ru"
    if len(letters) >= _SURE_LENGTH and all(word.isascii() and zipf(word) >= RARE_ZIPF for word in letters):
        return "en"
    if not all(char.isascii() or (char.isalpha() and _latin(char)) for word in letters for char in word):
        return None
    return max(LATIN_LANGUAGES, key=lambda language: sum(zipf_in(word, language) for word in letters))


def _latin(char: str) -> bool:
    """A letter of the Latin-1 Supplement or Latin Extended blocks (é, ß, ñ, ł)."""
    return "\u00c0" <= char <= "\u024f"


@lru_cache(maxsize=16384)
def zipf_in(word: str, language: str) -> float:
    """How common the word is in that language (Zipf scale; 0 when the small word list lacks it)."""
    if language == "en":
        return zipf(word)
    from wordfreq import zipf_frequency  # imported on first use, like retrieval/word_frequency.py

    frequency: float = zipf_frequency(word, language, wordlist="small")
    return frequency
