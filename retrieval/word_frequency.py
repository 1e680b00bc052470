"""How common a word is in English at large (wordfreq), to temper idf from small corpora.

In a corpus of a few dozen passages idf is noisy: "example" or "type" may be as rare there as "Crimea".
English word frequencies say which words are common everywhere, so they can weigh less, and which
unknown words are likely typos rather than real words.
"""

from __future__ import annotations

from functools import lru_cache

# Words rarer than this are not in everyday English: candidates for typo correction.
RARE_ZIPF = 3.0
# Words at least this common in English frame a question ("say", "old") rather than name its subject.
FRAME_ZIPF = 5.5
# The commonness factor grows as Zipf frequency falls below this, capped at MAX_FACTOR.
_FACTOR_ORIGIN = 6.0
MAX_FACTOR = 6.0


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Zipf frequency: log10 of occurrences per billion words; 0 for a word English has never seen."""
    from wordfreq import zipf_frequency  # imported on first use: loading its word lists takes a second

    return zipf_frequency(word, "en", wordlist="small")


def rarity_factor(word: str) -> float:
    """1 for everyday words up to 6 for words English never uses; multiplies a term's corpus idf."""
    return min(MAX_FACTOR, max(1.0, _FACTOR_ORIGIN - zipf(word)))
